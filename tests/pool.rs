//! `taskgroup::pool`: workers over an iterator, results in input order, `spawn!`'s semantics.
//!
//! `taskgroup::pool`: a worker pool over an iterator, results in input
//! order, with the same error, panic and cancellation semantics as
//! `spawn!`, and backpressure on the iterator.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

use common::{catch_unwind, forever, on_drop, panic_message, Tracker};
use taskgroup::{pool, scope, Cause};
use tokio::sync::{Barrier, Notify};

/// Counts items in flight and the peak.
#[derive(Clone, Default)]
struct Gauge {
    running: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
}

impl Gauge {
    fn enter(&self) -> impl Drop {
        let now = self.running.fetch_add(1, SeqCst) + 1;
        self.peak.fetch_max(now, SeqCst);
        let running = self.running.clone();
        on_drop(move || {
            running.fetch_sub(1, SeqCst);
        })
    }
    fn peak(&self) -> usize {
        self.peak.load(SeqCst)
    }
}

/// Items finish in reverse order (later items sleep less), the results
/// still come back in input order.
#[taskgroup::test(start_paused = true)]
async fn map_keeps_input_order() {
    let out = pool::map(0..50u64, 8, |i| async move {
        tokio::time::sleep(Duration::from_millis(100 - i)).await;
        i * 10
    })
    .await;
    assert_eq!(out, (0..50).map(|i| i * 10).collect::<Vec<_>>());
}

/// Eight items meet at a barrier of eight, so all eight workers must run at
/// once; the peak must never exceed eight.
#[taskgroup::test(flavor = "multi_thread", worker_threads = 2)]
async fn exactly_workers_items_in_flight() {
    let gauge = Gauge::default();
    let barrier = Arc::new(Barrier::new(8));
    let (g, b) = (gauge.clone(), barrier.clone());
    let out = tokio::time::timeout(
        Duration::from_secs(20),
        pool::map(0..400usize, 8, move |i| {
            let (gauge, barrier) = (g.clone(), b.clone());
            async move {
                let _running = gauge.enter();
                barrier.wait().await;
                i
            }
        }),
    )
    .await
    .expect("eight workers never met at the barrier");
    assert_eq!(out.len(), 400);
    assert_eq!(gauge.peak(), 8);
}

/// The iterator is advanced only when a worker is free: with every worker
/// blocked, exactly `workers` items have been taken from it.
#[taskgroup::test(flavor = "multi_thread", worker_threads = 2)]
async fn iterator_is_pulled_only_by_free_workers() {
    let pulled = Arc::new(AtomicUsize::new(0));
    let counter = pulled.clone();
    let items = (0..1_000_000usize).inspect(move |_| {
        counter.fetch_add(1, SeqCst);
    });
    let gate = Arc::new(Notify::new());
    let started = Arc::new(Barrier::new(4 + 1));
    let (g, s) = (gate.clone(), started.clone());
    let mapped = pool::for_each(items, 4, move |_| {
        let (gate, started) = (g.clone(), s.clone());
        async move {
            started.wait().await;
            gate.notified().await;
        }
    });
    let pulled_when_blocked = scope! {
        let handle = spawn!(mapped);
        started.wait().await; // four items in flight, all waiting
        let pulled_when_blocked = pulled.load(SeqCst);
        cancel!(); // no need to run the rest
        drop(handle);
        pulled_when_blocked
    };
    assert_eq!(pulled_when_blocked, 4);
}

/// The first error is the result; the other workers are cancelled at once
/// (their items never finish), and no more items are taken.
#[taskgroup::test(flavor = "multi_thread", worker_threads = 2)]
async fn try_map_first_error_cancels_the_other_workers() {
    let tracker = Tracker::new();
    let pulled = Arc::new(AtomicUsize::new(0));
    let counter = pulled.clone();
    let items = (0..1_000usize).inspect(move |_| {
        counter.fetch_add(1, SeqCst);
    });
    let t = tracker.clone();
    let result: Result<Vec<()>, String> = pool::try_map(items, 4, move |i| {
        let alive = t.alive();
        async move {
            if i == 3 {
                return Err(format!("item {i} failed"));
            }
            forever::<()>().await;
            alive.finish();
            Ok(())
        }
    })
    .await;
    assert_eq!(result, Err("item 3 failed".to_owned()));
    assert_eq!(tracker.live(), 0, "a worker outlived the pool");
    assert_eq!(tracker.finished(), 0);
    assert_eq!(pulled.load(SeqCst), 4, "items were taken after the failure");
}

/// Workers whose items never wait still yield (tokio's cooperative
/// budget), so a sibling gets to run and its failure stops a long run of
/// instant items early instead of after the whole iterator.
#[taskgroup::test(flavor = "current_thread")]
async fn instant_items_let_a_failing_sibling_stop_them() {
    let done = Arc::new(AtomicUsize::new(0));
    let d = done.clone();
    let result: Result<(), &str> = scope! {
        spawn!(async {
            tokio::task::yield_now().await;
            Err::<(), _>("sibling failed")
        });
        pool::for_each(0..1_000_000usize, 4, move |_| {
            let done = d.clone();
            async move {
                done.fetch_add(1, SeqCst);
            }
        })
        .await;
        Ok(())
    };
    assert_eq!(result, Err("sibling failed"));
    let done = done.load(SeqCst);
    assert!(
        done < 100_000,
        "{done} items ran before the failure was seen"
    );
}

