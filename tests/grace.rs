//! `grace = d`: cancellation in two phases, the signal, then after the grace period the abort.
//!
//! `grace = d`: cancellation in two phases. The signal (`cancelled()`
//! fires, `is_cancelled()` is true, no new child starts), then, after the
//! grace period, the abort of whatever still runs. Paused tokio time: the
//! instants checked are exact.

mod common;

use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

use common::{forever, Tracker};
use taskgroup::{scope, Cause, Elapsed};
use tokio::time::{sleep, Instant};

#[derive(Debug, PartialEq)]
struct Failed;

const SECOND: Duration = Duration::from_secs(1);

/// A child that cleans up within the grace period is not aborted: its
/// clean-up runs to the end, and the scope returns when it is done.
#[taskgroup::test(start_paused = true)]
async fn a_child_finishing_its_clean_up_within_grace_is_not_aborted() {
    let cleaned = Arc::new(AtomicBool::new(false));
    let done = cleaned.clone();
    let start = Instant::now();
    let result: Result<(), Failed> = scope!(grace = 5 * SECOND; {
        spawn!(async move {
            taskgroup::cancelled().await;
            assert!(taskgroup::is_cancelled());
            assert!(matches!(taskgroup::cause(), Some(Cause::TaskFailed(_))));
            sleep(SECOND).await; // flush, say goodbye, …
            done.store(true, SeqCst);
        });
        spawn!(async {
            sleep(2 * SECOND).await;
            Err::<(), _>(Failed)
        });
        Ok(())
    });
    assert_eq!(result, Err(Failed));
    assert!(cleaned.load(SeqCst), "the clean-up was aborted");
    // Failure at 2 s, clean-up done 1 s later, well within the 5 s grace.
    assert_eq!(start.elapsed(), 3 * SECOND);
}

/// A child that ignores the signal is aborted when the grace period ends.
#[taskgroup::test(start_paused = true)]
async fn a_child_ignoring_the_signal_is_aborted_after_grace() {
    let tracker = Tracker::new();
    let alive = tracker.alive();
    let start = Instant::now();
    let result: Result<(), Failed> = scope!(grace = 3 * SECOND; {
        spawn!(async move {
            forever::<()>().await;
            alive.finish();
        });
        spawn!(async {
            sleep(SECOND).await;
            Err::<(), _>(Failed)
        });
        Ok(())
    });
    assert_eq!(result, Err(Failed));
    assert_eq!(start.elapsed(), 4 * SECOND);
    assert_eq!(tracker.live(), 0);
    assert_eq!(tracker.finished(), 0);
}

/// Without `grace`, the abort is immediate: a child's clean-up after the
/// signal never runs.
#[taskgroup::test(start_paused = true)]
async fn without_grace_the_abort_is_immediate() {
    let cleaned = Arc::new(AtomicBool::new(false));
    let done = cleaned.clone();
    let start = Instant::now();
    let result: Result<(), Failed> = scope! {
        spawn!(async move {
            taskgroup::cancelled().await;
            sleep(SECOND).await;
            done.store(true, SeqCst);
        });
        spawn!(async {
            sleep(2 * SECOND).await;
            Err::<(), _>(Failed)
        });
        Ok(())
    };
    assert_eq!(result, Err(Failed));
    assert!(!cleaned.load(SeqCst));
    assert_eq!(start.elapsed(), 2 * SECOND);
}

/// `cancel!()` with a grace period: the children get the signal and finish
/// their work; no new child starts; the body goes on.
#[taskgroup::test(start_paused = true)]
async fn cancel_with_grace_lets_children_wind_down() {
    let wound_down = Arc::new(AtomicBool::new(false));
    let done = wound_down.clone();
    let value = scope!(grace = 10 * SECOND; {
        spawn!(async move {
            taskgroup::cancelled().await;
            sleep(2 * SECOND).await;
            done.store(true, SeqCst);
        });
        tokio::task::yield_now().await;
        cancel!();
        assert!(try_spawn!(async {}).is_none(), "a child started after the signal");
        "body went on"
    });
    assert_eq!(value, "body went on");
    assert!(wound_down.load(SeqCst));
}

/// A deadline is a cancellation like any other: with `grace`, children get
/// the time to clean up before the scope returns `Elapsed`.
#[taskgroup::test(start_paused = true)]
async fn timeout_then_grace() {
    let cleaned = Arc::new(AtomicBool::new(false));
    let done = cleaned.clone();
    let start = Instant::now();
    let result: Result<(), Elapsed> = scope!(timeout = 2 * SECOND, grace = SECOND; {
        spawn!(async move {
            taskgroup::cancelled().await;
            assert!(matches!(taskgroup::cause(), Some(Cause::DeadlineExceeded { .. })));
            sleep(SECOND / 2).await;
            done.store(true, SeqCst);
        });
        Ok(())
    });
    assert_eq!(result, Err(Elapsed));
    assert!(cleaned.load(SeqCst));
    assert_eq!(start.elapsed(), 2 * SECOND + SECOND / 2);
}

/// Dropping the scope's future cannot wait out a grace period: the abort is
/// immediate.
#[taskgroup::test(start_paused = true)]
async fn a_dropped_scope_aborts_at_once() {
    let tracker = Tracker::new();
    let alive = tracker.alive();
    let outcome = tokio::time::timeout(SECOND, async {
        scope!(grace = 60 * SECOND; {
            spawn!(async move {
                taskgroup::cancelled().await;
                sleep(30 * SECOND).await;
                alive.finish();
            });
            forever::<()>().await;
        })
    })
    .await;
    assert!(outcome.is_err());
    tokio::time::timeout(SECOND, tracker.wait_idle())
        .await
        .expect("a child outlived its dropped scope");
    assert_eq!(tracker.finished(), 0);
}
