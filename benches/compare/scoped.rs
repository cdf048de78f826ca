//! Scenario 7: 2,000 futures in one task, woken one at a time:
//! `spawn_scoped!` children against a `FuturesUnordered` (the floor: every
//! future has a waker of its own, a wake-up polls only the woken one).

use std::hint::black_box;

use futures_util::stream::{FuturesUnordered, StreamExt};
use taskgroup::scope;
use tokio::sync::oneshot;

use crate::measure::{BoxFuture, Contender};

/// One channel per child: the driver releases them in order.
fn channels(n: usize) -> (Vec<oneshot::Sender<usize>>, Vec<oneshot::Receiver<usize>>) {
    (0..n).map(|_| oneshot::channel()).unzip()
}

async fn futures_unordered(n: usize) {
    let (senders, receivers) = channels(n);
    let mut set: FuturesUnordered<_> = receivers
        .into_iter()
        .map(|receiver| async move { receiver.await.unwrap() })
        .collect();
    for (i, sender) in senders.into_iter().enumerate() {
        sender.send(i).unwrap();
        black_box(set.next().await);
    }
}

/// The same with the futures boxed, as a set of different futures needs.
async fn futures_unordered_boxed(n: usize) {
    let (senders, receivers) = channels(n);
    let mut set: FuturesUnordered<std::pin::Pin<Box<dyn std::future::Future<Output = usize>>>> =
        receivers
            .into_iter()
            .map(|receiver| {
                Box::pin(async move { receiver.await.unwrap() })
                    as std::pin::Pin<Box<dyn std::future::Future<Output = usize>>>
            })
            .collect();
    for (i, sender) in senders.into_iter().enumerate() {
        sender.send(i).unwrap();
        black_box(set.next().await);
    }
}

async fn spawn_scoped(n: usize) {
    let (senders, receivers) = channels(n);
    scope! {
        let handles: Vec<_> = receivers
            .into_iter()
            .map(|receiver| spawn_scoped!(async move { receiver.await.unwrap() }))
            .collect();
        for ((i, sender), handle) in senders.into_iter().enumerate().zip(handles) {
            sender.send(i).unwrap();
            black_box(handle.await);
        }
    };
}

/// A scope with `spawn_scoped!` children is not `Send`: each contender runs
/// on the owner's thread (`block_in_place`), the same way for both.
fn on_this_thread<F: std::future::Future<Output = ()> + 'static>(
    job: fn(usize) -> F,
    n: usize,
) -> BoxFuture {
    Box::pin(async move {
        tokio::task::block_in_place(|| tokio::runtime::Handle::current().block_on(job(n)));
    })
}

pub fn contenders() -> Vec<Contender> {
    vec![
        Contender {
            name: "FuturesUnordered",
            job: |n| on_this_thread(futures_unordered, n),
        },
        Contender {
            name: "FuturesUnordered, boxed",
            job: |n| on_this_thread(futures_unordered_boxed, n),
        },
        Contender {
            name: "taskgroup spawn_scoped!",
            job: |n| on_this_thread(spawn_scoped, n),
        },
    ]
}
