//! The lifecycle of a scope: one state machine, in this file.
//!
//! A scope ([`Shared`], what the runner, the children and the nested scopes
//! share) keeps two separate facts that an earlier design kept in one flag:
//!
//! * **cancelled** — a *signal*: no new child starts, `cancelled()`
//!   completes, and then (at once, or after a `grace` period) the children
//!   are *aborted*. It comes from the scope's own decision (`cancel!()`, a
//!   drain, `first_ok`'s winner, its future dropped), from its first
//!   failure, or from an enclosing scope;
//! * **failed** — *which failure came first*: a child's `Err`, a panic, the
//!   body's `Err`, a timeout. Decided once, under the record's lock,
//!   together with the cause that siblings read, so that the failure
//!   returned and the cause observed are always the same one.
//!
//! # State word
//!
//! | bit | set by | meaning |
//! |---|---|---|
//! | `SIGNALLED` | own cancellation, first failure, a panic, enclosing scope's signal | no new child; token cancelled; limit closed |
//! | `ABORTING` | the signal without `grace`, grace elapsed, drop, enclosing scope's abort | children dropped at their next poll |
//! | `SETTLED` | `cancel!()`, drain (`Shutdown`), `first_ok`'s winner, drop | the scope's own decision: later errors are dropped |
//! | `FAILED` | the first failure | the body is dropped; that failure is the result |
//! | `DROPPED` | the scope's future dropped | the body is going away |
//! | `ABANDONED` | `errors = all`: the body awaits a task that failed | the body is dropped, nothing is cancelled |
//! | `BODY_DONE` | the runner, when the body is gone | background children stop |
//! | `JOINING` | the runner, when it starts waiting for the children | the last child to stop wakes it |
//! | `FINISHED` | the runner's return, or the scope's drop | the scope's own hold is released |
//! | `GONE` | the last of (`FINISHED`, last task stopped) | deregistered; a late panic goes up |
//!
//! # Events and transitions
//!
//! | event | records the first failure when | then |
//! |---|---|---|
//! | child `Err` (`errors = first`), task timeout | neither `FAILED` nor `SETTLED` | `FAILED`, signal, abort unless `grace`; else dropped |
//! | child `Err`, task timeout (`errors = all`) | — (collected, with its task, unless `SETTLED`) | nothing cancelled |
//! | panic (child, body, any `Drop`, a `From`, an output's `Drop`) | neither `FAILED` nor `SETTLED` (the cause) | the first panic is always kept and resumed; `FAILED`, signal, abort unless `grace` |
//! | body `Err` | not `FAILED` (a `cancel!()` before does not matter: it is the body's value) | `FAILED`, signal, abort unless `grace` |
//! | scope timeout (`errors = first`) | neither `FAILED` nor `SETTLED` | as a child `Err`; after `cancel!()` it only aborts |
//! | scope timeout (`errors = all`) | — (collected, no task; after `cancel!()` it only aborts) | `FAILED`, signal, abort unless `grace` |
//! | `cancel!()`, drain, `first_ok` winner | — | `SETTLED`, signal, abort unless `grace` |
//! | future dropped | — | `SETTLED`, `DROPPED`, signal, abort |
//! | enclosing scope signals | — (a nested scope keeps its own semantics: its children's errors still fail it) | signal (no cause of its own: [`Shared::cause`] reports `Parent`) |
//! | enclosing scope aborts | — | signal, abort; a scope run by `block_on` in a blocking closure of the aborting scope (whose future nobody drops) drops its body at the runner's next turn and unwinds as a cancellation after its join |
//! | `grace` elapsed | — | abort |
//! | `stop = reverse`: signal, abort | as above | the children's task scopes are not in the signal list: the last started one still there is signalled (aborted), the next when it is `GONE` (`step_ordered`); an abort from above or a drop aborts them all at once |
//! | a child's `cancel()` (a scope with `grace`, or ordered) | — (not a failure) | its task scope: cause `CancelledByHandle`, signal; abort after the grace |
//!
//! The cause a scope reports is the first of its own events (failure or
//! decision), else its enclosing scope's, wrapped in [`Cause::Parent`].
//!
//! Signal and abort reach nested scopes synchronously: each scope lists its
//! nested scopes, and passes both phases down the list, so a nested scope
//! whose future is not being polled (or was leaked with `mem::forget`)
//! still stops its children. A nested scope's own `grace` starts when it is
//! signalled; without one it aborts when the enclosing scope aborts.
//!
//! # Counting
//!
//! `tasks` counts the scope's live children and its nested scopes that have
//! live children. A nested scope counts in its parent exactly while it has
//! tasks, so a parent joins every descendant task, and a nested scope
//! whose future was leaked (never finished, never dropped) does not hold
//! its parent forever. The join is a store-buffering handshake (fences on
//! both sides, checked with loom): the runner sets `JOINING` then reads
//! `tasks`; the last child decrements `tasks` then reads `JOINING`.

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::{Arc, OnceLock, PoisonError, Weak};

use slab::Slab;
use tokio::sync::{Notify, Semaphore};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::core::cause::{panic_message, Cause, Payload, ScopeInfo, TaskId, TaskInfo};
use crate::core::context;
use crate::core::parked::Parked;
use crate::core::records::{self, Recorded, Registry};
use crate::core::sync::{fence, AtomicBool, AtomicUsize, Mutex, MutexGuard};
use crate::core::trace;

/// The live scopes, for `taskgroup::dump()`: a scope enters when it opens
/// while dumps are enabled, and leaves when it is [gone](Shared::gone).
static REGISTRY: Registry<Shared> = Registry::new();

