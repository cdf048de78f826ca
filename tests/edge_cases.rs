//! Cancellation edge cases, each with the invariant it must keep.
//!
//! Covered elsewhere, one test each: a child that ignores the signal but
//! awaits is aborted (`grace.rs`: `a_child_ignoring_the_signal_is_aborted_after_grace`);
//! a blocking loop that never awaits is waited for after it sees
//! `is_cancelled()` (`kinds.rs`: `a_blocking_task_is_asked_to_stop_and_awaited`);
//! a child panicking in its `Drop` during the abort (`panics.rs`:
//! `panic_in_a_child_drop_during_cancel_is_resumed`); the current-thread
//! runtime (`flavors.rs`, every scenario on both flavors). Here: the body
//! panicking while a child fails, errors and panics during the clean-up of
//! a grace period, cancellation racing completion, and a runtime shut down
//! with scopes open.

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

use common::{catch_unwind, forever, panic_message, Tracker};
use taskgroup::scope;
use tokio::sync::Barrier;
use tokio::time::sleep;

#[derive(Debug, PartialEq, Eq)]
struct Failed(&'static str);

/// The body panics at the moment a child fails. Either may be recorded
/// first; whichever it is, nothing is lost: if the body reached its
/// `panic!`, that panic is what the caller gets (a panic takes precedence
/// over an error); if the failure dropped the body first, the error is
/// returned. Repeated to hit both orders.
#[taskgroup::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_body_panicking_while_a_child_fails() {
    let (mut panics, mut errors) = (0, 0);
    for _ in 0..300 {
        let tracker = Tracker::new();
        let body_panicked = Arc::new(AtomicBool::new(false));
        let both = Arc::new(Barrier::new(2));
        let outcome = catch_unwind(async {
            let result: Result<(), Failed> = scope! {
                let (meet, alive) = (both.clone(), tracker.alive());
                spawn!(async move {
                    meet.wait().await;
                    alive.finish();
                    Err::<(), _>(Failed("child"))
                });
                both.wait().await;
                body_panicked.store(true, SeqCst);
                panic!("body");
            };
            result
        })
        .await;
        assert_eq!(tracker.live(), 0, "a child outlived its scope");
        match outcome {
            Err(payload) => {
                assert!(body_panicked.load(SeqCst));
                assert_eq!(panic_message(&*payload), Some("body"));
                panics += 1;
            }
            Ok(result) => {
                assert!(!body_panicked.load(SeqCst), "the body's panic was lost");
                assert_eq!(result, Err(Failed("child")));
                errors += 1;
            }
        }
    }
    assert_eq!(panics + errors, 300);
    eprintln!("body panic resumed: {panics}, child error returned: {errors}");
}

/// After the first error, children winding down in the grace period fail
/// too: the scope returns the first error, the later one is a consequence
/// and is dropped, and the clean-up still runs to its end.
#[taskgroup::test(start_paused = true)]
async fn an_error_during_the_clean_up_of_a_grace_period_is_not_the_result() {
    let tracker = Tracker::new();
    let alive = tracker.alive();
    let result: Result<(), Failed> = scope!(grace = Duration::from_secs(10); {
        spawn!(async {
            sleep(Duration::from_secs(1)).await;
            Err::<(), _>(Failed("first"))
        });
        spawn!(async move {
            taskgroup::cancelled().await;
            sleep(Duration::from_millis(100)).await; // clean-up
            alive.finish();
            Err::<(), _>(Failed("during clean-up"))
        });
        Ok(())
    });
    assert_eq!(result, Err(Failed("first")));
    assert_eq!(tracker.finished(), 1, "the clean-up was cut short");
}

/// A panic during the clean-up is a bug, not a consequence: it is resumed,
/// after everything stopped, even though an error came first.
#[taskgroup::test(start_paused = true)]
async fn a_panic_during_the_clean_up_of_a_grace_period_is_resumed() {
    let tracker = Tracker::new();
    let alive = tracker.alive();
    let outcome = catch_unwind(async {
        let result: Result<(), Failed> = scope!(grace = Duration::from_secs(10); {
            spawn!(async { Err::<(), _>(Failed("first")) });
            spawn!(async move {
                let _alive = alive;
                taskgroup::cancelled().await;
                sleep(Duration::from_millis(100)).await;
                panic!("clean-up bug") as Result<(), Failed>
            });
            Ok(())
        });
        result
    })
    .await;
    let payload = outcome.expect_err("the clean-up panic was lost");
    assert_eq!(panic_message(&*payload), Some("clean-up bug"));
    assert_eq!(tracker.live(), 0);
}

