//! The state a scope shares with its children: live-task count, first
//! failure, wake-ups of the scope's runner.
//!
//! Cancellation lives in `cancel.rs`; this file is about counting and
//! failures.

use std::any::Any;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use tokio::sync::{Notify, Semaphore};

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::cause::{panic_message, Cause, ScopeInfo, TaskInfo};
use crate::listing::Listing;
use crate::options::Grace;
use crate::parked::Parked;
use crate::sync::{fence, AtomicBool, AtomicUsize};

pub(crate) type Payload = Box<dyn Any + Send>;

/// What a scope keeps for `taskgroup::dump()` (boxed: one pointer in scopes
/// opened while dumps are off).
pub(crate) struct Recorded {
    pub(crate) opened_at: Instant,
    pub(crate) tasks: Listing,
}

/// The first error and the first panic recorded in a scope.
#[derive(Default)]
pub(crate) struct Failures {
    /// A child's error, already converted to the scope's error type and boxed.
    pub(crate) error: Option<Payload>,
    /// The first panic, with the cause that says who panicked.
    pub(crate) panic: Option<(Payload, Cause)>,
    /// `errors = all`: every error, in order, with the task that failed.
    pub(crate) all: Vec<(Payload, Option<TaskInfo>)>,
}

/// Field order is part of the hot path (`repr(C)`, see `child.rs`): the
/// live count comes first, on the cache line of the `Arc`'s own counts, the
/// two things every spawn and every completion modify; the flags every poll
/// reads come last, behind the rarely touched fields, on lines that stay
/// shared between cores instead of bouncing with each modification.
#[repr(C)]
pub(crate) struct Shared {
    /// What keeps this scope alive: one hold for the scope itself (released
    /// when it finishes or is dropped), one per child task not yet dropped
    /// (aborted stragglers included), one per nested scope not yet fully
    /// stopped. At zero the scope is gone, and it releases its own hold on
    /// its parent: a parent never finishes while a grandchild still runs.
    live: AtomicUsize,
    /// The scope's own hold is still counted in `live`.
    held: AtomicBool,
    // Rarely touched: on failure, cancellation and at the end.
    pub(crate) info: ScopeInfo,
    /// The scope's span (feature `tracing`; zero-sized otherwise).
    pub(crate) span: crate::trace::Span,
    /// For `taskgroup::dump()`, if dumps were enabled when the scope
    /// opened: when, and the live children; then the registry key.
    pub(crate) recorded: Option<Box<Recorded>>,
    registry_key: AtomicUsize,
    /// Cancelled with this scope; a child of the parent's token. Created
    /// only when asked for ([`crate::cancellation_token`], `cancelled()`):
    /// scopes and children do not need it.
    token: OnceLock<CancellationToken>,
    pub(crate) cause: OnceLock<Cause>,
    pub(crate) failures: Mutex<Failures>,
    /// Wakes the runner: a failure, or the last child stopped while joining.
    pub(crate) wake_runner: Notify,
    /// Wakers of parked children and nested scopes' runners, woken when
    /// this scope is cancelled.
    pub(crate) parked: Parked,
    /// Wakers of parked background children, woken when the scope is
    /// cancelled or its body is done.
    pub(crate) parked_background: Parked,
    // Read by every spawn and every poll, written once.
    pub(crate) parent: Option<Arc<Shared>>,
    pub(crate) limit: Option<Arc<Semaphore>>,
    /// The earliest deadline of this scope and its enclosing ones.
    pub(crate) deadline: Option<Instant>,
    /// How long children may finish on their own once cancelled.
    pub(crate) grace: Option<Grace>,
    /// `errors = all`: failures are collected, not cancelling.
    pub(crate) collect_all: bool,
    /// Builds the scope's error from `Elapsed`; set when a `timeout` is
    /// written on the scope or on one of its tasks (which requires
    /// `E: From<Elapsed>` at compile time).
    pub(crate) deadline_error: OnceLock<fn() -> Payload>,
    /// Set (after `cause`) when this scope is cancelled, for whatever reason.
    pub(crate) cancelled: AtomicBool,
    /// Set when the children are to be dropped: with `cancelled`, or after
    /// the grace period.
    pub(crate) aborting: AtomicBool,
    /// The runner is waiting for `live` to fall to the scope's own hold.
    pub(crate) joining: AtomicBool,
    /// A failure (error or panic) was recorded: the body is being dropped.
    pub(crate) failed: AtomicBool,
    /// The runner has joined every child and returned.
    pub(crate) finished: AtomicBool,
    /// The body is done: background children are stopped.
    background_done: AtomicBool,
}

