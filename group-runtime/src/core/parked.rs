//! Who to wake when a scope is cancelled: the children (and nested scopes'
//! runners) that are parked, waiting for something else.
//!
//! A task registers its waker once, the first time it parks, and removes
//! it when it stops; a task that never waits never touches this set. On
//! cancellation the set is closed and every waker is woken at once, outside
//! the lock. Closing and registering take the same lock, so a task either
//! registers before the close (and is woken) or sees the set closed (and
//! stops at once): no wake-up is lost, no memory fence needed.
//!
//! A registration is a slab slot of 16 bytes (a `Waker`) plus the key kept
//! by the task: less per parked task than an intrusive `Notify` waiter.

use std::sync::atomic::Ordering::{Acquire, Release};
use std::sync::PoisonError;
use std::task::Waker;

use slab::Slab;

use crate::core::sync::{AtomicBool, Mutex, MutexGuard};

#[derive(Default)]
pub(crate) struct Parked {
    inner: Mutex<Inner>,
    /// `Inner::closed`, readable without the lock: once the set is closed,
    /// the thousands of children stopping at once skip the lock to remove
    /// a waker that is gone already.
    closed: AtomicBool,
}

#[derive(Default)]
struct Inner {
    wakers: Slab<Waker>,
    closed: bool,
}

/// A registration, or the news that the scope is cancelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Registered {
    Key(usize),
    Closed,
}

impl Parked {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // The data (wakers, a flag) is consistent whatever panicked.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Registers `waker`, or says the set is closed (the scope is
    /// cancelled).
    pub(crate) fn register(&self, waker: &Waker) -> Registered {
        let mut inner = self.lock();
        if inner.closed {
            return Registered::Closed;
        }
        let waker = waker.clone();
        Registered::Key(inner.wakers.insert(waker))
    }

    /// The task has stopped: forget its waker.
    pub(crate) fn remove(&self, key: usize) {
        if self.closed.load(Acquire) {
            return;
        }
        let mut inner = self.lock();
        if inner.wakers.contains(key) {
            drop(inner.wakers.remove(key));
        }
    }

    /// Wakes every registered task, keeping the set open (a signal that is
    /// not the abort: a handle's `cancel()` in an ordered scope).
    pub(crate) fn wake_each(&self) {
        let wakers: Vec<Waker> = self
            .lock()
            .wakers
            .iter()
            .map(|(_, waker)| waker.clone())
            .collect();
        for waker in wakers {
            waker.wake();
        }
    }

    /// Closes the set and wakes every registered task.
    pub(crate) fn wake_all(&self) {
        let wakers = {
            let mut inner = self.lock();
            inner.closed = true;
            self.closed.store(true, Release);
            std::mem::take(&mut inner.wakers)
        };
        for (_, waker) in wakers {
            waker.wake();
        }
    }
}

/// A waker that counts its wake-ups, for the tests here and the loom
/// models.
#[cfg(test)]
pub(crate) mod counting {
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::sync::Arc;
    use std::task::{Wake, Waker};

    pub(crate) struct Count(AtomicUsize);

    impl Count {
        /// How many times the waker was woken.
        pub(crate) fn get(&self) -> usize {
            self.0.load(SeqCst)
        }
    }

    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, SeqCst);
        }
    }

    pub(crate) fn waker() -> (Arc<Count>, Waker) {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        (count.clone(), Waker::from(count))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_tasks_are_woken_once_and_late_ones_see_the_close() {
        let (count, waker) = counting::waker();
        let parked = Parked::default();
        let Registered::Key(first) = parked.register(&waker) else {
            panic!("open set refused a registration");
        };
        let Registered::Key(second) = parked.register(&waker) else {
            panic!("open set refused a registration");
        };
        parked.remove(first);
        parked.wake_all();
        assert_eq!(count.get(), 1, "only the registered task is woken");
        assert_eq!(parked.register(&waker), Registered::Closed);
        parked.remove(second); // after the close: nothing to do, no panic
        parked.wake_all();
        assert_eq!(count.get(), 1);
    }
}
