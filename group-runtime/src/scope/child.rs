//! What a running child holds of its scope: [`ChildGuard`], its slot of the
//! concurrency limit, its place in the count of live children, its parked
//! waker and its entry in the dump's listing. Every kind of parallel child
//! (a tokio task, a blocking closure) owns one; dropping it is how the
//! scope learns that the child's future (or closure) is gone.
//!
//! Per task this costs one `Arc` clone of the scope (lent to the ambient
//! slot while the child is polled, not cloned again), one atomic increment
//! and decrement of the live count, and, only if the child parks, one
//! registration of its waker with the scope (`core/parked.rs`).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::task::Waker;

use tokio::sync::OwnedSemaphorePermit;

use crate::core::ambient;
use crate::core::parked::{Parked, Registered};
use crate::core::state::Shared;

/// Owned by the task; dropping it (on completion, abort or runtime shutdown)
/// frees the concurrency slot, forgets the parked waker and counts the child
/// as stopped.
pub(crate) struct ChildGuard {
    /// The scope; `None` only while it is lent to the ambient slot, during
    /// a poll or a drop of the user's future (it is always put back, also
    /// on a panic).
    shared: Option<Arc<Shared>>,
    permit: Option<OwnedSemaphorePermit>,
    /// The waker registered with the scope, once the child has parked.
    parked: Option<u32>,
    /// The child's entry in the scope's list of tasks (dumps enabled).
    listed: Option<u32>,
    /// `spawn_background!`: also stopped when the body is done.
    background: bool,
    /// In an ordered scope (`stop = reverse`): the child's task scope, its
    /// ambient scope while it runs, signalled and aborted at its turn
    /// (`core/state.rs`, `Shared::task_scope`).
    own: Option<Arc<Shared>>,
    /// The waker registered with the task scope.
    parked_own: Option<u32>,
}

impl ChildGuard {
    pub(crate) fn new(
        shared: Arc<Shared>,
        permit: Option<OwnedSemaphorePermit>,
        background: bool,
        listed: Option<usize>,
        own: Option<Arc<Shared>>,
    ) -> Self {
        ChildGuard {
            shared: Some(shared),
            permit,
            parked: None,
            listed: listed.map(slab_key),
            background,
            own,
            parked_own: None,
        }
    }

    /// The scope (or one above it) aborts its children, or this is a
    /// background child and the body is done. In an ordered scope: this
    /// child's turn to be aborted came.
    pub(crate) fn must_stop(&self) -> bool {
        let shared = self.shared();
        let aborting = match &self.own {
            Some(own) => own.is_aborting(),
            None => shared.is_aborting(),
        };
        // (Rule 8 holds in an ordered scope too: a background child stops
        // when the body is done, not at a turn.)
        aborting || (self.background && shared.background_done())
    }

    /// The scope, shared (while the child is not being polled).
    pub(crate) fn shared_arc(&self) -> Option<Arc<Shared>> {
        self.shared.clone()
    }

    /// The child's task scope (ordered scopes only).
    pub(crate) fn own(&self) -> Option<&Arc<Shared>> {
        self.own.as_ref()
    }

    /// Where this child registers its waker.
    fn parked_set(&self) -> &Parked {
        let shared = self.shared();
        if self.background {
            &shared.parked_background
        } else {
            &shared.parked
        }
    }

    /// Registers the task's waker with the scope, once: the waker is the
    /// same at every poll (the child is the root future of its tokio task).
    /// `false` if the scope is cancelled already: the child stops now.
    pub(crate) fn park(&mut self, waker: &Waker) -> bool {
        if let Some(own) = &self.own {
            // Its turn (or its handle's `cancel()`) wakes it through its
            // task scope.
            if self.parked_own.is_none() {
                match own.parked.register(waker) {
                    Registered::Key(key) => self.parked_own = Some(slab_key(key)),
                    Registered::Closed => return false,
                }
            }
            if !self.background {
                return true;
            }
        }
        if self.parked.is_some() {
            return true;
        }
        match self.parked_set().register(waker) {
            Registered::Key(key) => {
                self.parked = Some(slab_key(key));
                true
            }
            Registered::Closed => false,
        }
    }

    /// The scope, while the child is not being polled.
    pub(crate) fn shared(&self) -> &Shared {
        self.shared
            .as_deref()
            .expect("taskgroup: the scope is back from the ambient slot")
    }

    /// Runs `f` with this child's scope as the ambient scope, catching a
    /// panic.
    pub(crate) fn in_scope<R>(&mut self, f: impl FnOnce() -> R) -> std::thread::Result<R> {
        // A child of an ordered scope runs in its task scope.
        let slot = if self.own.is_some() {
            &mut self.own
        } else {
            &mut self.shared
        };
        catch_unwind(AssertUnwindSafe(|| ambient::enter(slot, f)))
    }

    /// Frees the slot, forgets the parked waker and the listing; the count
    /// goes last (in `drop`).
    fn release_all_but_count(&mut self) {
        drop(self.permit.take());
        if let Some(key) = self.parked.take() {
            self.parked_set().remove(key as usize);
        }
        if let (Some(key), Some(own)) = (self.parked_own.take(), &self.own) {
            own.parked.remove(key as usize);
        }
        if let Some(key) = self.listed.take() {
            if let Some(recorded) = &self.shared().recorded {
                recorded.tasks.remove(key as usize);
            }
        }
    }
}

/// A slab key, kept in 4 bytes (the guard lives in every task): more than
/// 4 billion tasks parked in one scope at once would need terabytes.
fn slab_key(key: usize) -> u32 {
    u32::try_from(key).expect("taskgroup: more than 2^32 tasks in one scope")
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        if self.shared.is_none() {
            return;
        }
        self.release_all_but_count();
        if let Some(own) = self.own.take() {
            // Its turn ends once what it started is gone too (`gone`).
            own.release();
        }
        if let Some(shared) = self.shared.take() {
            shared.task_stopped();
        }
    }
}