impl Shared {
    pub(crate) fn new(
        info: ScopeInfo,
        parent: Option<Arc<Shared>>,
        limit: Option<Arc<Semaphore>>,
        deadline: Option<Instant>,
        grace: Option<Grace>,
        collect_all: bool,
    ) -> Self {
        let deadline = match (deadline, parent.as_ref().and_then(|parent| parent.deadline)) {
            (Some(own), Some(outer)) => Some(own.min(outer)),
            (own, outer) => own.or(outer),
        };
        if let Some(parent) = &parent {
            parent.task_started();
        }
        Shared {
            span: crate::trace::scope_span(&info),
            info,
            recorded: crate::dump::enabled().then(|| {
                Box::new(Recorded {
                    opened_at: Instant::now(),
                    tasks: Listing::default(),
                })
            }),
            registry_key: AtomicUsize::new(usize::MAX),
            parent,
            token: OnceLock::new(),
            cancelled: AtomicBool::new(false),
            aborting: AtomicBool::new(false),
            cause: OnceLock::new(),
            parked: Parked::default(),
            parked_background: Parked::default(),
            background_done: AtomicBool::new(false),
            deadline,
            grace,
            collect_all,
            deadline_error: OnceLock::new(),
            wake_runner: Notify::new(),
            live: AtomicUsize::new(1),
            held: AtomicBool::new(true),
            joining: AtomicBool::new(false),
            failed: AtomicBool::new(false),
            finished: AtomicBool::new(false),
            failures: Mutex::new(Failures::default()),
            limit,
        }
    }

    /// Never panics, even if a thread panicked while holding the lock: the
    /// data is two `Option`s that are always consistent.
    fn failures(&self) -> MutexGuard<'_, Failures> {
        self.failures.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn is_failed(&self) -> bool {
        self.failed.load(SeqCst)
    }

    /// A child returned `Err`. The first error cancels the scope; an error
    /// from a child of an already-cancelled scope is dropped (errgroup).
    ///
    /// With `errors = all` the error is collected and nothing is cancelled.
    pub(crate) fn fail_with_error(&self, task: &TaskInfo, error: impl FnOnce() -> Payload) {
        if self.collect_all {
            return self.collect(error(), Some(task.clone()));
        }
        self.fail(error, || Cause::TaskFailed(task.clone()));
    }

    /// `errors = all`: records an error of a task (or of the body: `None`).
    pub(crate) fn collect(&self, error: Payload, task: Option<TaskInfo>) {
        self.failures().all.push((error, task));
    }

    /// `errors = all`: the body awaits a task that failed: it is dropped
    /// (as after a failure) without cancelling the other children.
    pub(crate) fn abandon_body(&self) {
        self.failed.store(true, SeqCst);
        self.wake_runner.notify_one();
    }

    /// `errors = all`: every error recorded, in order.
    pub(crate) fn take_collected(&self) -> Vec<(Payload, Option<TaskInfo>)> {
        std::mem::take(&mut self.failures().all)
    }

    /// Records the first error and cancels the scope with `cause`.
    fn fail(&self, error: impl FnOnce() -> Payload, cause: impl FnOnce() -> Cause) {
        {
            let mut failures = self.failures();
            if self.cancelled.load(SeqCst) {
                return;
            }
            failures.error = Some(error());
            self.failed.store(true, SeqCst);
        }
        self.cancel(cause());
    }

    /// A `timeout` elapsed: fails the scope like a child's `Err(Elapsed)`.
    pub(crate) fn fail_with_deadline(&self, cause: Cause) {
        let Some(elapsed) = self.deadline_error.get() else {
            // Unreachable: the macros install the conversion wherever they
            // write a `timeout`. Never hang: fail loudly instead.
            let message = format!(
                "taskgroup: {cause}, but the {} has no deadline error",
                self.info
            );
            return self.record_panic(Box::new(message), cause);
        };
        if self.collect_all {
            // The deadline stops everything, and is one more error.
            self.collect(elapsed(), None);
            self.failed.store(true, SeqCst);
            return self.cancel(cause);
        }
        self.fail(*elapsed, || cause);
    }

    /// The body returned `Err`. Returns `false` when a child had already
    /// failed: that earlier failure is the scope's result.
    pub(crate) fn fail_from_body(&self) -> bool {
        {
            let _failures = self.failures();
            if self.failed.swap(true, SeqCst) {
                return false;
            }
        }
        self.cancel(Cause::BodyFailed(self.info.clone()));
        true
    }

    /// A child or the body panicked. Panics are never dropped: the first one
    /// is kept even if the scope was already cancelled, and resumed by the
    /// runner once every child has stopped.
    pub(crate) fn fail_with_panic(&self, payload: Payload, who: Who<'_>) {
        let message = panic_message(&*payload);
        let cause = match who {
            Who::Task(task) => Cause::TaskPanicked {
                task: task.clone(),
                message,
            },
            Who::Body => Cause::BodyPanicked {
                scope: self.info.clone(),
                message,
            },
        };
        self.record_panic(payload, cause);
    }

    fn record_panic(&self, payload: Payload, cause: Cause) {
        if self.finished.load(SeqCst) {
            // Nobody will resume it here any more (a straggler of a dropped
            // scope): hand it to the enclosing scope.
            return self.forward_panic(payload, cause);
        }
        {
            let mut failures = self.failures();
            if failures.panic.is_none() {
                failures.panic = Some((payload, cause.clone()));
            }
            self.failed.store(true, SeqCst);
        }
        self.cancel(cause);
    }

