//! The scope itself: [`Scope`], the hidden handle a `#[nursery]` body or a
//! `scope!` block talks to through `spawn!`, `try_spawn!` and `cancel!`;
//! how it opens, hands out slots, starts a counted child, and is dropped.
//!
//! This layer builds on `core/` (the lifecycle) and `policy/` (time
//! limits, error conversion, `errors = all`); the kinds of task above it
//! (`kinds/`) start their children through [`Scope::start`].
//!
//! | file | holds |
//! |---|---|
//! | `mod.rs` | [`Scope`], [`Slot`], [`Spawn`] (how `spawn!` & co. start a child) |
//! | `options.rs` | [`Options`](options::Options) of a scope, `IntoLimit` |
//! | `child.rs` | [`ChildGuard`]: what a running child holds of its scope |
//! | `handle.rs` | `TaskHandle`, and what awaiting a task without a value does |
//! | `run.rs` | the runner: drives the body, joins every child ([`run::drive`]) |
//! | `returns.rs` | what a scope returns: `Fallible` (`Result`, `Errors`) or `Plain` |
//!
//! May import: `core/`, `policy/`, and files of this folder.

pub(crate) mod child;
pub(crate) mod handle;
pub(crate) mod options;
pub(crate) mod returns;
pub(crate) mod run;

use std::future::Future;
use std::marker::PhantomData;
use std::panic::Location;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::core::ambient;
use crate::core::cause::{Cause, ScopeInfo, TaskInfo};
use crate::core::records::{RestartStats, RestartsSeen, TaskKind};
use crate::core::state::{Fate, Shared, Unwound};
use crate::policy::deadline::{DeadlineError, IntoTimeout};
use crate::scope::child::ChildGuard;
use crate::scope::handle::TaskHandle;
use crate::scope::options::Options;

/// The scope a `#[nursery]` fn or `scope!` block opens. User code never
/// names it: the macros keep it in a hygienic local and reach it through
/// `spawn!` & co.
///
/// `E` is the scope's error type (`Infallible` for a scope whose body does
/// not return a `Result`).
#[doc(hidden)]
pub struct Scope<E> {
    pub(crate) shared: Arc<Shared>,
    /// This scope's own `timeout`: when it passes and how long it was.
    pub(crate) timeout: Option<(Instant, Duration)>,
    _error: PhantomData<fn() -> E>,
}

/// A permission to start a child: a free slot, a permit of the concurrency
/// limit, or a refusal because the scope is cancelled.
#[doc(hidden)]
pub enum Slot {
    Free,
    Permit(OwnedSemaphorePermit),
    Refused,
}

impl<E> Scope<E> {
    /// Opens a scope inside the current one (if any).
    ///
    /// # Panics
    /// If the limit is 0: no task could ever start.
    pub fn open(options: Options) -> Self {
        let Options {
            location,
            name,
            limit,
            timeout,
            grace,
            collect_all,
            stop_in_reverse,
            context,
        } = options;
        let info = ScopeInfo::new(name, location);
        let limit = limit.map(|limit| {
            assert!(
                limit > 0,
                "taskgroup: `limit = 0` for the {info}: no task could ever start; \
                 the limit must be at least 1 (or `None` for no limit)"
            );
            Arc::new(Semaphore::new(limit.min(Semaphore::MAX_PERMITS)))
        });
        let timeout = timeout.map(|after| (Instant::now() + after, after));
        let deadline = timeout.map(|(at, _)| at);
        let mut shared = Shared::new(
            info,
            ambient::current(),
            limit,
            deadline,
            grace,
            collect_all,
        );
        if stop_in_reverse {
            shared = shared.stop_in_reverse();
        }
        if !context.is_empty() {
            shared = shared.with_context(|parent| crate::core::context::with(parent, &context));
        }
        let scope = Scope {
            shared: Arc::new(shared),
            timeout,
            _error: PhantomData,
        };
        scope.shared.register();
        scope
    }

    /// `spawn!` without a limit: starts at once unless cancelled.
    pub fn __slot_now(&self) -> Slot {
        if self.shared.is_cancelled() {
            Slot::Refused
        } else {
            Slot::Free
        }
    }

    /// The workers of `pool` and the attempts of `first_ok`: a call's own
    /// work, started unless the scope aborts. A drain's signal does not
    /// refuse them (the call would have no way to say so but a panic); an
    /// abort drops them at their first poll anyway.
    pub(crate) fn slot_for_own_work(&self) -> Slot {
        if self.shared.is_aborting() {
            Slot::Refused
        } else {
            Slot::Free
        }
    }

    /// `pool` and `first_ok` in a scope that aborts (after `cancel!()`
    /// without `grace`, or once the grace period is over) have no way to
    /// return a result. Like a handle awaited in vain: when a failure
    /// dooms the calling code anyway (here, or an enclosing scope that
    /// fails and aborts: on a multi-thread runtime the body can be mid-poll
    /// when that is decided), it unwinds silently as a cancellation;
    /// otherwise (`cancel!()`) it panics with the cause.
    ///
    /// # Panics
    /// If the scope (or an enclosing one) aborts its children and the
    /// calling code would go on.
    pub(crate) fn refuse_own_work_if_aborting(&self, what: &str) {
        if self.shared.is_aborting() {
            if let Fate::Doomed = self.shared.body_fate() {
                std::panic::resume_unwind(Box::new(Unwound::Cancelled));
            }
            let cause = self.shared.cause().map(|cause| cause.to_string());
            panic!(
                "taskgroup: `{what}` called at {} in a scope that is cancelled ({}): its tasks \
                 cannot start, so it has no result",
                self.shared.info.location(),
                cause.as_deref().unwrap_or("cancelled")
            );
        }
    }

