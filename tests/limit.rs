//! `limit = n` and `try_spawn!`: at most `n` children at once, backpressure and load shedding.
//!
//! `limit = n`: at most `n` children run at once; `spawn!` waits for a slot
//! (errgroup's `SetLimit`), `try_spawn!` never waits (`TryGo`). Ports of
//! errgroup's `TestGoLimit` and `TestTryGo`, plus the limit-plus-cancel
//! deadlock that a scope must never hit.

mod common;

use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

use common::{forever, Tracker};
use taskgroup::{nursery, scope};
use tokio::sync::{mpsc, oneshot, watch, Barrier};

/// Counts children running at once and the peak.
#[derive(Clone, Default)]
struct Gauge {
    running: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
}

impl Gauge {
    fn enter(&self) {
        let now = self.running.fetch_add(1, SeqCst) + 1;
        self.peak.fetch_max(now, SeqCst);
    }
    fn leave(&self) {
        self.running.fetch_sub(1, SeqCst);
    }
    fn peak(&self) -> usize {
        self.peak.load(SeqCst)
    }
}

/// 1000 tasks under `limit = 10`; each meets nine others at a barrier of
/// ten, so the peak must be exactly 10: more would show a broken limit,
/// fewer could never pass the barrier (the timeout turns that into a
/// failure instead of a hang).
async fn thousand_tasks_under_limit_ten() {
    let gauge = Gauge::default();
    let tracker = Tracker::new();
    let barrier = Arc::new(Barrier::new(10));
    tokio::time::timeout(Duration::from_secs(20), async {
        scope!(limit = 10; {
            for _ in 0..1000 {
                let (gauge, barrier, alive) = (gauge.clone(), barrier.clone(), tracker.alive());
                spawn!(async move {
                    gauge.enter();
                    barrier.wait().await;
                    gauge.leave();
                    alive.finish();
                });
            }
        })
    })
    .await
    .expect("the limit let fewer than 10 tasks run at once");
    assert_eq!(gauge.peak(), 10);
    assert_eq!(tracker.finished(), 1000);
    assert_eq!(tracker.live(), 0);
}

#[taskgroup::test(flavor = "current_thread")]
async fn limit_is_never_exceeded_current_thread() {
    thousand_tasks_under_limit_ten().await;
}

#[taskgroup::test(flavor = "multi_thread", worker_threads = 2)]
async fn limit_is_never_exceeded_multi_thread() {
    thousand_tasks_under_limit_ten().await;
}

/// errgroup `TestGoLimit`-style: a `#[nursery]` with a limit taken from an
/// argument (a runtime expression).
#[nursery(limit = limit)]
async fn bounded(limit: usize, tasks: usize, gauge: Gauge) -> Result<usize, String> {
    for _ in 0..tasks {
        let gauge = gauge.clone();
        spawn!(async move {
            gauge.enter();
            tokio::task::yield_now().await;
            tokio::task::yield_now().await;
            gauge.leave();
            Ok(())
        });
    }
    Ok(tasks)
}

#[taskgroup::test(flavor = "multi_thread", worker_threads = 2)]
async fn nursery_limit_from_an_argument() {
    for limit in [1, 3] {
        let gauge = Gauge::default();
        assert_eq!(bounded(limit, 200, gauge.clone()).await, Ok(200));
        assert!(gauge.peak() <= limit, "peak {} > {limit}", gauge.peak());
        assert!(gauge.peak() >= 1);
    }
}

/// Port of errgroup `TestTryGo`: with `limit = 42`, 42 `try_spawn!` succeed
/// and the 43rd fails; once the children finished, it succeeds again. A
/// scope with `limit = 1` takes one then refuses the next.
#[taskgroup::test]
async fn try_spawn_at_the_limit() {
    let tracker = Tracker::new();
    scope!(limit = 42; {
        let (release, gate) = watch::channel(false);
        let mut handles = Vec::new();
        for i in 0..42 {
            let (mut gate, alive) = (gate.clone(), tracker.alive());
            let handle = try_spawn!(async move {
                let _ = gate.wait_for(|open| *open).await;
                alive.finish();
            });
            handles.push(handle.unwrap_or_else(|| panic!("try_spawn! #{i} should succeed")));
        }
        assert!(try_spawn!(async {}).is_none(), "the 43rd try_spawn! must fail");
        release.send(true).unwrap();
        for handle in handles {
            handle.await;
        }
        // Every slot is free again.
        let again = try_spawn!(async { 5 }).expect("a slot after the children finished");
        assert_eq!(again.await, 5);
    });
    assert_eq!(tracker.finished(), 42);
    assert_eq!(tracker.live(), 0);

    scope!(limit = 1; {
        let (tx, rx) = oneshot::channel::<()>();
        let first = try_spawn!(async move { let _ = rx.await; });
        assert!(first.is_some());
        assert!(try_spawn!(async {}).is_none());
        drop(tx);
        first.unwrap().await;
        assert!(try_spawn!(async {}).is_some());
    });
}

