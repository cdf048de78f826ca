//! Scenarios 1, 2 and 6: spawn N trivial tasks and join them; many small
//! groups of 4 (errgroup's micro-benchmark shape).

use std::hint::black_box;

use futures_util::stream::{FuturesUnordered, StreamExt};
use taskgroup::scope;
use tokio::task::JoinSet;
use tokio_util::task::TaskTracker;

use std::future::Future;

use crate::measure::{BoxFuture, Contender};

async fn raw_spawn(n: usize) {
    let mut handles = Vec::with_capacity(n);
    for i in 0..n {
        handles.push(tokio::spawn(async move { black_box(i) }));
    }
    for handle in handles {
        black_box(handle.await.unwrap());
    }
}

/// Not a contender (nothing is joined): what dropping each `JoinHandle` at
/// once costs, as `TaskTracker` and a scope with unused handles do.
async fn detached_spawn(n: usize) {
    let done = std::sync::Arc::new(tokio::sync::Semaphore::new(0));
    for i in 0..n {
        let done = done.clone();
        drop(tokio::spawn(async move {
            black_box(i);
            done.add_permits(1);
        }));
    }
    drop(done.acquire_many(n as u32).await.unwrap());
}

async fn join_set(n: usize) {
    let mut set = JoinSet::new();
    for i in 0..n {
        set.spawn(async move { black_box(i) });
    }
    while let Some(result) = set.join_next().await {
        black_box(result.unwrap());
    }
}

async fn task_tracker(n: usize) {
    let tracker = TaskTracker::new();
    for i in 0..n {
        tracker.spawn(async move { black_box(i) });
    }
    tracker.close();
    tracker.wait().await;
}

/// Not tasks: every future runs inside the owner's task, on one thread.
async fn futures_unordered(n: usize) {
    let mut set = FuturesUnordered::new();
    for i in 0..n {
        set.push(async move { black_box(i) });
    }
    while let Some(value) = set.next().await {
        black_box(value);
    }
}

/// moro's scoped jobs: like `FuturesUnordered`, inside the owner's task.
async fn moro_scope(n: usize) {
    moro::async_scope!(|scope| {
        for i in 0..n {
            let _job = scope.spawn(async move { black_box(i) });
        }
    })
    .await;
}

/// The same join with the handles kept and awaited, as the floor does.
async fn taskgroup_awaited(n: usize) {
    scope! {
        let mut handles = Vec::with_capacity(n);
        for i in 0..n {
            handles.push(spawn!(async move { black_box(i) }));
        }
        for handle in handles {
            black_box(handle.await);
        }
    };
}

async fn taskgroup_scope(n: usize) {
    scope! {
        for i in 0..n {
            spawn!(async move { black_box(i) });
        }
    };
}

/// The contenders, each job wrapped by `$wrap` (a size, an async fn).
/// Parallel tasks first (the floor first), then single-task concurrency.
macro_rules! contenders {
    ($wrap:ident) => {
        vec![
            Contender {
                name: "tokio::spawn (floor)",
                job: |n| $wrap(n, raw_spawn),
            },
            Contender {
                name: "JoinSet",
                job: |n| $wrap(n, join_set),
            },
            Contender {
                name: "tokio::spawn, handle dropped",
                job: |n| $wrap(n, detached_spawn),
            },
            Contender {
                name: "TaskTracker",
                job: |n| $wrap(n, task_tracker),
            },
            Contender {
                name: "taskgroup scope!",
                job: |n| $wrap(n, taskgroup_scope),
            },
            Contender {
                name: "taskgroup, handles awaited",
                job: |n| $wrap(n, taskgroup_awaited),
            },
            Contender {
                name: "FuturesUnordered (1 task)",
                job: |n| $wrap(n, futures_unordered),
            },
            Contender {
                name: "moro (1 task)",
                job: |n| $wrap(n, moro_scope),
            },
        ]
    };
}

/// One group of `n` tasks.
fn once<F>(n: usize, group: fn(usize) -> F) -> BoxFuture
where
    F: Future<Output = ()> + Send + 'static,
{
    Box::pin(group(n))
}

/// `groups` groups of 4 tasks, each joined before the next starts.
fn groups<F>(groups: usize, group: fn(usize) -> F) -> BoxFuture
where
    F: Future<Output = ()> + Send + 'static,
{
    Box::pin(async move {
        for _ in 0..groups {
            group(4).await;
        }
    })
}

/// Scenarios 1 and 6: N tasks, one group.
pub fn contenders() -> Vec<Contender> {
    contenders!(once)
}

/// Scenario 2: many groups of 4 tasks.
pub fn groups_of_4() -> Vec<Contender> {
    contenders!(groups)
}