/// A task handle dropped before its task finished, whose value has a
/// destructor: the runner awaits it and drops the value under
/// `catch_unwind` (see `scope/handle.rs`).
pub(crate) type Orphan = (Pin<Box<dyn Future<Output = ()> + Send>>, TaskInfo);

const SIGNALLED: usize = 1;
const ABORTING: usize = 1 << 1;
const SETTLED: usize = 1 << 2;
const FAILED: usize = 1 << 3;
const DROPPED: usize = 1 << 4;
const ABANDONED: usize = 1 << 5;
const BODY_DONE: usize = 1 << 6;
const JOINING: usize = 1 << 7;
const FINISHED: usize = 1 << 8;
const GONE: usize = 1 << 9;
const UNWOUND: usize = 1 << 10;
/// Adopted handles are waiting in `orphans`.
const ORPHANS: usize = 1 << 11;

/// The payload of a cancellation unwinding out of a body that awaited a
/// value that will never come while an enclosing scope fails: nobody else
/// may drop that body (it runs in a blocking closure's `block_on`), so it
/// unwinds, silently (`resume_unwind` runs no panic hook), up to the task
/// or body of the failing scope, where it ends as a cancellation. Never
/// recorded as a panic.
pub(crate) enum Unwound {
    /// A failure here or above: the awaiting code stops, as if dropped.
    Cancelled,
    /// `errors = all`: the awaited task failed (its error is collected);
    /// the awaiting body (or scoped child) is dropped there, the scope
    /// goes on and returns the errors.
    Abandoned,
}

/// What becomes of code awaiting a task that has no value.
pub(crate) enum Fate {
    /// The code goes on (`cancel!()`, a drain, a grace period): the await
    /// can only fail, loudly.
    GoesOn,
    /// A failure (here, or an enclosing scope that fails and aborts) or a
    /// drop dooms the code: it unwinds as a cancellation.
    Doomed,
}

/// How long a cancelled scope waits before aborting its children.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Grace {
    /// `grace = d`: the runner aborts `d` after the signal.
    For(std::time::Duration),
    /// Until the scope's future is dropped.
    UntilDropped,
}

/// What the lock guards: the outcome facts that must change together.
#[derive(Default)]
struct Record {
    /// The scope's own cause: its first failure or decision.
    cause: Option<Cause>,
    /// The first error, already converted to the scope's error type.
    error: Option<Payload>,
    /// The first panic, with the cause that says who panicked.
    panic: Option<(Payload, Cause)>,
    /// `errors = all`: every error, in order, with the task that failed.
    all: Vec<(Payload, Option<TaskInfo>)>,
}

/// Who failed.
#[derive(Clone, Copy)]
pub(crate) enum Who<'a> {
    Task(&'a TaskInfo),
    Body,
}

/// What a failure is, for the transition.
enum Failure {
    /// An error of a child (or a task timeout): dropped after the scope's
    /// own cancellation.
    Child,
    /// The body's `Err`: the body's value, whatever the scope decided.
    Body,
    /// The scope's own timeout.
    Deadline,
}