#[taskgroup::test]
async fn try_spawn_without_a_limit_always_starts() {
    let tracker = Tracker::new();
    scope! {
        let (tx, rx) = watch::channel(());
        for _ in 0..100 {
            let (mut rx, alive) = (rx.clone(), tracker.alive());
            let handle = try_spawn!(async move {
                while rx.changed().await.is_ok() {}
                alive.finish();
            });
            assert!(handle.is_some());
        }
        drop((tx, rx));
    };
    assert_eq!(tracker.finished(), 100);
    assert_eq!(tracker.live(), 0);
}

/// Fills exactly `n` slots with waiting children and checks that a further
/// `try_spawn!` is refused, while with one fewer it is not: the limit is
/// exactly `n`.
macro_rules! assert_limit_is {
    ($n:expr, $limit:expr) => {{
        let n: usize = $n;
        for filled in [n - 1, n] {
            scope!(limit = $limit; {
                let (tx, rx) = watch::channel(());
                for _ in 0..filled {
                    let mut rx = rx.clone();
                    try_spawn!(async move { while rx.changed().await.is_ok() {} })
                        .expect("a free slot");
                }
                let extra = try_spawn!(async {});
                assert_eq!(extra.is_some(), filled < n, "limit {n}, {filled} running");
                drop((tx, rx));
            });
        }
    }};
}

#[taskgroup::test]
async fn limit_accepts_runtime_expressions_and_types() {
    let from_runtime = std::hint::black_box(3usize);
    assert_limit_is!(3, from_runtime);
    assert_limit_is!(2, from_runtime - 1);
    assert_limit_is!(2, NonZeroUsize::new(2).unwrap());
    assert_limit_is!(4, Some(4usize));
    assert_limit_is!(1, Some(NonZeroUsize::MIN));
}

#[taskgroup::test]
async fn limit_none_means_no_limit() {
    let no_limit: Option<usize> = std::hint::black_box(None);
    scope!(limit = no_limit; {
        let (tx, rx) = watch::channel(());
        for _ in 0..500 {
            let mut rx = rx.clone();
            assert!(try_spawn!(async move { while rx.changed().await.is_ok() {} }).is_some());
        }
        drop((tx, rx));
    });
}

#[taskgroup::test]
#[should_panic(expected = "limit = 0")]
async fn runtime_limit_zero_panics_when_the_scope_opens() {
    let zero = std::hint::black_box(0usize);
    let opened = AtomicBool::new(false);
    scope!(limit = zero; {
        opened.store(true, SeqCst);
    });
    unreachable!("the scope opened (body ran: {})", opened.load(SeqCst));
}

#[taskgroup::test]
#[should_panic(expected = "limit = 0")]
async fn runtime_limit_some_zero_panics_too() {
    let zero = std::hint::black_box(Some(0usize));
    scope!(limit = zero; {});
}

#[nursery(limit = workers)]
async fn with_workers(workers: usize) -> usize {
    workers
}

#[taskgroup::test]
async fn nursery_limit_zero_panics_with_a_clear_message() {
    assert_eq!(with_workers(2).await, 2);
    let payload = common::catch_unwind(with_workers(0)).await.unwrap_err();
    let message = common::panic_message(&*payload).expect("a string message");
    assert!(message.contains("limit = 0"), "{message}");
    assert!(message.contains("limit.rs"), "names the scope: {message}");
}

/// With `limit = 1`, the second `spawn!` waits until the first child
/// finishes (backpressure): the body is provably blocked in between.
#[taskgroup::test]
async fn spawn_waits_for_a_free_slot() {
    let second_spawned = AtomicBool::new(false);
    let (release_tx, release_rx) = oneshot::channel::<()>();
    let (blocked_tx, blocked_rx) = oneshot::channel::<()>();
    let driver = async {
        blocked_rx.await.unwrap();
        // The body said it is about to spawn again; let it try.
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        assert!(
            !second_spawned.load(SeqCst),
            "spawn! did not wait for a slot"
        );
        release_tx.send(()).unwrap();
    };
    let scope = async {
        scope!(limit = 1; {
            spawn!(async move { let _ = release_rx.await; });
            blocked_tx.send(()).unwrap();
            let second = spawn!(async { 2 });
            second_spawned.store(true, SeqCst);
            second.await
        })
    };
    let ((), two) = tokio::join!(driver, scope);
    assert_eq!(two, 2);
    assert!(second_spawned.load(SeqCst));
}

