//! `spawn_scoped!`: borrowing, non-`Send` children polled inside the scope's own future.
//!
//! `spawn_scoped!`: children that borrow from around the scope (mutably
//! too), need not be `Send`, and run concurrently with the body inside the
//! scope's own future, with the same error/panic/cancel semantics.

mod common;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use common::{catch_unwind, forever, panic_message, Tracker};
use taskgroup::{nursery, scope};
use tokio::sync::oneshot;
use tokio::time::{sleep, Instant};

#[derive(Debug, PartialEq)]
struct Failed(&'static str);

/// Disjoint `&mut` borrows of a vector's elements, updated concurrently:
/// three children sleeping 1 s each take 1 s, not 3.
#[taskgroup::test(start_paused = true)]
async fn mutable_borrows_run_concurrently() {
    let mut totals = vec![0u64; 3];
    let start = Instant::now();
    scope! {
        for (i, total) in totals.iter_mut().enumerate() {
            spawn_scoped!(async move {
                sleep(Duration::from_secs(1)).await;
                *total += i as u64 * 10;
            });
        }
    };
    assert_eq!(totals, [0, 10, 20]);
    assert_eq!(start.elapsed(), Duration::from_secs(1));
}

/// Not `Send`: an `Rc<RefCell<…>>` shared with the body; the handle yields
/// the child's value.
#[taskgroup::test]
async fn non_send_children_and_handles() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let sum = scope! {
        let a = spawn_scoped!({
            let log = log.clone();
            async move {
                log.borrow_mut().push("a");
                1
            }
        });
        let b = spawn_scoped!(name = "b", async {
            log.borrow_mut().push("b");
            2
        });
        a.await + b.await
    };
    assert_eq!(sum, 3);
    let mut log = log.borrow().clone();
    log.sort_unstable();
    assert_eq!(log, ["a", "b"]);
}

/// A scoped child makes progress while the body awaits something else —
/// here, the very value the child produces.
#[taskgroup::test]
async fn a_scoped_child_does_not_starve() {
    let value = scope! {
        let (sender, receiver) = oneshot::channel();
        spawn_scoped!(async move {
            tokio::task::yield_now().await;
            sender.send(7).unwrap();
        });
        receiver.await.unwrap()
    };
    assert_eq!(value, 7);
}

/// A scoped child's `Err` fails the scope: parallel children are
/// cancelled, scoped siblings dropped, and the error is the result.
#[taskgroup::test(start_paused = true)]
async fn a_scoped_failure_fails_the_scope() {
    let tracker = Tracker::new();
    let (parallel, scoped) = (tracker.alive(), tracker.alive());
    let mut touched = false;
    let result: Result<(), Failed> = scope! {
        spawn!(async move {
            forever::<()>().await;
            drop(parallel);
        });
        spawn_scoped!(async {
            forever::<()>().await;
            drop(scoped);
            touched = true;
        });
        spawn_scoped!(async {
            sleep(Duration::from_secs(1)).await;
            Err::<(), _>(Failed("scoped"))
        });
        forever::<()>().await;
        Ok(())
    };
    assert_eq!(result, Err(Failed("scoped")));
    assert_eq!(tracker.live(), 0);
    assert!(!touched);
}

async fn scoped_boom() {
    tokio::task::yield_now().await;
    panic!("scoped boom");
}

#[taskgroup::test]
async fn a_scoped_panic_is_resumed_after_the_join() {
    let tracker = Tracker::new();
    let alive = tracker.alive();
    let outcome = catch_unwind(async {
        scope! {
            spawn!(async move {
                forever::<()>().await;
                drop(alive);
            });
            spawn_scoped!(scoped_boom());
        };
    })
    .await;
    assert_eq!(panic_message(&*outcome.unwrap_err()), Some("scoped boom"));
    assert_eq!(tracker.live(), 0);
}

/// `cancel!()` drops the scoped children; the body goes on.
#[taskgroup::test]
async fn cancel_drops_scoped_children() {
    let tracker = Tracker::new();
    let alive = tracker.alive();
    let value = scope! {
        spawn_scoped!(async move {
            forever::<()>().await;
            drop(alive);
        });
        tokio::task::yield_now().await;
        cancel!();
        tokio::task::yield_now().await;
        "body went on"
    };
    assert_eq!(value, "body went on");
    assert_eq!(tracker.live(), 0);
}

/// In a `#[nursery]` fn, the function's parameters are borrowed.
#[nursery]
async fn double_all(values: &mut [u32]) -> usize {
    // The children borrow `values` until the scope ends (as with
    // `std::thread::scope`): read what the body needs first.
    let len = values.len();
    for value in values.iter_mut() {
        spawn_scoped!(async move {
            tokio::task::yield_now().await;
            *value *= 2;
        });
    }
    len
}

#[taskgroup::test]
async fn nursery_parameters_are_borrowed() {
    let mut values = [1, 2, 3];
    assert_eq!(double_all(&mut values).await, 3);
    assert_eq!(values, [2, 4, 6]);
}

/// A future that counts its polls in a borrowed counter.
struct Counted<'a, F> {
    polls: &'a std::cell::Cell<usize>,
    future: std::pin::Pin<Box<F>>,
}

impl<F: std::future::Future> std::future::Future for Counted<'_, F> {
    type Output = F::Output;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<F::Output> {
        self.polls.set(self.polls.get() + 1);
        self.future.as_mut().poll(cx)
    }
}

/// 2,000 scoped children woken one at a time: a wake-up polls the child
/// that was woken, not all of them (issue 13: it used to take ~2,000,000
/// polls). Each child is polled once to park and once to finish; the
/// bound allows a few spurious polls, far below the quadratic count.
#[taskgroup::test]
async fn a_wake_up_polls_only_the_woken_scoped_child() {
    const CHILDREN: usize = 2_000;
    let polls = std::cell::Cell::new(0);
    let (senders, receivers): (Vec<_>, Vec<_>) =
        (0..CHILDREN).map(|_| oneshot::channel::<usize>()).unzip();
    let sum = scope! {
        let handles: Vec<_> = receivers
            .into_iter()
            .map(|receiver| {
                spawn_scoped!(Counted {
                    polls: &polls,
                    future: Box::pin(async move { receiver.await.unwrap() }),
                })
            })
            .collect();
        let mut sum = 0;
        for ((i, sender), handle) in senders.into_iter().enumerate().zip(handles) {
            sender.send(i).unwrap();
            sum += handle.await;
        }
        sum
    };
    assert_eq!(sum, CHILDREN * (CHILDREN - 1) / 2);
    assert!(
        polls.get() <= 3 * CHILDREN,
        "{} polls of {CHILDREN} children woken one at a time",
        polls.get()
    );
}