    /// Passes a panic that this scope can no longer resume (it was dropped)
    /// to the enclosing scope, which resumes it after its own join.
    fn forward_panic(&self, payload: Payload, cause: Cause) {
        match &self.parent {
            Some(parent) => parent.record_panic(payload, cause),
            None => eprintln!(
                "taskgroup: a panic in the {} could not be resumed: the scope's future was \
                 dropped and no enclosing scope remains ({cause})",
                self.info
            ),
        }
    }

    pub(crate) fn take_panic(&self) -> Option<(Payload, Cause)> {
        self.failures().panic.take()
    }

    pub(crate) fn take_error(&self) -> Option<Payload> {
        self.failures().error.take()
    }

    /// Called when a child is spawned (or a nested scope opened).
    pub(crate) fn task_started(&self) {
        self.live.fetch_add(1, SeqCst);
    }

    /// Called when a child's future is gone (finished, failed or aborted),
    /// or a nested scope has fully stopped.
    pub(crate) fn task_stopped(&self) {
        // SeqCst pairs with `joining` (store, then load of `live`) in the
        // runner: one of the two sides sees the other, so no wake-up is lost.
        match self.live.fetch_sub(1, SeqCst) {
            // Only the scope's own hold is left: the join is complete if the
            // runner is joining. The fence pairs with the one in
            // `start_join` (store-buffering: one side sees the other).
            2 => {
                fence(SeqCst);
                if self.joining.load(SeqCst) {
                    self.wake_runner.notify_one();
                }
            }
            // Everything is gone, the scope itself included.
            1 => self.stopped(),
            _ => {}
        }
    }

    /// Releases the scope's own hold: the runner has joined, or the scope's
    /// future was dropped. Idempotent.
    pub(crate) fn release(&self) {
        self.finished.store(true, SeqCst);
        // Like Go's context after `Wait`: tokens handed out are cancelled.
        fence(SeqCst);
        if let Some(token) = self.token_if_created() {
            token.cancel();
        }
        if self.held.swap(false, SeqCst) {
            self.task_stopped();
        }
    }

    /// The scope's token, created on first use as a child of the enclosing
    /// scope's. `cancel` and `release` cancel it if it exists; one created
    /// after either (they set their flag, fence, then look) sees the flag
    /// here, after its own fence, and is cancelled at once.
    pub(crate) fn token(&self) -> &CancellationToken {
        let token = self.token.get_or_init(|| match &self.parent {
            Some(parent) => parent.token().child_token(),
            None => CancellationToken::new(),
        });
        fence(SeqCst);
        if self.cancelled.load(SeqCst) || self.finished.load(SeqCst) {
            token.cancel();
        }
        token
    }

    pub(crate) fn token_if_created(&self) -> Option<&CancellationToken> {
        self.token.get()
    }

    /// The body is done (returned, failed or was dropped): background
    /// children are cancelled rather than awaited.
    pub(crate) fn stop_background(&self) {
        self.background_done.store(true, SeqCst);
        self.parked_background.wake_all();
    }

    pub(crate) fn background_done(&self) -> bool {
        self.background_done.load(SeqCst)
    }

    /// Lists the scope in `taskgroup::dump()` until it has stopped.
    pub(crate) fn register(self: &Arc<Self>) {
        if crate::dump::enabled() {
            self.registry_key.store(crate::dump::enter(self), SeqCst);
        }
    }

    /// For `taskgroup::dump()`.
    pub(crate) fn state(&self) -> &'static str {
        if self.finished.load(SeqCst) {
            "finished"
        } else if self.aborting.load(SeqCst) {
            "aborting"
        } else if self.cancelled.load(SeqCst) {
            "cancelling"
        } else if self.joining.load(SeqCst) {
            "joining"
        } else {
            "running"
        }
    }

    /// The runner starts joining: true if no child is left. Otherwise the
    /// last child to stop sees `joining` and wakes the runner (the fences
    /// on both sides: one of the two sees the other, no wake-up is lost).
    pub(crate) fn start_join(&self) -> bool {
        self.joining.store(true, SeqCst);
        fence(SeqCst);
        self.children() == 0
    }

    /// Children still counted (not the scope's own hold).
    pub(crate) fn children(&self) -> usize {
        self.live
            .load(SeqCst)
            .saturating_sub(usize::from(self.held.load(SeqCst)))
    }

    /// The scope and all its descendants are gone.
    fn stopped(&self) {
        let key = self.registry_key.swap(usize::MAX, SeqCst);
        if key != usize::MAX {
            crate::dump::leave(key);
        }
        if let Some((payload, cause)) = self.take_panic() {
            // Recorded by a straggler after the scope's future was dropped.
            self.forward_panic(payload, cause);
        }
        if let Some(parent) = &self.parent {
            parent.task_stopped();
        }
    }
}

/// Who panicked.
#[derive(Clone, Copy)]
pub(crate) enum Who<'a> {
    Task(&'a TaskInfo),
    Body,
}