/// Field order is part of the hot path (`repr(C)`, see `scope/child.rs`): the
/// live count comes first, on the cache line of the `Arc`'s own counts, the
/// two things every spawn and every completion modify; the state word every
/// poll reads comes last, behind the rarely touched fields.
#[repr(C)]
pub(crate) struct Shared {
    /// Live children, and nested scopes that have live children.
    tasks: AtomicUsize,
    // Rarely touched: on failure, cancellation and at the end.
    pub(crate) info: ScopeInfo,
    /// The scope's span (feature `tracing`; zero-sized otherwise).
    pub(crate) span: trace::Span,
    /// For `taskgroup::dump()`, if dumps were enabled when the scope
    /// opened: when, and the live children; then the registry key.
    pub(crate) recorded: Option<Box<Recorded>>,
    registry_key: AtomicUsize,
    /// This scope's key in its parent's list of nested scopes.
    nested_key: AtomicUsize,
    /// Cancelled with this scope; a child of the parent's token. Created
    /// only when asked for ([`crate::cancellation_token`], `cancelled()`).
    token: OnceLock<CancellationToken>,
    record: Mutex<Record>,
    /// Nested scopes, to pass the signal and the abort down.
    nested: Mutex<Slab<Weak<Shared>>>,
    /// Handles dropped before their task finished (values with a `Drop`),
    /// for the runner.
    orphans: Mutex<Vec<Orphan>>,
    /// Tasks cancelled through their handle whose future has not been
    /// dropped yet: their `Drop` sees `Cause::CancelledByHandle`.
    cancelled_by_handle: Mutex<Vec<TaskId>>,
    handle_cancels: AtomicUsize,
    /// A `spawn_scoped!` handle's `cancel()` the scoped set has not seen.
    scoped_cancels: AtomicBool,
    /// Wakes the runner: a failure, a cancellation, the last child stopped.
    pub(crate) wake_runner: Notify,
    /// Wakers of parked children, woken when this scope aborts.
    pub(crate) parked: Parked,
    /// Wakers of parked background children, woken when the scope aborts or
    /// its body is done.
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
    /// The runner runs (as of its last poll) in a `spawn_blocking!` closure
    /// of `parent` (with `Handle::block_on`): when `parent` aborts, nobody
    /// drops this scope's future, so its runner drops the body itself.
    /// Where it runs, not where it was opened: a scope future built in a
    /// closure may be awaited elsewhere.
    in_blocking_closure: AtomicBool,
    /// Builds the scope's error from `Elapsed`; set when a `timeout` is
    /// written on the scope or on one of its tasks (which requires
    /// `E: From<Elapsed>` at compile time).
    pub(crate) deadline_error: OnceLock<fn() -> Payload>,
    /// The state word (table above).
    state: AtomicUsize,
    /// `stop = reverse`: on cancellation the children are stopped one at a
    /// time, the last started first (`step_ordered`, taken at the signal, the abort, and as each child is gone).
    pub(crate) ordered: bool,
    /// The task scope of one child of an ordered scope (see
    /// [`Shared::task_scope`]): no body, no runner, not in the dump; its
    /// cause is its parent's unless it has its own.
    pub(crate) transparent: bool,
    /// The values this scope carries for its descendants (its own in front
    /// of its parent's).
    pub(crate) context: context::Context,
    /// An ordered scope's task scopes, in start order (`None`: gone).
    ordered_children: Mutex<OrderedChildren>,
    /// A task scope's place in its scope's `ordered_children`.
    ordered_key: AtomicUsize,
    /// When the scope was signalled: its grace period counts from here.
    signalled_at: OnceLock<Instant>,
    /// A task scope cancelled through its handle: the abort after the
    /// scope's grace, armed by the child's next poll.
    handle_grace: Mutex<Option<Pin<Box<tokio::time::Sleep>>>>,
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
        // The parent's values, which this scope's own go in front of
        // (`with_context`).
        let parent_context = parent.as_ref().and_then(|parent| parent.context.clone());
        let deadline = match (deadline, parent.as_ref().and_then(|parent| parent.deadline)) {
            (Some(own), Some(outer)) => Some(own.min(outer)),
            (own, outer) => own.or(outer),
        };
        Shared {
            tasks: AtomicUsize::new(0),
            span: trace::scope_span(&info),
            info,
            recorded: Recorded::if_enabled(),
            registry_key: AtomicUsize::new(usize::MAX),
            nested_key: AtomicUsize::new(usize::MAX),
            token: OnceLock::new(),
            record: Mutex::new(Record::default()),
            nested: Mutex::new(Slab::new()),
            orphans: Mutex::new(Vec::new()),
            cancelled_by_handle: Mutex::new(Vec::new()),
            handle_cancels: AtomicUsize::new(0),
            scoped_cancels: AtomicBool::new(false),
            wake_runner: Notify::new(),
            parked: Parked::default(),
            parked_background: Parked::default(),
            parent,
            limit,
            deadline,
            grace,
            collect_all,
            in_blocking_closure: AtomicBool::new(false),
            deadline_error: OnceLock::new(),
            state: AtomicUsize::new(0),
            ordered: false,
            transparent: false,
            context: parent_context,
            ordered_children: Mutex::new(OrderedChildren::default()),
            ordered_key: AtomicUsize::new(usize::MAX),
            handle_grace: Mutex::new(None),
            signalled_at: OnceLock::new(),
        }
    }

    /// `context = value`: carried for every descendant, in front of the
    /// parent's values.
    pub(crate) fn with_context(
        mut self,
        push: impl FnOnce(context::Context) -> context::Context,
    ) -> Self {
        self.context = push(self.context.take());
        self
    }

    /// `stop = reverse` on this scope.
    pub(crate) fn stop_in_reverse(mut self) -> Self {
        self.ordered = true;
        self
    }

    /// The task scope of a child of this scope (ordered, or with a
    /// `grace`): the child's code runs with it as its ambient scope, so
    /// that `is_cancelled()`, `cancelled()`, `cause()` and the scopes it
    /// opens follow *its* cancellation: its turn in an ordered stop (by
    /// [`Shared::step_ordered`], or at once by an abort from above or a
    /// drop), the scope's signal otherwise, and its handle's `cancel()`
    /// (a signal, then the abort after the grace).
    pub(crate) fn task_scope(self: &Arc<Self>, task: &TaskInfo) -> Arc<Shared> {
        let mut own = Shared::new(
            ScopeInfo::new(task.name().map(Arc::from), task.location()),
            Some(self.clone()),
            None,
            self.deadline,
            self.grace,
            false,
        );
        own.transparent = true;
        let own = Arc::new(own);
        if self.ordered {
            lock(&self.ordered_children).push(&own);
            // Spawned after the scope was cancelled (a background child):
            // the last started, its turn is now.
            self.step_ordered();
        } else {
            // A scope with a `grace` (for a cooperative `cancel()`): the
            // task scope follows the scope's signal and abort at once, as
            // a nested scope does.
            own.join_parent();
        }
        own
    }

    /// A step of an ordered stop, taken at the signal, the abort, and each
    /// time a child's task scope is gone: the last started child still
    /// there is signalled (aborted if the scope aborts); the ones before it
    /// wait for their turn.
    pub(crate) fn step_ordered(&self) {
        if !self.ordered || !self.has(SIGNALLED) {
            return;
        }
        let aborting = self.has(ABORTING);
        let current = lock(&self.ordered_children).last();
        if let Some(own) = current {
            if aborting {
                own.abort();
            } else {
                own.signal();
            }
        }
    }

    /// Every task scope of this ordered scope, aborted now (the last
    /// started first): an abort from above, or the scope's drop.
    fn abort_ordered_now(&self) {
        let children = lock(&self.ordered_children).all();
        for own in children.iter().rev() {
            own.abort();
        }
    }

    /// `handle.cancel()` of a child with a task scope: the signal now, the
    /// abort after the scope's `grace` (the child arms it,
    /// [`Shared::cancelled_by_handle_at`]) or at once without one.
    pub(crate) fn cancel_task_scope(&self, task: &TaskInfo) {
        {
            let mut record = self.lock_record();
            if record.cause.is_none() {
                record.cause = Some(Cause::CancelledByHandle(task.clone()));
            }
        }
        self.signal();
        let parent_aborting = self
            .parent
            .as_ref()
            .is_some_and(|parent| parent.has(ABORTING));
        if self.grace.is_none() || parent_aborting {
            self.abort();
        } else {
            // The child arms its grace timer at its next poll (the set
            // stays open: it may park again).
            self.parked.wake_each();
        }
    }

    /// For a child's poll: `true` when its task scope, cancelled through
    /// its handle, has waited out the scope's grace (then it aborts).
    pub(crate) fn handle_grace_over(&self, cx: &mut std::task::Context<'_>) -> bool {
        if !self.has(SIGNALLED) || self.has(ABORTING) || !self.cancelled_by_its_handle() {
            return false;
        }
        let Some(Grace::For(period)) = self.grace else {
            return false;
        };
        let mut timer = lock(&self.handle_grace);
        let ends = self.grace_ends(period);
        let sleep = timer.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(ends)));
        if sleep.as_mut().poll(cx).is_ready() {
            drop(timer);
            self.abort();
            return true;
        }
        false
    }

    /// When the grace period (`period` long) of this signalled scope ends.
    pub(crate) fn grace_ends(&self, period: std::time::Duration) -> Instant {
        self.signalled_at
            .get()
            .copied()
            .unwrap_or_else(Instant::now)
            + period
    }

    /// A task scope cancelled through its handle (not by its turn).
    pub(crate) fn cancelled_by_its_handle(&self) -> bool {
        self.transparent
            && self.has(SIGNALLED)
            && matches!(self.lock_record().cause, Some(Cause::CancelledByHandle(_)))
    }

    /// The nearest enclosing scope that is not a task scope.
    pub(crate) fn visible_parent(&self) -> Option<&Arc<Shared>> {
        let mut parent = self.parent.as_ref()?;
        while parent.transparent {
            parent = parent.parent.as_ref()?;
        }
        Some(parent)
    }

    /// `handle.cancel()`: the task's future, dropped soon by tokio, sees
    /// the handle as its cause.
    pub(crate) fn cancel_by_handle(&self, task: TaskId) {
        let mut cancelled = lock(&self.cancelled_by_handle);
        if !cancelled.contains(&task) {
            cancelled.push(task);
            self.handle_cancels.fetch_add(1, SeqCst);
        }
    }

    /// Whether `task` was cancelled through its handle (forgotten here:
    /// asked once, when it stops).
    pub(crate) fn take_cancelled_by_handle(&self, task: TaskId) -> bool {
        let mut cancelled = lock(&self.cancelled_by_handle);
        match cancelled.iter().position(|id| *id == task) {
            Some(at) => {
                cancelled.swap_remove(at);
                self.handle_cancels.fetch_sub(1, SeqCst);
                true
            }
            None => false,
        }
    }

    /// A scoped child's `cancel()`: the scope's future looks at its
    /// children at its next turn.
    pub(crate) fn scoped_cancelled(&self) {
        self.scoped_cancels.store(true, SeqCst);
        self.wake_runner.notify_one();
    }

    /// For the scoped set: a `cancel()` since the last look.
    pub(crate) fn take_scoped_cancels(&self) -> bool {
        self.scoped_cancels.load(SeqCst) && self.scoped_cancels.swap(false, SeqCst)
    }

    /// Whether `task` was cancelled through its handle (kept).
    pub(crate) fn is_cancelled_by_handle(&self, task: TaskId) -> bool {
        self.has_handle_cancels() && lock(&self.cancelled_by_handle).contains(&task)
    }

    /// Any `cancel()` not yet seen by its task: a stopping task looks for
    /// its own (one load otherwise).
    pub(crate) fn has_handle_cancels(&self) -> bool {
        self.handle_cancels.load(SeqCst) != 0
    }

    /// Where the runner runs now (see `in_blocking_closure`), noted at each
    /// of its polls.
    pub(crate) fn runs_in_blocking_closure(&self, yes: bool) {
        // Read first: the runner calls this at every poll, and the answer
        // almost never changes (no write to the shared line then).
        if self.in_blocking_closure.load(SeqCst) != yes {
            self.in_blocking_closure.store(yes, SeqCst);
        }
    }

    /// Joins the enclosing scope's list of nested scopes (so that its
    /// signal and abort reach this one even when nobody polls it) and the
    /// dump's registry. An enclosing scope already cancelled passes its
    /// state on at once.
    pub(crate) fn register(self: &Arc<Self>) {
        if records::enabled() {
            self.registry_key.store(REGISTRY.enter(self), SeqCst);
        }
        self.join_parent();
    }

    /// Joins the enclosing scope's list of nested scopes; an enclosing
    /// scope already cancelled passes its state on at once.
    fn join_parent(self: &Arc<Self>) {
        let Some(parent) = &self.parent else {
            return;
        };
        {
            let mut nested = lock(&parent.nested);
            self.nested_key
                .store(nested.insert(Arc::downgrade(self)), SeqCst);
        }
        // The parent sets its bits before it walks the list (under the same
        // lock): either the walk found this scope, or this load sees them.
        let above = parent.state.load(SeqCst);
        if above & ABORTING != 0 {
            self.abort();
        } else if above & SIGNALLED != 0 {
            self.signal();
        }
    }

    fn lock_record(&self) -> MutexGuard<'_, Record> {
        lock(&self.record)
    }

    fn bits(&self) -> usize {
        self.state.load(SeqCst)
    }

    fn has(&self, bit: usize) -> bool {
        self.bits() & bit != 0
    }

    /// Sets `bits`; returns the state before.
    fn set(&self, bits: usize) -> usize {
        self.state.fetch_or(bits, SeqCst)
    }

    // ----------------------------------------------------------------------
    // Queries.

    /// No new child may start: this scope (or an enclosing one, which
    /// passes its signal down) is cancelled.
    pub(crate) fn is_cancelled(&self) -> bool {
        self.has(SIGNALLED)
    }

    /// The children's check at every poll: this scope (or an enclosing one)
    /// aborts its children.
    pub(crate) fn is_aborting(&self) -> bool {
        self.has(ABORTING)
    }

    /// The body must be dropped now: a failure, or `errors = all` and the
    /// body awaits a failed task, or this scope runs in a blocking closure
    /// of a parent that aborts its children. In the last case nobody drops
    /// this scope's future (the closure runs it with `block_on`), so the
    /// body is dropped here, as the parent would drop a task, and the scope
    /// unwinds as a cancellation after its join ([`Unwound`]). (A scope
    /// awaited in its parent's body, or in a task, is dropped with them
    /// when they are; after the parent's own `cancel!()` its body goes on,
    /// and so does this scope's.)
    pub(crate) fn body_must_go(&self) -> bool {
        let bits = self.bits();
        if bits & (FAILED | ABANDONED) != 0 {
            return true;
        }
        if bits & ABORTING != 0 && self.closure_aborted() {
            self.set(UNWOUND | ABANDONED);
            return true;
        }
        false
    }

    /// Runs in a blocking closure whose scope aborts its children.
    fn closure_aborted(&self) -> bool {
        self.in_blocking_closure.load(SeqCst)
            && self
                .parent
                .as_ref()
                .is_some_and(|parent| parent.has(ABORTING))
    }

    /// Every scope registered for `taskgroup::dump()` and still alive.
    pub(crate) fn live_scopes() -> Vec<Arc<Shared>> {
        REGISTRY.live()
    }

    pub(crate) fn is_finished(&self) -> bool {
        self.has(FINISHED)
    }

    pub(crate) fn background_done(&self) -> bool {
        self.has(BODY_DONE)
    }

    /// Why this scope is cancelled: its own cause, or the cause of the
    /// nearest cancelled enclosing scope wrapped in [`Cause::Parent`].
    pub(crate) fn cause(&self) -> Option<Cause> {
        if let Some(cause) = &self.lock_record().cause {
            return Some(cause.clone());
        }
        if !self.is_cancelled() {
            return None;
        }
        let parent = self.parent.as_ref()?;
        if self.transparent {
            // A child's task scope: the scope's own cause.
            return parent.cause();
        }
        parent.cause().map(|cause| Cause::Parent(Arc::new(cause)))
    }

    /// What becomes of code of this scope (its body, a scoped child) that
    /// awaits a task that has no value (see [`Fate`]). Doomed when this
    /// scope failed or is dropped, or runs in a blocking closure of a parent
    /// that aborts, or when an enclosing scope failed (or is dropped) *and
    /// aborts* (or will at once: no `grace`): then everything below it is
    /// dropped, or (a blocking closure) must stop. An enclosing scope that
    /// only signals (`grace`, a drain), collects errors, or aborts after its
    /// own `cancel!()` lets the code go on.
    pub(crate) fn body_fate(&self) -> Fate {
        if self.has(FAILED | DROPPED | ABANDONED) || self.closure_aborted() {
            return Fate::Doomed;
        }
        let mut scope = self;
        while let Some(parent) = &scope.parent {
            // Failing and aborting, or about to (no grace period: the abort
            // follows the signal at once).
            let bits = parent.bits();
            if bits & (FAILED | DROPPED) != 0 && (bits & ABORTING != 0 || parent.grace.is_none()) {
                return Fate::Doomed;
            }
            // An enclosing scope whose body is dropped for its own parent's
            // abort (it runs in that parent's blocking closure).
            if parent.closure_aborted() {
                return Fate::Doomed;
            }
            scope = parent;
        }
        Fate::GoesOn
    }

    /// The body unwound ([`Unwound`]): the runner passes it on after the
    /// join.
    pub(crate) fn unwound(&self) -> bool {
        self.has(UNWOUND)
    }

    /// For `taskgroup::dump()`.
    pub(crate) fn state(&self) -> &'static str {
        let bits = self.bits();
        if bits & FINISHED != 0 {
            "finished"
        } else if bits & ABORTING != 0 {
            "aborting"
        } else if bits & SIGNALLED != 0 {
            "cancelling"
        } else if bits & JOINING != 0 {
            "joining"
        } else {
            "running"
        }
    }

    // ----------------------------------------------------------------------
    // Failures.

    /// A child's error, converted to the scope's error type by `convert`
    /// (user code: called outside every lock, and only when the error will
    /// be kept). The first one fails the scope; after the scope failed or
    /// cancelled itself it is dropped (errgroup). With `errors = all` it is
    /// collected and nothing is cancelled.
    pub(crate) fn fail_with_error<E2>(
        &self,
        task: &TaskInfo,
        error: E2,
        convert: impl FnOnce(E2) -> Payload,
    ) {
        // After the scope's own `cancel!()` (or drain), errors of children
        // being cancelled are dropped, collected or not.
        if self.has(SETTLED) || (!self.collect_all && self.has(FAILED)) {
            return;
        }
        let error = convert(error);
        if self.collect_all {
            lock(&self.record).all.push((error, Some(task.clone())));
            return;
        }
        self.fail(Failure::Child, Some(error), || {
            Cause::TaskFailed(task.clone())
        });
    }

    /// A task's own `timeout` elapsed: that task's error.
    pub(crate) fn task_timed_out(&self, task: &TaskInfo, after: std::time::Duration) {
        let cause = || Cause::TaskTimedOut {
            at: task.location(),
            after,
        };
        let Some(elapsed) = self.deadline_error.get() else {
            return self.missing_deadline_error(cause());
        };
        if self.has(SETTLED) || (!self.collect_all && self.has(FAILED)) {
            return;
        }
        let Some(error) = self.convert_elapsed(*elapsed, Who::Task(task)) else {
            return;
        };
        if self.collect_all {
            lock(&self.record).all.push((error, Some(task.clone())));
            return;
        }
        self.fail(Failure::Child, Some(error), cause);
    }

    /// The scope's own `timeout` elapsed.
    pub(crate) fn deadline_passed(&self, after: std::time::Duration) {
        let cause = || Cause::DeadlineExceeded {
            scope: self.info.clone(),
            after,
        };
        let Some(elapsed) = self.deadline_error.get() else {
            return self.missing_deadline_error(cause());
        };
        if self.has(SETTLED) {
            // After `cancel!()` the body's value stands; the deadline still
            // bounds the children.
            return self.abort();
        }
        if !self.collect_all && self.has(FAILED) {
            return;
        }
        let Some(error) = self.convert_elapsed(*elapsed, Who::Body) else {
            return;
        };
        if self.collect_all {
            // The deadline stops everything, and is one more error.
            {
                let mut record = self.lock_record();
                record.all.push((error, None));
                if record.cause.is_none() {
                    record.cause = Some(cause());
                }
                self.set(FAILED);
            }
            return self.cancel_effects(self.grace.is_none());
        }
        self.fail(Failure::Deadline, Some(error), cause);
    }

    /// `E::from(Elapsed)`, the user's conversion: a panic in it is `who`'s
    /// panic, recorded like any other (`None` then).
    fn convert_elapsed(&self, elapsed: fn() -> Payload, who: Who<'_>) -> Option<Payload> {
        match catch_unwind(AssertUnwindSafe(elapsed)) {
            Ok(error) => Some(error),
            Err(payload) => {
                self.fail_with_panic(payload, who);
                None
            }
        }
    }

    /// Unreachable: the macros install the conversion wherever they write a
    /// `timeout`. Never hang: fail loudly instead.
    fn missing_deadline_error(&self, cause: Cause) {
        let message = format!(
            "taskgroup: {cause}, but the {} has no deadline error",
            self.info
        );
        self.record_panic(Box::new(message), cause);
    }

    /// The body returned `Err`. Returns `false` when a failure came first:
    /// that earlier failure is the scope's result.
    pub(crate) fn fail_from_body(&self) -> bool {
        let info = self.info.clone();
        self.fail(Failure::Body, None, || Cause::BodyFailed(info))
    }

    /// Records `error` as the first failure if it is one (the transition
    /// table above), then cancels. Returns whether it was the first.
    ///
    /// A dropped error is dropped after the lock is released (its `Drop` is
    /// user code).
    fn fail(&self, kind: Failure, error: Option<Payload>, cause: impl FnOnce() -> Cause) -> bool {
        {
            let mut record = self.lock_record();
            let bits = self.bits();
            let first = match kind {
                Failure::Body => bits & FAILED == 0,
                Failure::Child | Failure::Deadline => bits & (FAILED | SETTLED) == 0,
            };
            if !first {
                return false;
            }
            record.error = error;
            if record.cause.is_none() {
                record.cause = Some(cause());
            }
            // Inside the lock: whoever sees `FAILED` sees the cause.
            self.set(FAILED);
        }
        self.cancel_effects(self.grace.is_none());
        true
    }

    /// A child or the body panicked (or a `Drop`, a conversion, an output's
    /// `Drop`). Panics are never dropped: the first one is kept even after
    /// a failure or a cancellation, and resumed by the runner once every
    /// child has stopped.
    pub(crate) fn fail_with_panic(&self, payload: Payload, who: Who<'_>) {
        if let Some(unwound) = payload.downcast_ref::<Unwound>() {
            // A cancellation passing through: a task (or scoped child) ends
            // cancelled; a body that is not dropped anyway is dropped, and
            // (not for `errors = all`'s abandon) unwinds further after the
            // join.
            if matches!(who, Who::Body) && !self.has(FAILED | DROPPED | ABANDONED) {
                match unwound {
                    Unwound::Abandoned => self.set(ABANDONED),
                    Unwound::Cancelled => self.set(UNWOUND | ABANDONED),
                };
                self.wake_runner.notify_one();
            }
            return;
        }
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
        if self.transparent {
            // A child's task scope: the panic is its scope's.
            if let Some(parent) = &self.parent {
                return parent.record_panic(payload, cause);
            }
        }
        if self.has(FINISHED) {
            // Nobody will resume it here any more (a straggler of a dropped
            // scope): hand it to the enclosing scope.
            return self.forward_panic(payload, cause);
        }
        {
            let mut record = self.lock_record();
            if !self.has(FAILED | SETTLED) && record.cause.is_none() {
                record.cause = Some(cause.clone());
            }
            if record.panic.is_none() {
                record.panic = Some((payload, cause));
            }
            self.set(FAILED);
        }
        self.cancel_effects(self.grace.is_none());
    }

    /// Passes a panic that this scope can no longer resume (it was dropped)
    /// to the enclosing scope, which resumes it after its own join.
    fn forward_panic(&self, payload: Payload, cause: Cause) {
        match &self.parent {
            Some(parent) => parent.record_panic(payload, cause),
            // Nobody left to resume it: reported through `tracing` (with the
            // feature), the library prints nothing.
            None => trace::panic_lost(&self.info, &cause),
        }
    }

    /// `errors = all`: records the body's error (no task).
    pub(crate) fn collect(&self, error: Payload) {
        self.lock_record().all.push((error, None));
    }

    /// `errors = all`: every error recorded, in order.
    pub(crate) fn take_collected(&self) -> Vec<(Payload, Option<TaskInfo>)> {
        std::mem::take(&mut self.lock_record().all)
    }

    /// A handle dropped before its task finished: the runner takes it; if
    /// this scope was dropped (no runner any more), the enclosing scope's
    /// runner does.
    pub(crate) fn adopt(&self, future: Pin<Box<dyn Future<Output = ()> + Send>>, task: TaskInfo) {
        if self.has(FINISHED) {
            if let Some(parent) = &self.parent {
                parent.adopt(future, task);
            }
            return;
        }
        lock(&self.orphans).push((future, task));
        self.set(ORPHANS);
        self.wake_runner.notify_one();
    }

    /// The adopted handles, taken out to be polled (outside the lock: a
    /// value's `Drop` is user code); the pending ones go back with
    /// [`Shared::keep_orphans`], so that a dropped runner leaves none
    /// behind (they go to the enclosing scope at release).
    pub(crate) fn take_orphans(&self) -> Vec<Orphan> {
        if !self.has(ORPHANS) {
            return Vec::new();
        }
        let mut orphans = lock(&self.orphans);
        self.state.fetch_and(!ORPHANS, SeqCst);
        std::mem::take(&mut *orphans)
    }

    /// Puts back the adopted handles still pending.
    pub(crate) fn keep_orphans(&self, pending: &mut Vec<Orphan>) {
        if pending.is_empty() {
            return;
        }
        let mut orphans = lock(&self.orphans);
        orphans.append(pending);
        self.set(ORPHANS);
    }

    /// No adopted handle is waiting.
    pub(crate) fn no_orphans(&self) -> bool {
        !self.has(ORPHANS)
    }

    pub(crate) fn take_panic(&self) -> Option<(Payload, Cause)> {
        self.lock_record().panic.take()
    }

    pub(crate) fn take_error(&self) -> Option<Payload> {
        self.lock_record().error.take()
    }

    // ----------------------------------------------------------------------
    // Cancellation.

    /// The scope's own decision to stop (`cancel!()`, a drain, `first_ok`'s
    /// winner): later errors are dropped, the body goes on.
    pub(crate) fn cancel(&self, cause: Cause) {
        {
            let mut record = self.lock_record();
            if record.cause.is_none() {
                record.cause = Some(cause);
            }
            self.set(SETTLED);
        }
        self.cancel_effects(self.grace.is_none());
    }

    /// The scope's future is being dropped: cancelled as
    /// [`Cause::Dropped`] (unless an enclosing scope's cancellation is what
    /// reaches it, reported as [`Cause::Parent`]), and aborted at once:
    /// drop cannot wait out a grace period.
    pub(crate) fn cancel_on_drop(&self) {
        {
            let mut record = self.lock_record();
            let from_above = self.has(SIGNALLED) && record.cause.is_none();
            if record.cause.is_none() && !from_above {
                record.cause = Some(Cause::Dropped(self.info.clone()));
            }
            self.set(SETTLED | DROPPED);
        }
        self.cancel_effects(true);
        if self.ordered {
            // Dropped: no turns, every child now (also when an ordered
            // abort had begun).
            self.abort_ordered_now();
        }
    }

    /// The signal, then the abort if `abort`; both passed down to nested
    /// scopes.
    fn cancel_effects(&self, abort: bool) {
        self.signal();
        if abort {
            self.abort();
        }
    }

    /// The first phase: flag set, limit closed, token cancelled, nested
    /// scopes signalled, runner woken. Idempotent.
    fn signal(&self) {
        if self.set(SIGNALLED) & SIGNALLED != 0 {
            return;
        }
        let _ = self.signalled_at.set(Instant::now());
        if let Some(cause) = self.cause() {
            trace::cancelled(&self.span, &cause);
        }
        if let Some(limit) = &self.limit {
            // Wakes a body waiting in `spawn!` for a slot: it gets no slot.
            limit.close();
        }
        // Nested scopes first: their tokens are children of this one's, so
        // code below that sees its token cancelled must also see its
        // scope signalled (`is_cancelled()`, `cause()`).
        for nested in self.nested_scopes() {
            // An enclosing scope's signal is not a failure here: the
            // nested scope's own first failure is still recorded.
            nested.signal();
        }
        fence(SeqCst);
        if let Some(token) = self.token.get() {
            token.cancel();
        }
        // `stop = reverse`: the last started child's turn (the next turns
        // follow as each is gone; no runner needed, a leaked scope too).
        self.step_ordered();
        self.wake_runner.notify_one();
    }

    /// The second phase (after the signal, which it gives if nobody did):
    /// children still running are dropped at their next poll (parked ones
    /// are woken for it); nested scopes abort too. Idempotent.
    pub(crate) fn abort(&self) {
        self.signal();
        if self.set(ABORTING) & ABORTING != 0 {
            return;
        }
        self.parked.wake_all();
        self.parked_background.wake_all();
        for nested in self.nested_scopes() {
            nested.abort_from_above();
        }
        self.step_ordered();
        self.wake_runner.notify_one();
    }

    /// An enclosing scope aborts: everything below stops now, an ordered
    /// scope's children too (its order is for its own cancellation).
    fn abort_from_above(&self) {
        self.abort();
        if self.ordered {
            self.abort_ordered_now();
        }
    }

    /// The nested scopes still registered (their signal and abort are
    /// passed on outside the lock).
    fn nested_scopes(&self) -> Vec<Arc<Shared>> {
        lock(&self.nested)
            .iter()
            .filter_map(|(_, nested)| nested.upgrade())
            .collect()
    }

    /// The scope's token, created on first use as a child of the enclosing
    /// scope's. `signal` and `release` cancel it if it exists; one created
    /// after either (they set their bit, fence, then look) sees the bit
    /// here, after its own fence, and is cancelled at once.
    pub(crate) fn token(&self) -> &CancellationToken {
        let token = self.token.get_or_init(|| match &self.parent {
            // A child's task scope in an ordered scope is cancelled at its
            // turn, not with the scope's token.
            Some(parent) if !(self.transparent && parent.ordered) => parent.token().child_token(),
            _ => CancellationToken::new(),
        });
        fence(SeqCst);
        if self.has(SIGNALLED | FINISHED) {
            token.cancel();
        }
        token
    }

    // ----------------------------------------------------------------------
    // Counting and the join.

    /// Called when a child is spawned; a nested scope's first live child
    /// makes it count in its parent.
    pub(crate) fn task_started(&self) {
        if self.tasks.fetch_add(1, SeqCst) == 0 {
            if let Some(parent) = &self.parent {
                parent.task_started();
            }
        }
    }

    /// Called when a child's future is gone (finished, failed or aborted),
    /// or a nested scope's last child is.
    pub(crate) fn task_stopped(&self) {
        if self.tasks.fetch_sub(1, SeqCst) != 1 {
            return;
        }
        // The last one: the join is complete if the runner is joining. The
        // fence pairs with the one in `start_join` (store-buffering: one
        // side sees the other).
        fence(SeqCst);
        let bits = self.bits();
        if bits & JOINING != 0 {
            self.wake_runner.notify_one();
        }
        if bits & FINISHED != 0 {
            self.gone();
        }
        if let Some(parent) = &self.parent {
            parent.task_stopped();
        }
    }

    /// The body is done (returned, failed or was dropped): background
    /// children are cancelled rather than awaited.
    pub(crate) fn stop_background(&self) {
        self.set(BODY_DONE);
        self.parked_background.wake_all();
    }

    /// The runner starts joining: true if no child is left. Otherwise the
    /// last child to stop sees `JOINING` and wakes the runner.
    pub(crate) fn start_join(&self) -> bool {
        self.set(JOINING);
        fence(SeqCst);
        self.children() == 0
    }

    /// Children still counted (nested scopes with children count as one).
    pub(crate) fn children(&self) -> usize {
        self.tasks.load(SeqCst)
    }

    /// Releases the scope: the runner has joined, or the scope's future
    /// was dropped. Idempotent.
    pub(crate) fn release(&self) {
        if self.set(FINISHED) & FINISHED != 0 {
            return;
        }
        // Like Go's context after `Wait`: tokens handed out are cancelled.
        fence(SeqCst);
        if let Some(token) = self.token.get() {
            token.cancel();
        }
        // Handles this scope's runner did not get to (its future was
        // dropped): the enclosing scope's runner awaits them.
        for (future, task) in self.take_orphans() {
            if let Some(parent) = &self.parent {
                parent.adopt(future, task);
            }
        }
        if let Some(parent) = &self.parent {
            let key = self.nested_key.swap(usize::MAX, SeqCst);
            if key != usize::MAX {
                let mut nested = lock(&parent.nested);
                if nested.contains(key) {
                    drop(nested.remove(key));
                }
            }
        }
        if self.tasks.load(SeqCst) == 0 {
            self.gone();
        }
    }

    /// The scope is released and has no child left. Once.
    fn gone(&self) {
        if self.set(GONE) & GONE != 0 {
            return;
        }
        if self.transparent {
            // A child of an ordered scope is gone with all it started: out
            // of the list, and the next one's turn.
            if let Some(parent) = &self.parent {
                lock(&parent.ordered_children).remove(self.ordered_key.load(SeqCst));
                parent.step_ordered();
            }
        }
        let key = self.registry_key.swap(usize::MAX, SeqCst);
        if key != usize::MAX {
            REGISTRY.leave(key);
        }
        if let Some((payload, cause)) = self.take_panic() {
            // Recorded by a straggler after the scope's future was dropped.
            self.forward_panic(payload, cause);
        }
    }
}

