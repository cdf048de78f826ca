//! The join guarantee on the success path: when a scope returns, every child has stopped.
//!
//! The join guarantee on the success path, for every place `#[nursery]` and
//! `scope!` can be written: when the scope returns, every child has stopped,
//! including children whose handle was dropped.
//!
//! The children below wait on a `oneshot` whose sender the body holds: it is
//! dropped only when the body has finished, so a child can only complete
//! *after* the body. If the scope returned as soon as its body did (a
//! detached child), the assertions after the scope would see it unfinished.

mod common;

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering::SeqCst};
use std::sync::{Arc, Mutex};

use common::Tracker;
use taskgroup::{nursery, scope};
use tokio::sync::oneshot;

/// A child's work: waits until the body has finished (the sender is dropped
/// with the body), then marks itself finished and returns `value`.
async fn after_body(alive: common::Alive, body_done: oneshot::Receiver<()>, value: u32) -> u32 {
    let _ = body_done.await;
    alive.finish();
    value
}

#[nursery]
async fn free_fn(tracker: Tracker, log: Arc<Mutex<Vec<&'static str>>>) -> u32 {
    let (tx, rx) = oneshot::channel::<()>();
    let alive = tracker.alive();
    let log2 = log.clone();
    spawn!(async move {
        let _ = rx.await;
        log2.lock().unwrap().push("child");
        alive.finish();
    });
    log.lock().unwrap().push("body");
    drop(tx);
    7
}

#[taskgroup::test]
async fn nursery_free_fn_joins_its_children() {
    let tracker = Tracker::new();
    let log = Arc::new(Mutex::new(Vec::new()));
    let value = free_fn(tracker.clone(), log.clone()).await;
    log.lock().unwrap().push("returned");
    assert_eq!(value, 7);
    assert_eq!(*log.lock().unwrap(), ["body", "child", "returned"]);
    assert_eq!(tracker.finished(), 1);
    assert_eq!(tracker.live(), 0);
}

struct Counter {
    base: u32,
    total: u32,
    tracker: Tracker,
}

impl Counter {
    #[nursery]
    async fn doubled(&self, n: u32) -> u32 {
        let (tx, rx) = oneshot::channel();
        let base = self.base;
        let handle = spawn!(after_body(self.tracker.alive(), rx, (base + n) * 2));
        drop(tx);
        handle.await
    }

    #[nursery]
    async fn add_all(&mut self, items: Vec<u32>) -> Result<u32, String> {
        let mut handles = Vec::new();
        for item in items {
            let alive = self.tracker.alive();
            handles.push(spawn!(async move {
                tokio::task::yield_now().await;
                alive.finish();
                Ok(item)
            }));
        }
        for handle in handles {
            self.total += handle.await;
        }
        Ok(self.total)
    }
}

#[taskgroup::test]
async fn nursery_on_method_with_ref_self() {
    let tracker = Tracker::new();
    let counter = Counter {
        base: 1,
        total: 0,
        tracker: tracker.clone(),
    };
    assert_eq!(counter.doubled(4).await, 10);
    assert_eq!(tracker.finished(), 1);
    assert_eq!(tracker.live(), 0);
}

#[taskgroup::test]
async fn nursery_on_method_with_mut_self() {
    let tracker = Tracker::new();
    let mut counter = Counter {
        base: 0,
        total: 100,
        tracker: tracker.clone(),
    };
    assert_eq!(counter.add_all(vec![1, 2, 3, 4]).await, Ok(110));
    assert_eq!(counter.total, 110);
    assert_eq!(tracker.finished(), 4);
    assert_eq!(tracker.live(), 0);
}

trait Fetch {
    async fn fetch_all(&self, ids: Vec<u32>) -> Result<Vec<u32>, String>;
}

struct Service {
    tracker: Tracker,
}

impl Fetch for Service {
    #[nursery]
    async fn fetch_all(&self, ids: Vec<u32>) -> Result<Vec<u32>, String> {
        let (tx, rx) = tokio::sync::watch::channel(());
        let handles: Vec<_> = ids
            .into_iter()
            .map(|id| {
                let (mut rx, alive) = (rx.clone(), self.tracker.alive());
                spawn!(async move {
                    // Waits for the body to drop the sender.
                    while rx.changed().await.is_ok() {}
                    alive.finish();
                    Ok(id * 10)
                })
            })
            .collect();
        drop((tx, rx));
        let mut values = Vec::new();
        for handle in handles {
            values.push(handle.await);
        }
        Ok(values)
    }
}

#[taskgroup::test]
async fn nursery_on_trait_impl_method() {
    let tracker = Tracker::new();
    let service = Service {
        tracker: tracker.clone(),
    };
    assert_eq!(service.fetch_all(vec![1, 2, 3]).await, Ok(vec![10, 20, 30]));
    assert_eq!(tracker.finished(), 3);
    assert_eq!(tracker.live(), 0);
}

