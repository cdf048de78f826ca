//! Helpers shared by the behaviour tests.
#![allow(dead_code)]

use std::any::Any;
use std::future::{poll_fn, Future};
use std::panic::AssertUnwindSafe;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::Poll;

use tokio::sync::Notify;

/// Counts futures that are alive: `track(fut)` wraps a future so that the
/// count goes up when it is created and down when it is dropped (finished
/// or cancelled). `live() == 0` after a scope proves no child outlived it.
#[derive(Clone, Default)]
pub struct Tracker {
    live: Arc<AtomicUsize>,
    started: Arc<AtomicUsize>,
    finished: Arc<AtomicUsize>,
    /// Notified each time a guard is dropped (see [`Tracker::wait_idle`]).
    changed: Arc<Notify>,
}

pub struct Alive {
    tracker: Tracker,
    finished: bool,
}

impl Alive {
    /// Marks the tracked work as having run to its end.
    pub fn finish(mut self) {
        self.finished = true;
    }
}

impl Drop for Alive {
    fn drop(&mut self) {
        if self.finished {
            self.tracker.finished.fetch_add(1, SeqCst);
        }
        self.tracker.live.fetch_sub(1, SeqCst);
        self.tracker.changed.notify_waiters();
    }
}

impl Tracker {
    pub fn new() -> Self {
        Self::default()
    }

    /// A guard to hold inside a task: alive until dropped.
    pub fn alive(&self) -> Alive {
        self.live.fetch_add(1, SeqCst);
        self.started.fetch_add(1, SeqCst);
        Alive {
            tracker: self.clone(),
            finished: false,
        }
    }

    /// Futures currently alive.
    pub fn live(&self) -> usize {
        self.live.load(SeqCst)
    }

    /// Guards created so far.
    pub fn started(&self) -> usize {
        self.started.load(SeqCst)
    }

    /// Guards that were `finish`ed (ran to their end, not cancelled).
    pub fn finished(&self) -> usize {
        self.finished.load(SeqCst)
    }

    /// Waits until every guard is dropped: for children that stop "at their
    /// next poll" after their scope's future was dropped. No sleeping: woken
    /// by each guard's drop. Wrap in a timeout to turn a leak into a failure.
    pub async fn wait_idle(&self) {
        loop {
            let mut changed = pin!(self.changed.notified());
            changed.as_mut().enable();
            if self.live() == 0 {
                return;
            }
            changed.await;
        }
    }
}

/// Runs `f` when dropped: put one in a child to see it being cancelled.
pub struct OnDrop<F: FnOnce()>(Option<F>);

pub fn on_drop<F: FnOnce()>(f: F) -> OnDrop<F> {
    OnDrop(Some(f))
}

impl<F: FnOnce()> Drop for OnDrop<F> {
    fn drop(&mut self) {
        if let Some(f) = self.0.take() {
            f();
        }
    }
}

/// Awaits `future`, catching a panic raised while polling it (what
/// `futures::FutureExt::catch_unwind` does).
pub async fn catch_unwind<F: Future>(future: F) -> Result<F::Output, Box<dyn Any + Send>> {
    let mut future = pin!(future);
    poll_fn(
        |cx| match std::panic::catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
            Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(payload) => Poll::Ready(Err(payload)),
        },
    )
    .await
}

/// The message of a panic payload that is a `&str` or a `String`.
pub fn panic_message(payload: &(dyn Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<&'static str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
}

/// A future that never completes and whose output type is `T` (spelled out,
/// so that `spawn!` can see it).
pub async fn forever<T>() -> T {
    std::future::pending().await
}

/// A child that panics with `"boom"`.
pub async fn boom() {
    panic!("boom")
}

/// On paused time: far beyond any scenario of the adversarial tests, so
/// reaching it means a hang.
pub const HANG: std::time::Duration = std::time::Duration::from_secs(24 * 3600);
/// On real time (multi-thread runtimes): a hang detector only.
pub const REAL_HANG: std::time::Duration = std::time::Duration::from_secs(10);

/// A multi-thread runtime with two workers, for the race tests.
pub fn multi_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// A barrier that releases its parties as close together as possible, for
/// races on a multi-thread runtime: each spins on a counter (on its own
/// worker thread, released within nanoseconds of the others), yielding to
/// tokio now and then so that two parties on one worker cannot deadlock.
#[derive(Clone, Default)]
pub struct SpinBarrier(Arc<AtomicUsize>);

impl SpinBarrier {
    /// How many callers have arrived.
    pub fn arrived(&self) -> usize {
        self.0.load(SeqCst)
    }

    /// Returns once `parties` callers have arrived.
    pub async fn wait(&self, parties: usize) {
        self.0.fetch_add(1, SeqCst);
        loop {
            for _ in 0..20_000 {
                if self.0.load(SeqCst) >= parties {
                    return;
                }
                std::hint::spin_loop();
            }
            tokio::task::yield_now().await;
        }
    }
}