    /// `spawn!` with a limit: waits for a free slot (backpressure). A
    /// cancelled scope closes the limit, which ends the wait with a refusal.
    pub fn __slot_wait(&self) -> impl Future<Output = Slot> + Send + 'static {
        let limit = self.shared.limit.clone();
        let cancelled = self.shared.is_cancelled();
        async move {
            match limit {
                _ if cancelled => Slot::Refused,
                None => Slot::Free,
                Some(limit) => match limit.acquire_owned().await {
                    Ok(permit) => Slot::Permit(permit),
                    Err(_closed) => Slot::Refused,
                },
            }
        }
    }

    /// `try_spawn!`: a slot if one is free right now.
    pub fn __slot_try(&self) -> Option<Slot> {
        if self.shared.is_cancelled() {
            return None;
        }
        match &self.shared.limit {
            None => Some(Slot::Free),
            Some(limit) => limit.clone().try_acquire_owned().ok().map(Slot::Permit),
        }
    }

    /// `cancel!()`.
    pub fn __cancel(&self, at: &'static Location<'static>) {
        self.shared.cancel(Cause::Cancelled { at });
    }

    /// Starts a child: counts it, then `launch` hands the guard and the
    /// task's identity to tokio (a task, or a blocking-pool thread).
    pub(crate) fn start<T: Send + 'static>(
        &self,
        spawn: Spawn,
        blocking: bool,
        launch: impl FnOnce(ChildGuard, TaskInfo, Option<Duration>) -> JoinHandle<Option<T>>,
    ) -> TaskHandle<'_, T> {
        let Spawn {
            slot,
            name,
            location,
            background,
            timeout,
            restarts,
        } = spawn;
        let info = TaskInfo::new(name, location);
        let permit = match slot {
            Slot::Free => None,
            Slot::Permit(permit) => Some(permit),
            Slot::Refused => return TaskHandle::refused(&self.shared, info),
        };
        self.shared.task_started();
        let listed = self.shared.recorded.as_ref().map(|recorded| {
            let kind = match (blocking, background) {
                (true, _) => TaskKind::Blocking,
                (false, true) => TaskKind::Background,
                (false, false) => TaskKind::Task,
            };
            recorded.tasks.add(&info, kind, restarts)
        });
        // `stop = reverse`, or a `grace`: the child gets its task scope,
        // stopped at its turn, or signalled alone by its handle's `cancel()`.
        let own = (self.shared.ordered || self.shared.grace.is_some())
            .then(|| self.shared.task_scope(&info));
        let guard = ChildGuard::new(self.shared.clone(), permit, background, listed, own.clone());
        let join = launch(guard, info.clone(), timeout);
        TaskHandle::started(&self.shared, info, join, blocking, own)
    }
}

/// How `spawn!` & co. start a child (its slot, name, location, and
/// options); built by the macros, which name it `__private::Start`.
#[doc(hidden)]
pub struct Spawn {
    slot: Slot,
    name: Option<Arc<str>>,
    location: &'static Location<'static>,
    background: bool,
    timeout: Option<Duration>,
    /// A supervised child's restarts, for the dump.
    restarts: Option<Arc<RestartStats>>,
}

impl Spawn {
    pub fn new(slot: Slot, name: Option<Arc<str>>, location: &'static Location<'static>) -> Self {
        Spawn {
            slot,
            name,
            location,
            background: false,
            timeout: None,
            restarts: None,
        }
    }

    /// `spawn!(restart = …)`: the dump shows the child's restarts.
    pub fn restarts(mut self, seen: &RestartsSeen) -> Self {
        self.restarts = Some(seen.0.clone());
        self
    }

    /// The slot, the task's identity and its `timeout` (`spawn_scoped!`,
    /// which starts no tokio task).
    pub(crate) fn into_parts(self) -> (Slot, TaskInfo, Option<Duration>) {
        (
            self.slot,
            TaskInfo::new(self.name, self.location),
            self.timeout,
        )
    }

    /// `spawn!(timeout = d, …)`: the task's own time limit, counted from
    /// its first poll.
    pub fn timeout(mut self, timeout: impl IntoTimeout) -> Self {
        self.timeout = timeout.into_timeout();
        self
    }

    /// `spawn_background!`: cancelled, not awaited, once the body is done.
    pub fn background(mut self) -> Self {
        self.background = true;
        self
    }
}

impl<E> Drop for Scope<E> {
    /// The scope's future was dropped before it finished: every child is
    /// cancelled at once. Drop cannot wait; the children stop at their next
    /// poll and stay counted until then.
    fn drop(&mut self) {
        if !self.shared.is_finished() {
            self.shared.cancel_on_drop();
        }
        self.shared.release();
    }
}

/// The check the macros write next to every `timeout` (a scope's or a
/// task's): the scope's error type is a [`DeadlineError`]. It also tells
/// the scope how to build that error.
pub fn deadline_error<E: DeadlineError>(
    // (One parameter per line: a compiler note quotes only the first line.)
    scope: &Scope<E>,
) {
    let _ = scope.shared.deadline_error.set(E::elapsed);
}