/// Inside the closure the pool is the ambient scope: an item cancelled by a
/// sibling's failure can ask why.
#[taskgroup::test(flavor = "multi_thread", worker_threads = 2)]
async fn items_see_the_cause_of_their_cancellation() {
    let causes = Arc::new(std::sync::Mutex::new(Vec::new()));
    let parked = Arc::new(Barrier::new(2));
    let (c, p) = (causes.clone(), parked.clone());
    let result: Result<Vec<()>, &str> = pool::try_map(0..2, 2, move |i| {
        let (causes, parked) = (c.clone(), p.clone());
        async move {
            parked.wait().await;
            if i == 0 {
                return Err("first failed");
            }
            let _seen = on_drop(move || causes.lock().unwrap().push(taskgroup::cause()));
            forever().await
        }
    })
    .await;
    assert_eq!(result, Err("first failed"));
    let causes = causes.lock().unwrap();
    assert!(
        matches!(causes.as_slice(), [Some(Cause::TaskFailed(_))]),
        "{causes:?}"
    );
}

/// A panicking item: the other workers stop, then the panic is resumed in
/// the caller with its payload.
#[taskgroup::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_is_resumed_after_every_worker_stopped() {
    let tracker = Tracker::new();
    let t = tracker.clone();
    let outcome = catch_unwind(pool::map(0..100usize, 4, move |i| {
        let alive = t.alive();
        async move {
            if i == 5 {
                panic!("item five");
            }
            if i > 5 {
                forever::<()>().await;
            }
            drop(alive);
        }
    }))
    .await;
    let payload = outcome.expect_err("the panic was lost");
    assert_eq!(panic_message(&*payload), Some("item five"));
    assert_eq!(tracker.live(), 0, "a worker outlived the panic");
}

#[taskgroup::test]
#[should_panic(expected = "a pool with 0 workers")]
async fn zero_workers_is_a_clear_error() {
    let _ = pool::map(0..10, 0, |i| async move { i }).await;
}

#[taskgroup::test]
async fn empty_input_and_fewer_items_than_workers() {
    let none: Vec<u8> = pool::map(Vec::<u8>::new(), 16, |x| async move { x }).await;
    assert!(none.is_empty());
    let three = pool::map(vec!["a", "b", "c"], 64, |s| async move { s.to_uppercase() }).await;
    assert_eq!(three, ["A", "B", "C"]);
}

/// Dropping the pool's future (a timeout) aborts the workers.
#[taskgroup::test(start_paused = true)]
async fn dropping_the_pool_aborts_its_workers() {
    let tracker = Tracker::new();
    let t = tracker.clone();
    let timed_out = tokio::time::timeout(
        Duration::from_secs(1),
        pool::for_each(0..100, 4, move |_| {
            let alive = t.alive();
            async move {
                forever::<()>().await;
                drop(alive);
            }
        }),
    )
    .await;
    assert!(timed_out.is_err());
    tokio::time::timeout(Duration::from_secs(5), tracker.wait_idle())
        .await
        .expect("a worker outlived the dropped pool");
    assert_eq!(tracker.started(), 4);
}

/// A pool inside a scope is cancelled with it: a sibling's failure stops
/// the pool's workers, and the scope returns that failure.
#[taskgroup::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_sibling_cancels_a_pool_in_the_body() {
    let tracker = Tracker::new();
    let t = tracker.clone();
    let started = Arc::new(Barrier::new(2 + 1));
    let s = started.clone();
    let result: Result<Vec<()>, &str> = scope! {
        spawn!(async move {
            started.wait().await;
            Err::<(), _>("sibling failed")
        });
        let out = pool::map(0..10, 2, move |_| {
            let (alive, started) = (t.alive(), s.clone());
            async move {
                started.wait().await;
                forever::<()>().await;
                drop(alive);
            }
        })
        .await;
        Ok(out)
    };
    assert_eq!(result, Err("sibling failed"));
    assert_eq!(tracker.live(), 0, "a pool worker outlived the scope");
}

#[taskgroup::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_items() {
    let out = pool::map(0..200_000u64, 16, |i| async move { i * 2 }).await;
    assert_eq!(out.len(), 200_000);
    assert!(out.iter().enumerate().all(|(i, &v)| v == i as u64 * 2));
    let sum = Arc::new(AtomicUsize::new(0));
    let s = sum.clone();
    pool::for_each(0..200_000usize, 16, move |i| {
        let sum = s.clone();
        async move {
            sum.fetch_add(i, SeqCst);
        }
    })
    .await;
    assert_eq!(sum.load(SeqCst), (0..200_000).sum::<usize>());
}
