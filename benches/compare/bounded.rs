//! Scenario 5: 1e6 trivial items, at most 16 at a time, every result kept
//! in input order. The floor is a hand-written pool: 16 tokio tasks reading
//! a bounded MPMC channel (`async-channel`), each returning its
//! `(position, value)` pairs, merged in order.

use std::hint::black_box;

use futures_util::stream::{self, StreamExt};
use taskgroup::{pool, scope};
use tokio::runtime::Runtime;

use crate::measure::{per_item as measure, BoxFuture, Contender, Figure};

const ITEMS: usize = 1_000_000;
const WORKERS: usize = 16;

fn work(item: usize) -> usize {
    black_box(item * 2)
}

fn in_order(parts: Vec<Vec<(usize, usize)>>) -> Vec<usize> {
    let mut out = vec![0; ITEMS];
    for (position, value) in parts.into_iter().flatten() {
        out[position] = value;
    }
    out
}

async fn channel_pool(n: usize) -> Vec<usize> {
    let (sender, receiver) = async_channel::bounded::<usize>(WORKERS);
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let receiver = receiver.clone();
            tokio::spawn(async move {
                let mut done = Vec::new();
                while let Ok(item) = receiver.recv().await {
                    done.push((item, work(item)));
                }
                done
            })
        })
        .collect();
    for item in 0..n {
        sender.send(item).await.expect("workers alive");
    }
    drop(sender);
    let mut parts = Vec::with_capacity(WORKERS);
    for worker in workers {
        parts.push(worker.await.expect("worker panicked"));
    }
    in_order(parts)
}

async fn taskgroup_pool(n: usize) -> Vec<usize> {
    pool::map(0..n, WORKERS, |item| async move { work(item) }).await
}

async fn spawn_with_limit(n: usize) -> Vec<usize> {
    scope!(limit = WORKERS; {
        let mut handles = Vec::with_capacity(n);
        for item in 0..n {
            handles.push(spawn!(async move { work(item) }));
        }
        let mut out = Vec::with_capacity(n);
        for handle in handles {
            out.push(handle.await);
        }
        out
    })
}

/// Single-task concurrency: `buffered(16)` keeps the order itself.
async fn buffered(n: usize) -> Vec<usize> {
    stream::iter(0..n)
        .map(|item| async move { work(item) })
        .buffered(WORKERS)
        .collect()
        .await
}

fn checked(out: Vec<usize>) {
    assert_eq!(out.len(), ITEMS);
    assert_eq!(out[ITEMS - 1], (ITEMS - 1) * 2);
}

pub fn per_item(runtime: &Runtime) -> Vec<Figure> {
    fn job<F>(future: F) -> BoxFuture
    where
        F: std::future::Future<Output = Vec<usize>> + Send + 'static,
    {
        Box::pin(async move { checked(future.await) })
    }
    let contenders = [
        Contender {
            name: "16-worker channel pool (floor)",
            job: |n| job(channel_pool(n)),
        },
        Contender {
            name: "taskgroup pool::map",
            job: |n| job(taskgroup_pool(n)),
        },
        Contender {
            name: "taskgroup spawn! limit = 16",
            job: |n| job(spawn_with_limit(n)),
        },
        Contender {
            name: "stream buffered(16) (1 task)",
            job: |n| job(buffered(n)),
        },
    ];
    measure(runtime, &contenders, ITEMS, ITEMS)
}
