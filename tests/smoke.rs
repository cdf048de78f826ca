//! Smoke tests: one quick case each of `limit`, a dropped scope, a resumed panic and nesting.
//!
//! Each is covered in depth elsewhere (`limit.rs`, `cancellation.rs`, `panics.rs`,
//! `nesting.rs`); these four show at a glance whether the basics hold.

mod common;
use common::Tracker;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;
use taskgroup::{nursery, scope};

#[taskgroup::test(flavor = "multi_thread", worker_threads = 2)]
async fn limit_bounds_running_children() {
    let running = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    let tracker = Tracker::new();
    scope!(limit = 10; {
        for _ in 0..1000 {
            let (running, peak, alive) = (running.clone(), peak.clone(), tracker.alive());
            spawn!(async move {
                let now = running.fetch_add(1, SeqCst) + 1;
                peak.fetch_max(now, SeqCst);
                tokio::task::yield_now().await;
                running.fetch_sub(1, SeqCst);
                alive.finish();
            });
        }
    });
    assert_eq!(tracker.live(), 0);
    assert_eq!(tracker.finished(), 1000);
    assert!(peak.load(SeqCst) <= 10, "peak {}", peak.load(SeqCst));
    assert!(peak.load(SeqCst) >= 2);
}

#[taskgroup::test(start_paused = true)]
async fn dropped_scope_aborts_children() {
    let tracker = Tracker::new();
    let t = tracker.clone();
    let fut = async move {
        scope! {
            for _ in 0..5 {
                let alive = t.alive();
                spawn!(async move { std::future::pending::<()>().await; drop(alive) });
            }
            std::future::pending::<()>().await
        }
    };
    let r = tokio::time::timeout(Duration::from_secs(1), fut).await;
    assert!(r.is_err());
    // children stop at their next poll: let the runtime run them
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    assert_eq!(tracker.live(), 0);
}

#[taskgroup::test]
async fn panic_resumed_after_join() {
    let tracker = Tracker::new();
    let t = tracker.clone();
    let r = tokio::spawn(async move {
        scope! {
            let alive = t.alive();
            spawn!(async move { std::future::pending::<()>().await; drop(alive) });
            spawn!(boom());
        }
    })
    .await;
    let payload = r.unwrap_err().into_panic();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
    assert_eq!(tracker.live(), 0);
}

#[nursery]
async fn inner(n: u32) -> Result<u32, String> {
    let h = spawn!(async move {
        let v = scope! { spawn!(async move { n * 2 }).await };
        Ok(v)
    });
    Ok(h.await + 1)
}

#[taskgroup::test]
async fn nesting() {
    assert_eq!(inner(4).await, Ok(9));
}

async fn boom() {
    panic!("boom")
}
