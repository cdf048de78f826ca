//! The key behaviours on both runtime flavors, and the attribute order with `#[tokio::test]`.
//!
//! The key behaviours on both tokio runtime flavors (`current_thread` and
//! `multi_thread` with 2 workers), and the attribute order with
//! `#[tokio::test]` / `#[tokio::main]`.
//!
//! Each scenario is an `async fn` run by `on_both_flavors!`, which makes a
//! module per scenario with a `current_thread` and a `multi_thread` test.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{boom, catch_unwind, forever, on_drop, panic_message, Alive, Tracker};
use taskgroup::{nursery, scope, Cause};
use tokio::sync::mpsc;

macro_rules! on_both_flavors {
    ($($scenario:ident),* $(,)?) => {$(
        mod $scenario {
            #[taskgroup::test(flavor = "current_thread")]
            async fn current_thread() {
                super::$scenario().await
            }

            #[taskgroup::test(flavor = "multi_thread", worker_threads = 2)]
            async fn multi_thread() {
                super::$scenario().await
            }
        }
    )*};
}

on_both_flavors!(
    join_on_success,
    child_error_cancels_siblings_and_body,
    body_error_cancels_running_children,
    panic_is_resumed_after_the_join,
    dropped_scope_cancels_children,
    cancel_stops_children_body_goes_on,
    try_spawn_and_limit,
);

// `#[tokio::test]`, not `#[taskgroup::test]`: these check what happens
// outside any scope.
#[tokio::test(flavor = "current_thread")]
async fn ambient_api_in_children_current_thread() {
    ambient_api_in_children().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ambient_api_in_children_multi_thread() {
    ambient_api_in_children().await
}

/// Waits until `n` children said they are running.
async fn started(rx: &mut mpsc::UnboundedReceiver<()>, n: usize) {
    for _ in 0..n {
        rx.recv().await.expect("a child dropped its sender early");
    }
}

/// A child that says it started, then waits forever holding `alive`.
async fn running_forever(alive: Alive, started: mpsc::UnboundedSender<()>) {
    let _alive = alive;
    started.send(()).unwrap();
    forever::<()>().await
}

async fn join_on_success() {
    let tracker = Tracker::new();
    let sum = scope! {
        let mut handles = Vec::new();
        for i in 0..50u64 {
            let alive = tracker.alive();
            let handle = spawn!(async move {
                tokio::task::yield_now().await;
                alive.finish();
                i
            });
            if i % 2 == 0 {
                handles.push(handle);
            } // odd handles dropped: still joined
        }
        let mut sum = 0;
        for handle in handles {
            sum += handle.await;
        }
        sum
    };
    assert_eq!(sum, (0..50).step_by(2).sum::<u64>());
    assert_eq!(tracker.finished(), 50);
    assert_eq!(tracker.live(), 0);
}

async fn child_error_cancels_siblings_and_body() {
    let tracker = Tracker::new();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let result: Result<(), String> = scope! {
        for _ in 0..10 {
            spawn!(running_forever(tracker.alive(), tx.clone()));
        }
        started(&mut rx, 10).await;
        spawn!(name = "failing", async { Err::<(), _>("failed".to_string()) });
        forever::<Result<(), String>>().await
    };
    assert_eq!(result, Err("failed".to_string()));
    assert_eq!(tracker.started(), 10);
    assert_eq!(tracker.finished(), 0);
    assert_eq!(tracker.live(), 0);
}

async fn body_error_cancels_running_children() {
    let tracker = Tracker::new();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let result: Result<(), String> = scope! {
        for _ in 0..10 {
            spawn!(running_forever(tracker.alive(), tx.clone()));
        }
        started(&mut rx, 10).await;
        Err("body failed".to_string())
    };
    assert_eq!(result, Err("body failed".to_string()));
    assert_eq!(tracker.live(), 0);
}

async fn panic_is_resumed_after_the_join() {
    let tracker = Tracker::new();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let outcome = catch_unwind(async {
        scope! {
            for _ in 0..10 {
                spawn!(running_forever(tracker.alive(), tx.clone()));
            }
            started(&mut rx, 10).await;
            spawn!(boom());
        }
    })
    .await;
    assert_eq!(tracker.live(), 0);
    assert_eq!(panic_message(&*outcome.unwrap_err()), Some("boom"));
}

async fn dropped_scope_cancels_children() {
    let tracker = Tracker::new();
    let causes = Arc::new(Mutex::new(Vec::new()));
    let (tx, mut rx) = mpsc::unbounded_channel();
    tokio::select! {
        () = async {
            scope! {
                for _ in 0..10 {
                    let (alive, tx, causes) = (tracker.alive(), tx.clone(), causes.clone());
                    spawn!(async move {
                        let _alive = alive; // dropped last, after the cause is recorded
                        let _record = on_drop(move || causes.lock().unwrap().push(taskgroup::cause()));
                        tx.send(()).unwrap();
                        forever::<()>().await
                    });
                }
                forever::<()>().await
            }
        } => unreachable!(),
        () = started(&mut rx, 10) => {}
    }
    tokio::time::timeout(Duration::from_secs(10), tracker.wait_idle())
        .await
        .expect("children still alive after their scope was dropped");
    assert_eq!(tracker.finished(), 0);
    let causes = causes.lock().unwrap();
    assert_eq!(causes.len(), 10);
    assert!(
        causes.iter().all(|c| matches!(c, Some(Cause::Dropped(_)))),
        "{causes:?}"
    );
}

async fn cancel_stops_children_body_goes_on() {
    let tracker = Tracker::new();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let value = scope! {
        for _ in 0..10 {
            spawn!(running_forever(tracker.alive(), tx.clone()));
        }
        started(&mut rx, 10).await;
        cancel!();
        let refused = try_spawn!(async {}).is_none();
        (refused, "went on")
    };
    assert_eq!(value, (true, "went on"));
    assert_eq!(tracker.live(), 0);
}

async fn ambient_api_in_children() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let outside = (taskgroup::is_cancelled(), taskgroup::cause().is_none());
    scope! {
        for _ in 0..20 {
            let seen = seen.clone();
            spawn!(async move {
                tokio::task::yield_now().await;
                let token = taskgroup::cancellation_token();
                seen.lock().unwrap().push((
                    taskgroup::is_cancelled(),
                    taskgroup::cause().is_none(),
                    token.is_some_and(|t| !t.is_cancelled()),
                ));
            });
        }
    };
    assert_eq!(outside, (false, true));
    assert_eq!(*seen.lock().unwrap(), vec![(false, true, true); 20]);
    // The thread-local is restored after the scope, on every thread.
    assert!(!taskgroup::is_cancelled());
    assert!(taskgroup::cancellation_token().is_none());
}