/// The limit-plus-cancel deadlock (sourcegraph/conc): the only slot is held
/// by a child that fails while the body waits in `spawn!` for that slot.
/// The scope must return the error, and the waiting child never runs.
#[taskgroup::test]
async fn failure_while_the_body_waits_for_a_slot_does_not_deadlock() {
    let tracker = Tracker::new();
    let queued_ran = Arc::new(AtomicBool::new(false));
    let (fail_tx, fail_rx) = oneshot::channel::<()>();
    let (waiting_tx, waiting_rx) = oneshot::channel::<()>();
    let driver = async {
        waiting_rx.await.unwrap();
        tokio::task::yield_now().await; // the body is now parked in spawn!
        fail_tx.send(()).unwrap();
    };
    let scope = async {
        let result: Result<(), &str> = tokio::time::timeout(Duration::from_secs(10), async {
            scope!(limit = 1; {
                let alive = tracker.alive();
                spawn!(async move {
                    let _alive = alive;
                    let _ = fail_rx.await;
                    Err::<(), _>("slot holder failed")
                });
                waiting_tx.send(()).unwrap();
                let flag = queued_ran.clone();
                spawn!(async move { flag.store(true, SeqCst) });
                forever::<Result<(), &str>>().await
            })
        })
        .await
        .expect("deadlock: the scope never returned");
        result
    };
    let ((), result) = tokio::join!(driver, scope);
    assert_eq!(result, Err("slot holder failed"));
    assert!(!queued_ran.load(SeqCst));
    assert_eq!(tracker.live(), 0);
}

/// The same on several threads, with many bodies queued on a full scope.
#[taskgroup::test(flavor = "multi_thread", worker_threads = 2)]
async fn failure_with_many_waiters_does_not_deadlock_multi_thread() {
    let tracker = Tracker::new();
    let (started_tx, mut started_rx) = mpsc::unbounded_channel::<()>();
    let result: Result<(), &str> = tokio::time::timeout(Duration::from_secs(10), async {
        scope!(limit = 2; {
            for i in 0..50 {
                let (alive, started) = (tracker.alive(), started_tx.clone());
                spawn!(async move {
                    let _alive = alive;
                    started.send(()).unwrap();
                    if i == 1 {
                        return Err("second child failed");
                    }
                    forever::<Result<(), &str>>().await
                });
            }
            Ok(())
        })
    })
    .await
    .expect("deadlock: the scope never returned");
    drop(started_tx);
    let mut started = 0;
    while started_rx.recv().await.is_some() {
        started += 1;
    }
    assert_eq!(result, Err("second child failed"));
    // Child 1 started (it failed); child 0 may have been cancelled before
    // its first poll; none of the 48 queued ones may start.
    assert!((1..=2).contains(&started), "{started} children started");
    assert_eq!(tracker.live(), 0);
}

/// `cancel!()` while part of the body waits in `spawn!` for a slot: the
/// wait ends with a refused handle (its task never runs), the body goes on.
#[taskgroup::test]
async fn cancel_while_the_body_waits_for_a_slot() {
    let tracker = Tracker::new();
    let queued_ran = Arc::new(AtomicBool::new(false));
    let value = tokio::time::timeout(Duration::from_secs(10), async {
        scope!(limit = 1; {
            let alive = tracker.alive();
            spawn!(async move {
                let _alive = alive;
                forever::<()>().await
            });
            let flag = queued_ran.clone();
            let (refused, ()) = tokio::join!(
                async { spawn!(async move { flag.store(true, SeqCst) }).is_finished() },
                async {
                    tokio::task::yield_now().await;
                    cancel!();
                },
            );
            refused
        })
    })
    .await
    .expect("deadlock: the scope never returned");
    assert!(value, "the queued spawn! returned a refused handle");
    assert!(!queued_ran.load(SeqCst));
    assert_eq!(tracker.live(), 0);
}

#[taskgroup::test]
async fn try_spawn_after_cancel_is_refused_even_with_free_slots() {
    let ran = Arc::new(AtomicBool::new(false));
    scope!(limit = 8; {
        cancel!();
        let flag = ran.clone();
        assert!(try_spawn!(async move { flag.store(true, SeqCst) }).is_none());
        let flag = ran.clone();
        let refused = spawn!(async move { flag.store(true, SeqCst) });
        assert!(refused.is_finished());
    });
    assert!(!ran.load(SeqCst));
}
