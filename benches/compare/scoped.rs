//! Scenarios 7 to 10: `spawn_scoped!` children (polled inside the scope's
//! own task) against a `FuturesUnordered` (the floor: every future has a
//! waker of its own, a wake-up polls only the woken one), plain and with
//! its futures boxed (as a set of different futures needs):
//! 7. 2,000 futures in one task, woken one at a time;
//! 8. spawn N trivial futures and join, N = 1e3, 1e5, 1e6;
//! 9. groups of 4 trivial futures, one group (one scope) after another;
//! 10. bytes per parked child, a 16-byte future (a process of its own per
//!     contender, as in scenario 4).

use std::cell::Cell;
use std::future::{poll_fn, Future};
use std::hint::black_box;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::stream::{FuturesUnordered, StreamExt};
use taskgroup::scope;
use tokio::sync::oneshot;

use crate::measure::{multi_thread, BoxFuture, Contender, Figure};

type Boxed<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// One channel per child: the driver releases them in order.
fn channels(n: usize) -> (Vec<oneshot::Sender<usize>>, Vec<oneshot::Receiver<usize>>) {
    (0..n).map(|_| oneshot::channel()).unzip()
}

async fn futures_unordered(n: usize) {
    let (senders, receivers) = channels(n);
    let mut set: FuturesUnordered<_> = receivers
        .into_iter()
        .map(|receiver| async move { receiver.await.unwrap() })
        .collect();
    for (i, sender) in senders.into_iter().enumerate() {
        sender.send(i).unwrap();
        black_box(set.next().await);
    }
}

/// The same with the futures boxed, as a set of different futures needs.
async fn futures_unordered_boxed(n: usize) {
    let (senders, receivers) = channels(n);
    let mut set: FuturesUnordered<Boxed<usize>> = receivers
        .into_iter()
        .map(|receiver| Box::pin(async move { receiver.await.unwrap() }) as Boxed<usize>)
        .collect();
    for (i, sender) in senders.into_iter().enumerate() {
        sender.send(i).unwrap();
        black_box(set.next().await);
    }
}

async fn spawn_scoped(n: usize) {
    let (senders, receivers) = channels(n);
    scope! {
        let handles: Vec<_> = receivers
            .into_iter()
            .map(|receiver| spawn_scoped!(async move { receiver.await.unwrap() }))
            .collect();
        for ((i, sender), handle) in senders.into_iter().enumerate().zip(handles) {
            sender.send(i).unwrap();
            black_box(handle.await);
        }
    };
}

/// A scope with `spawn_scoped!` children is not `Send`: each contender runs
/// on the owner's thread (`block_in_place`), the same way for both.
fn on_this_thread<F: Future<Output = ()> + 'static>(job: fn(usize) -> F, n: usize) -> BoxFuture {
    Box::pin(async move {
        tokio::task::block_in_place(|| tokio::runtime::Handle::current().block_on(job(n)));
    })
}

pub fn contenders() -> Vec<Contender> {
    vec![
        Contender {
            name: "FuturesUnordered",
            job: |n| on_this_thread(futures_unordered, n),
        },
        Contender {
            name: "FuturesUnordered, boxed",
            job: |n| on_this_thread(futures_unordered_boxed, n),
        },
        Contender {
            name: "taskgroup spawn_scoped!",
            job: |n| on_this_thread(spawn_scoped, n),
        },
    ]
}

/// Scenario 8: `n` trivial futures in one set, joined.
async fn join_futures_unordered(n: usize) {
    let mut set = FuturesUnordered::new();
    for i in 0..n {
        set.push(async move { black_box(i) });
    }
    while let Some(value) = set.next().await {
        black_box(value);
    }
}

async fn join_futures_unordered_boxed(n: usize) {
    let mut set: FuturesUnordered<Boxed<usize>> = FuturesUnordered::new();
    for i in 0..n {
        set.push(Box::pin(async move { black_box(i) }));
    }
    while let Some(value) = set.next().await {
        black_box(value);
    }
}

/// Joined at the scope's closing brace, the handles dropped at once.
async fn join_scoped(n: usize) {
    scope! {
        for i in 0..n {
            spawn_scoped!(async move { black_box(i) });
        }
    };
}

/// The values taken through the handles, as `FuturesUnordered` yields them.
async fn join_scoped_awaited(n: usize) {
    scope! {
        let mut handles = Vec::with_capacity(n);
        for i in 0..n {
            handles.push(spawn_scoped!(async move { black_box(i) }));
        }
        for handle in handles {
            black_box(handle.await);
        }
    };
}

/// Not a contender: a scope without children, what every group pays.
async fn empty_scope(_n: usize) {
    scope! {
        black_box(());
    };
}