async fn try_spawn_and_limit() {
    let running = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    scope!(limit = 4; {
        for _ in 0..200 {
            let (running, peak) = (running.clone(), peak.clone());
            spawn!(async move {
                peak.fetch_max(running.fetch_add(1, SeqCst) + 1, SeqCst);
                tokio::task::yield_now().await;
                running.fetch_sub(1, SeqCst);
            });
        }
    });
    assert!(
        (1..=4).contains(&peak.load(SeqCst)),
        "peak {}",
        peak.load(SeqCst)
    );
    assert_eq!(running.load(SeqCst), 0);
}

// ---------------------------------------------------------------------------
// Attribute order.
//
// `#[nursery]` goes ABOVE `#[tokio::test]` / `#[tokio::main]` (and
// `#[taskgroup::test]`). Attributes
// expand from the top down: `#[nursery]` must see the `async fn` and turn
// its body into a scope *before* tokio turns the function into a plain `fn`
// that calls `block_on`. Written the other way round, `#[nursery]` sees a
// non-async fn and says so at compile time (a trybuild case,
// `tests/ui/fail/nursery-below-tokio-main.rs`). The tests below show that
// the documented order compiles and runs the whole test body as a scope.
// ---------------------------------------------------------------------------

#[nursery]
// `#[tokio::test]`: the attribute order under test is with tokio's own.
#[tokio::test]
async fn nursery_above_tokio_test() {
    // Only true inside a scope: the test body itself is one.
    assert!(taskgroup::cancellation_token().is_some());
    let a = spawn!(async { 20 });
    let b = spawn!(async { 22 });
    assert_eq!(a.await + b.await, 42);
}

#[nursery(limit = 2)]
// `#[tokio::test]`: the attribute order under test is with tokio's own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nursery_above_tokio_test_multi_thread_fallible() -> Result<(), String> {
    assert!(taskgroup::cancellation_token().is_some());
    let first = try_spawn!(async { Ok(1) }).expect("a slot");
    let second = spawn!(async { Ok(2) });
    assert_eq!(first.await + second.await, 3);
    Ok(())
}

#[nursery]
#[tokio::main(flavor = "current_thread")]
async fn main_like(tracker: Tracker) -> u32 {
    assert!(taskgroup::cancellation_token().is_some());
    for _ in 0..3 {
        let alive = tracker.alive();
        spawn!(async move {
            tokio::task::yield_now().await;
            alive.finish();
        });
    }
    42
}

#[test]
fn nursery_above_tokio_main() {
    let tracker = Tracker::new();
    assert_eq!(main_like(tracker.clone()), 42);
    assert_eq!(tracker.finished(), 3);
    assert_eq!(tracker.live(), 0);
}
