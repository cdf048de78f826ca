//! Task kinds beyond `spawn!`: `spawn_blocking!` and `spawn_background!`.
//!
//! Task kinds beyond `spawn!`: `spawn_blocking!` (tokio's blocking pool,
//! joined, asked to stop rather than aborted) and `spawn_background!`
//! (cancelled instead of awaited once the body is done).

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

use common::{catch_unwind, forever, on_drop, panic_message, Tracker};
use taskgroup::{scope, Cause};
use tokio::sync::{oneshot, Notify};

#[derive(Debug, PartialEq)]
struct Failed(&'static str);

#[taskgroup::test]
async fn blocking_values_and_results() {
    let sum = scope! {
        let a = spawn_blocking!(|| (1..=10u32).sum::<u32>());
        let b = spawn_blocking!(move || 2 * 2);
        a.await + b.await
    };
    assert_eq!(sum, 59);
    // An inline closure takes the scope's error type: `?` needs no
    // annotation, and its `Err` fails the scope.
    let parsed: Result<u32, std::num::ParseIntError> = scope! {
        let n = spawn_blocking!(|| {
            let n: u32 = "41".parse()?;
            Ok(n + 1)
        });
        Ok(n.await)
    };
    assert_eq!(parsed, Ok(42));
    let failed: Result<(), Failed> = scope! {
        spawn_blocking!(name = "parse", || Err::<(), _>(Failed("bad input")));
        Ok(())
    };
    assert_eq!(failed, Err(Failed("bad input")));
}

/// A blocking task cannot be aborted: when a sibling fails, the scope
/// asks it to stop (`is_cancelled()`) and waits until it has returned.
#[taskgroup::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocking_task_is_asked_to_stop_and_awaited() {
    let stopped_cleanly = Arc::new(AtomicBool::new(false));
    let flag = stopped_cleanly.clone();
    let (started, running) = oneshot::channel::<()>();
    let result: Result<(), Failed> = scope! {
        spawn_blocking!(move || {
            started.send(()).unwrap();
            while !taskgroup::is_cancelled() {
                std::thread::yield_now();
            }
            assert!(matches!(taskgroup::cause(), Some(Cause::TaskFailed(_))));
            flag.store(true, SeqCst);
        });
        spawn!(async move {
            running.await.unwrap();
            Err::<(), _>(Failed("sibling"))
        });
        Ok(())
    };
    assert_eq!(result, Err(Failed("sibling")));
    // The scope returned only after the closure saw the cancellation and
    // returned.
    assert!(stopped_cleanly.load(SeqCst));
}

#[taskgroup::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocking_panic_is_resumed_after_the_join() {
    let tracker = Tracker::new();
    let alive = tracker.alive();
    let outcome = catch_unwind(async {
        scope! {
            spawn!(async move {
                forever::<()>().await;
                drop(alive);
            });
            spawn_blocking!(|| -> () { panic!("blocking boom") });
        };
    })
    .await;
    let payload = outcome.expect_err("the panic was lost");
    assert_eq!(panic_message(&*payload), Some("blocking boom"));
    assert_eq!(tracker.live(), 0);
}

/// `limit` counts blocking tasks too.
#[taskgroup::test(flavor = "multi_thread", worker_threads = 2)]
async fn limit_bounds_blocking_tasks() {
    let running = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    scope!(limit = 2; {
        for _ in 0..20 {
            let (running, peak) = (running.clone(), peak.clone());
            spawn_blocking!(move || {
                let now = running.fetch_add(1, SeqCst) + 1;
                peak.fetch_max(now, SeqCst);
                std::thread::yield_now();
                running.fetch_sub(1, SeqCst);
            });
        }
    });
    assert!(peak.load(SeqCst) <= 2, "peak {}", peak.load(SeqCst));
}

/// When the body is done, a background child is cancelled (not awaited
/// forever), then joined; the scope's value is the body's.
#[taskgroup::test(start_paused = true)]
async fn background_children_are_cancelled_when_the_body_is_done() {
    let tracker = Tracker::new();
    let beats = Arc::new(AtomicUsize::new(0));
    let (alive, counter) = (tracker.alive(), beats.clone());
    let answer = scope! {
        spawn_background!(async move {
            let _alive = alive;
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                counter.fetch_add(1, SeqCst);
            }
        });
        tokio::time::sleep(Duration::from_millis(3500)).await;
        42
    };
    assert_eq!(answer, 42);
    assert_eq!(beats.load(SeqCst), 3);
    assert_eq!(tracker.live(), 0);
}

/// Ordinary children are still awaited after the body; only background
/// ones are cancelled.
#[taskgroup::test(start_paused = true)]
async fn ordinary_children_are_still_awaited() {
    let worker_done = Arc::new(AtomicBool::new(false));
    let background_dropped = Arc::new(AtomicBool::new(false));
    let (done, dropped) = (worker_done.clone(), background_dropped.clone());
    let start = tokio::time::Instant::now();
    scope! {
        spawn!(async move {
            tokio::time::sleep(Duration::from_secs(5)).await;
            done.store(true, SeqCst);
        });
        let guard = on_drop(move || dropped.store(true, SeqCst));
        spawn_background!(async move {
            let _guard = guard;
            forever::<()>().await;
        });
    };
    assert!(worker_done.load(SeqCst));
    assert!(background_dropped.load(SeqCst));
    assert_eq!(start.elapsed(), Duration::from_secs(5));
}

/// A background child's failure before the body is done fails the scope;
/// its `?` works in a `loop` block without annotations.
#[taskgroup::test(start_paused = true)]
async fn a_failing_background_child_fails_the_scope() {
    let tick = Arc::new(Notify::new());
    let trigger = tick.clone();
    let result: Result<(), Failed> = scope! {
        spawn_background!(async move {
            let mut beats = 0;
            loop {
                trigger.notified().await;
                beats += 1;
                if beats == 2 {
                    Err(Failed("heartbeat lost"))?;
                }
            }
        });
        tick.notify_one();
        tokio::task::yield_now().await;
        tick.notify_one();
        forever::<()>().await;
        Ok(())
    };
    assert_eq!(result, Err(Failed("heartbeat lost")));
}