/// An ordered scope's task scopes in start order; a gone one leaves a
/// hole, and the list is compacted when holes outnumber the live ones, so
/// it stays proportional to the live children, and each turn is O(1)
/// amortised.
#[derive(Default)]
struct OrderedChildren {
    list: Vec<Option<Arc<Shared>>>,
    live: usize,
}

impl OrderedChildren {
    fn push(&mut self, own: &Arc<Shared>) {
        own.ordered_key.store(self.list.len(), SeqCst);
        self.list.push(Some(own.clone()));
        self.live += 1;
    }

    fn remove(&mut self, key: usize) {
        if let Some(slot) = self.list.get_mut(key) {
            if slot.take().is_some() {
                self.live -= 1;
            }
        }
        while matches!(self.list.last(), Some(None)) {
            self.list.pop();
        }
        if self.list.len() > 32 && self.live * 2 < self.list.len() {
            self.list.retain(Option::is_some);
            for (key, own) in self.list.iter().enumerate() {
                if let Some(own) = own {
                    own.ordered_key.store(key, SeqCst);
                }
            }
        }
    }

    /// The last started child still there.
    fn last(&self) -> Option<Arc<Shared>> {
        self.list.iter().rev().find_map(Clone::clone)
    }

    fn all(&self) -> Vec<Arc<Shared>> {
        self.list.iter().flatten().cloned().collect()
    }
}

/// Never panics, even if a thread panicked while holding the lock: the
/// data guarded here is consistent at every step.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