/// `groups` groups of 4, each joined before the next starts.
async fn groups_of<F: Future<Output = ()>>(groups: usize, group: fn(usize) -> F) {
    for _ in 0..groups {
        group(4).await;
    }
}

/// The contenders of scenarios 8 (`$wrap`: one group) and 9 (groups of 4).
macro_rules! join_contenders {
    ($($wrap:tt)*) => {
        vec![
            Contender {
                name: "FuturesUnordered",
                job: |n| on_this_thread($($wrap)*(join_futures_unordered), n),
            },
            Contender {
                name: "FuturesUnordered, boxed",
                job: |n| on_this_thread($($wrap)*(join_futures_unordered_boxed), n),
            },
            Contender {
                name: "spawn_scoped!, no handle kept",
                job: |n| on_this_thread($($wrap)*(join_scoped), n),
            },
            Contender {
                name: "spawn_scoped!, each awaited",
                job: |n| on_this_thread($($wrap)*(join_scoped_awaited), n),
            },
        ]
    };
}

/// Scenario 8: one set of `n` children.
pub fn join_contenders() -> Vec<Contender> {
    join_contenders!()
}

/// Scenario 9: `n` groups of 4 (a plain `fn` per contender: the job is a
/// `fn` pointer).
pub fn groups_of_4() -> Vec<Contender> {
    macro_rules! groups {
        ($job:ident) => {{
            async fn groups(n: usize) {
                groups_of(n, $job).await
            }
            groups
        }};
    }
    let mut contenders = join_contenders!(groups!);
    contenders.push(Contender {
        name: "scope! alone (no child)",
        job: |n| on_this_thread(groups!(empty_scope), n),
    });
    contenders
}

/// Scenario 10's contenders.
const MEMORY_CONTENDERS: [&str; 3] = [
    "FuturesUnordered",
    "FuturesUnordered, boxed",
    "spawn_scoped!",
];

/// Scenario 10: bytes per parked child, each contender in a process of its
/// own (this binary, re-executed with `scoped-memory-child`).
pub fn memory_per_child(n: usize) -> Vec<Figure> {
    crate::memory::in_own_processes("scoped-memory-child", &MEMORY_CONTENDERS, n)
}

/// A 16-byte future that counts itself parked at its first poll, then
/// never finishes.
struct Parked<'a> {
    parked: &'a Cell<usize>,
    counted: bool,
}

impl Future for Parked<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        if !self.counted {
            self.counted = true;
            self.parked.set(self.parked.get() + 1);
        }
        Poll::Pending
    }
}

/// Ready once all `n` children are parked (polled in a loop: the
/// children do not wake anyone).
fn all_parked(parked: &Cell<usize>, n: usize) -> impl Future<Output = ()> + '_ {
    poll_fn(move |cx| {
        if parked.get() == n {
            Poll::Ready(())
        } else {
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    })
}

/// In the child process: park `n` children of one contender, print the
/// figure, exit without cleaning up.
pub fn memory_child(args: &[String]) {
    let [name, n, ..] = args else {
        panic!("usage: scoped-memory-child <contender> <n> [dump]");
    };
    if args.get(2).is_some_and(|arg| arg == "dump") {
        taskgroup::enable_dump();
    }
    assert_eq!(std::mem::size_of::<Parked>(), 16);
    let n: usize = n.parse().expect("n");
    let name = name.clone();
    let runtime = multi_thread();
    runtime.block_on(async move {
        tokio::spawn(async {}).await.unwrap();
        let parked = Cell::new(0);
        let baseline = crate::memory::status_kib("VmRSS:");
        let report = || {
            let peak = crate::memory::status_kib("VmHWM:");
            println!(
                "bytes-per-task {}",
                (peak.saturating_sub(baseline) * 1024) as f64 / n as f64
            );
            std::process::exit(0)
        };
        let parked = &parked;
        let child = || Parked {
            parked,
            counted: false,
        };
        match name.as_str() {
            "FuturesUnordered" => {
                let mut set: FuturesUnordered<_> = (0..n).map(|_| child()).collect();
                tokio::select! {
                    _ = set.next() => unreachable!(),
                    () = all_parked(parked, n) => report(),
                }
            }
            "FuturesUnordered, boxed" => {
                let mut set: FuturesUnordered<Boxed<()>> =
                    (0..n).map(|_| Box::pin(child()) as Boxed<()>).collect();
                tokio::select! {
                    _ = set.next() => unreachable!(),
                    () = all_parked(parked, n) => report(),
                }
            }
            "spawn_scoped!" => {
                scope! {
                    for _ in 0..n {
                        spawn_scoped!(child());
                    }
                    all_parked(parked, n).await;
                    report();
                };
            }
            other => panic!("unknown contender {other}"),
        }
    });
}