#[nursery]
async fn sum_in_parallel<T, I>(items: I, tracker: Tracker) -> Result<T, String>
where
    T: std::iter::Sum<T> + Send + 'static,
    I: IntoIterator<Item = T>,
{
    let mut handles = Vec::new();
    for item in items {
        let alive = tracker.alive();
        handles.push(spawn!(async move {
            tokio::task::yield_now().await;
            alive.finish();
            Ok(item)
        }));
    }
    let mut values = Vec::new();
    for handle in handles {
        values.push(handle.await);
    }
    Ok(values.into_iter().sum())
}

#[taskgroup::test]
async fn nursery_on_generic_fn_with_where_clause() {
    let tracker = Tracker::new();
    assert_eq!(
        sum_in_parallel(vec![1u64, 2, 3], tracker.clone()).await,
        Ok(6)
    );
    assert_eq!(
        sum_in_parallel([0.5f64, 0.25], tracker.clone()).await,
        Ok(0.75)
    );
    assert_eq!(tracker.finished(), 5);
    assert_eq!(tracker.live(), 0);
}

#[taskgroup::test]
async fn scope_inline_is_an_expression_awaiting_its_join() {
    let tracker = Tracker::new();
    let value = scope! {
        let (tx, rx) = oneshot::channel();
        let a = spawn!(after_body(tracker.alive(), rx, 20));
        let (tx2, rx2) = oneshot::channel();
        spawn!(after_body(tracker.alive(), rx2, 1)); // handle dropped
        drop((tx, tx2));
        a.await + 22
    };
    assert_eq!(value, 42);
    assert_eq!(tracker.finished(), 2);
    assert_eq!(tracker.live(), 0);
}

#[taskgroup::test]
async fn dropped_handle_does_not_detach() {
    let tracker = Tracker::new();
    let flag = Arc::new(AtomicBool::new(false));
    scope! {
        let (tx, rx) = oneshot::channel::<()>();
        let (flag, alive) = (flag.clone(), tracker.alive());
        let handle = spawn!(async move {
            let _ = rx.await; // only after the body has finished
            flag.store(true, SeqCst);
            alive.finish();
        });
        drop(handle);
        drop(tx);
    };
    assert!(
        flag.load(SeqCst),
        "the scope returned before the child whose handle was dropped"
    );
    assert_eq!(tracker.finished(), 1);
    assert_eq!(tracker.live(), 0);
}

#[taskgroup::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_dropped_handles_are_all_joined() {
    let tracker = Tracker::new();
    let count = Arc::new(AtomicU32::new(0));
    scope! {
        let (tx, rx) = tokio::sync::watch::channel(());
        for _ in 0..200 {
            let (mut rx, count, alive) = (rx.clone(), count.clone(), tracker.alive());
            spawn!(async move {
                while rx.changed().await.is_ok() {}
                count.fetch_add(1, SeqCst);
                alive.finish();
            });
        }
        drop((tx, rx));
    };
    assert_eq!(count.load(SeqCst), 200);
    assert_eq!(tracker.finished(), 200);
    assert_eq!(tracker.live(), 0);
}

#[taskgroup::test]
async fn scope_with_no_children_returns_its_value() {
    // errgroup: `Wait` on a group where nothing was started.
    let plain = scope! { "nothing to do" };
    assert_eq!(plain, "nothing to do");
    let fallible: Result<u8, String> = scope! { Ok(3) };
    assert_eq!(fallible, Ok(3));
    let failed: Result<u8, String> = scope! { Err("no".to_string()) };
    assert_eq!(failed, Err("no".to_string()));
}

#[taskgroup::test]
async fn handles_carry_name_location_and_increasing_ids() {
    let tracker = Tracker::new();
    let (a_info, a_line, b_info, b_line) = scope! {
        let alive = tracker.alive();
        let a = spawn!(name = "fetch", async move { alive.finish(); 1 });
        let a_line = line!() - 1;
        let b = spawn!(async { 2 });
        let b_line = line!() - 1;
        let infos = (a.info().clone(), a_line, b.info().clone(), b_line);
        assert_eq!(a.await + b.await, 3);
        infos
    };
    assert_eq!(a_info.name(), Some("fetch"));
    assert_eq!(b_info.name(), None);
    assert!(a_info.id() < b_info.id());
    assert_eq!(a_info.location().line(), a_line);
    assert_eq!(b_info.location().line(), b_line);
    assert!(a_info.location().file().ends_with("join.rs"));
    let shown = a_info.to_string();
    assert!(shown.contains("\"fetch\""), "{shown}");
    assert!(shown.contains(&format!("join.rs:{a_line}")), "{shown}");
    assert_eq!(tracker.live(), 0);
}

#[taskgroup::test]
async fn spawn_works_in_closures_and_other_macros() {
    let tracker = Tracker::new();
    let total = scope! {
        // In a closure (no limit: `spawn!` does not await).
        let handles: Vec<_> = (1..=3u32)
            .map(|i| {
                let alive = tracker.alive();
                spawn!(async move { alive.finish(); i })
            })
            .collect();
        // Inside another macro.
        let in_select = tokio::select! {
            v = spawn!(async { 10u32 }) => v,
        };
        let mut total = in_select;
        for handle in handles {
            total += handle.await;
        }
        total
    };
    assert_eq!(total, 16);
    assert_eq!(tracker.finished(), 3);
    assert_eq!(tracker.live(), 0);
}