/// `cancel!()` races a child that is completing: whichever wins, the child
/// is dropped exactly once, the scope returns, and nothing outlives it.
#[taskgroup::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancellation_racing_completion() {
    let (mut completed, mut cancelled) = (0, 0);
    for _ in 0..500 {
        let tracker = Tracker::new();
        let ran_to_the_end = Arc::new(AtomicUsize::new(0));
        let both = Arc::new(Barrier::new(2));
        scope! {
            let (meet, alive, ran) = (both.clone(), tracker.alive(), ran_to_the_end.clone());
            spawn!(async move {
                meet.wait().await;
                ran.fetch_add(1, SeqCst);
                alive.finish();
            });
            both.wait().await;
            cancel!();
        };
        assert_eq!(tracker.live(), 0, "a child outlived its scope");
        assert_eq!(tracker.started(), 1);
        match ran_to_the_end.load(SeqCst) {
            1 => completed += 1,
            0 => cancelled += 1,
            n => panic!("the child ran {n} times"),
        }
    }
    assert_eq!(completed + cancelled, 500);
    eprintln!("child completed: {completed}, cancelled first: {cancelled}");
}

/// Two children fail at the same moment: the scope returns one of the two
/// errors (the first recorded), never neither, and every child stopped.
#[taskgroup::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_failures_at_the_same_moment() {
    for _ in 0..300 {
        let tracker = Tracker::new();
        let all = Arc::new(Barrier::new(2));
        let result: Result<(), Failed> = scope! {
            for name in ["a", "b"] {
                let (all, alive) = (all.clone(), tracker.alive());
                spawn!(async move {
                    all.wait().await;
                    alive.finish();
                    Err::<(), _>(Failed(name))
                });
            }
            let alive = tracker.alive();
            spawn!(async move {
                forever::<()>().await;
                alive.finish();
            });
            Ok(())
        };
        assert!(matches!(result, Err(Failed("a" | "b"))), "{result:?}");
        assert_eq!(tracker.live(), 0);
    }
}

/// The runtime shuts down (dropped) while a scope is open with children
/// parked and a blocking closure running: tokio drops every task, the
/// scope's `Drop` cancels, the blocking closure sees `is_cancelled()` and
/// returns (so the shutdown does not hang on it), and every child's future
/// is dropped; nothing panics.
#[test]
fn a_runtime_shutting_down_with_scopes_open() {
    let tracker = Tracker::new();
    let blocking_saw_cancel = Arc::new(AtomicBool::new(false));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (ready, all_started) = std::sync::mpsc::channel();
    let (task_tracker, saw_cancel) = (tracker.clone(), blocking_saw_cancel.clone());
    runtime.spawn(async move {
        let started = Arc::new(Barrier::new(12));
        scope! {
            for _ in 0..10 {
                let (started, alive) = (started.clone(), task_tracker.alive());
                spawn!(async move {
                    let _alive = alive;
                    scope! {
                        let alive = _alive;
                        spawn!(async move {
                            started.wait().await;
                            forever::<()>().await;
                            alive.finish();
                        });
                    };
                });
            }
            let started_blocking = started.clone();
            spawn_blocking!(move || {
                let handle = tokio::runtime::Handle::current();
                handle.block_on(started_blocking.wait());
                while !taskgroup::is_cancelled() {
                    std::thread::yield_now();
                }
                saw_cancel.store(true, SeqCst);
            });
            started.wait().await;
            ready.send(()).unwrap();
            forever::<()>().await;
        };
    });
    all_started.recv().unwrap();
    assert_eq!(tracker.live(), 10);
    runtime.shutdown_timeout(Duration::from_secs(30));
    assert!(
        blocking_saw_cancel.load(SeqCst),
        "the blocking closure never saw the cancellation"
    );
    assert_eq!(tracker.live(), 0, "a child's future was not dropped");
}
