//! Cancellation: how a scope is cancelled, how the signal reaches its
//! children and nested scopes, and why it happened.
//!
//! Two phases: the signal (`cancelled` set, token cancelled, no new child
//! starts) and the abort (children dropped at their next poll). They are
//! one step unless the scope has a `grace` period, which the runner waits
//! out between them; a child that finishes its clean-up within it is not
//! aborted.
//!
//! Two paths, one cheap and one general:
//! * children of a scope read its `cancelled` flag at each poll, and
//!   register their waker with it (`parked.rs`) only if they actually wait;
//!   cancelling wakes them all;
//! * each scope also owns a `CancellationToken`, a child of its parent's, so
//!   cancellation flows down nested scopes by itself and user code can await
//!   it ([`crate::cancelled`]).

use std::sync::atomic::Ordering::SeqCst;
use std::sync::Arc;

use crate::cause::Cause;
use crate::shared::Shared;
use crate::sync::{fence, AtomicBool};

impl Shared {
    /// Cancels this scope: the cause is recorded (the first one wins), new
    /// children are refused, running ones are woken to be dropped, nested
    /// scopes are cancelled through the token, and the runner is woken.
    pub(crate) fn cancel(&self, cause: Cause) {
        self.signal(cause);
        // Without a grace period the signal is the abort; with one, the
        // runner aborts when it has passed.
        if self.grace.is_none() {
            self.abort();
        }
    }

    /// The first phase: cause recorded, flag set, token cancelled, limit
    /// closed, runner woken. Idempotent.
    fn signal(&self, cause: Cause) {
        let _ = self.cause.set(cause);
        if self.cancelled.swap(true, SeqCst) {
            return;
        }
        if let Some(cause) = self.cause.get() {
            crate::trace::cancelled(&self.span, cause);
        }
        if let Some(limit) = &self.limit {
            // Wakes a body waiting in `spawn!` for a slot: it gets no slot.
            limit.close();
        }
        fence(SeqCst);
        if let Some(token) = self.token_if_created() {
            token.cancel();
        }
        self.wake_runner.notify_one();
    }

    /// An enclosing scope is cancelled but still in its grace period: its
    /// descendants get the same time to wind down.
    fn ancestor_draining(&self) -> bool {
        let mut scope = self;
        while let Some(parent) = &scope.parent {
            if parent.cancelled.load(SeqCst) && !parent.aborting.load(SeqCst) {
                return true;
            }
            scope = parent;
        }
        false
    }

    /// The second phase: children still running are dropped at their next
    /// poll (parked ones are woken for it).
    pub(crate) fn abort(&self) {
        if !self.aborting.swap(true, SeqCst) {
            self.parked.wake_all();
            self.parked_background.wake_all();
        }
    }

    /// True once this scope or an enclosing one aborts its children: the
    /// children's check at every poll. (Without `grace` anywhere, the same
    /// as [`Shared::is_cancelled`].)
    pub(crate) fn is_aborting(&self) -> bool {
        self.up_the_chain(|scope| &scope.aborting)
    }

    /// True once this scope or any enclosing one is cancelled. Lock-free: an
    /// enclosing scope's flag is set synchronously by its `cancel`.
    pub(crate) fn is_cancelled(&self) -> bool {
        self.up_the_chain(|scope| &scope.cancelled)
    }

    /// Whether `flag` is set on this scope or on any enclosing one.
    fn up_the_chain(&self, flag: impl Fn(&Shared) -> &AtomicBool) -> bool {
        let mut scope = self;
        loop {
            if flag(scope).load(SeqCst) {
                return true;
            }
            match &scope.parent {
                Some(parent) => scope = parent,
                None => return false,
            }
        }
    }

    /// Why this scope is cancelled: its own cause, or the cause of the
    /// nearest cancelled enclosing scope wrapped in [`Cause::Parent`].
    pub(crate) fn cause(&self) -> Option<Cause> {
        if self.cancelled.load(SeqCst) {
            if let Some(cause) = self.cause.get() {
                return Some(cause.clone());
            }
        }
        let parent = self.parent.as_ref()?;
        parent.cause().map(|cause| Cause::Parent(Arc::new(cause)))
    }

    /// Cancellation coming from an enclosing scope: recorded as
    /// [`Cause::Parent`].
    pub(crate) fn cancel_from_parent(&self) {
        let cause = self
            .parent
            .as_ref()
            .and_then(|parent| parent.cause())
            .map(|cause| Cause::Parent(Arc::new(cause)));
        if let Some(cause) = cause {
            self.signal(cause);
            // A nested scope waits out the grace period of the enclosing
            // scope that is draining (it aborts with it), or its own.
            if self.grace.is_none() && !self.ancestor_draining() {
                self.abort();
            }
        }
    }

    /// The scope's future is being dropped: cancelled as
    /// [`Cause::Dropped`], or as [`Cause::Parent`] when the drop is an
    /// enclosing scope's cancellation reaching it.
    pub(crate) fn cancel_on_drop(&self) {
        if self
            .parent
            .as_ref()
            .is_some_and(|parent| parent.is_cancelled())
        {
            self.cancel_from_parent();
        } else {
            self.cancel(Cause::Dropped(self.info.clone()));
        }
        // Drop cannot wait out a grace period.
        self.abort();
    }

    /// Cancelled by `cancel!()` (here or in an enclosing scope) while every
    /// body involved goes on: no scope on the way up failed or is being
    /// dropped. Only then can a task's missing value be awaited in vain.
    pub(crate) fn is_cancelled_while_bodies_go_on(&self) -> bool {
        if !self.is_cancelled() {
            return false;
        }
        let mut scope = self;
        loop {
            let dropped = matches!(scope.cause.get(), Some(Cause::Dropped(_)));
            if scope.is_failed() || dropped {
                return false;
            }
            match &scope.parent {
                Some(parent) => scope = parent,
                None => return true,
            }
        }
    }
}
