//! `Scope`: the hidden handle a `#[nursery]` body or a `scope!` block talks
//! to through `spawn!`, `try_spawn!` and `cancel!`.

use std::future::Future;
use std::marker::PhantomData;
use std::panic::Location;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::ambient;
use crate::bounds::{Convert, Same};
use crate::cause::{Cause, ScopeInfo, TaskInfo};
use crate::child::{Child, ChildGuard};
use crate::deadline::{DeadlineError, IntoTimeout};
use crate::handle::TaskHandle;
use crate::listing::TaskKind;
use crate::options::Options;
use crate::state::{Fate, Shared, Unwound};

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
        let scope = Scope {
            shared: Arc::new(
                Shared::new(
                    info,
                    ambient::current(),
                    limit,
                    deadline,
                    grace,
                    collect_all,
                )
                .opened_in_blocking_closure(ambient::in_blocking_closure()),
            ),
            timeout,
            _error: PhantomData,
        };
        scope.shared.register();
        scope
    }

    /// See [`crate::deadline::deadline_error`].
    pub(crate) fn install_deadline_error(&self)
    where
        E: DeadlineError,
    {
        let _ = self.shared.deadline_error.set(E::elapsed);
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
        start: Start,
        blocking: bool,
        launch: impl FnOnce(ChildGuard, TaskInfo, Option<Duration>) -> JoinHandle<Option<T>>,
    ) -> TaskHandle<'_, T> {
        let Start {
            slot,
            name,
            location,
            background,
            timeout,
        } = start;
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
            recorded.tasks.add(&info, kind)
        });
        let guard = ChildGuard::new(self.shared.clone(), permit, background, listed);
        let join = launch(guard, info.clone(), timeout);
        TaskHandle::started(&self.shared, info, join)
    }

    /// A parallel child (a tokio task) whose output `finish` maps.
    fn spawn_task<F, T>(
        &self,
        start: Start,
        future: F,
        finish: impl FnOnce(F::Output, &Shared, &TaskInfo) -> Option<T> + Send + 'static,
    ) -> TaskHandle<'_, T>
    where
        F: Future + Send + 'static,
        T: Send + 'static,
    {
        self.start(start, false, |guard, info, timeout| {
            tokio::spawn(Child::new(guard, info, timeout, future, finish))
        })
    }

    /// A child whose output is the handle's value.
    pub(crate) fn spawn_value<F>(&self, start: Start, future: F) -> TaskHandle<'_, F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.spawn_task(start, future, finish_value)
    }

    /// A child returning `Result<U, E2>`: `Ok(u)` is the handle's value,
    /// `Err(e2)` fails the scope with `convert(e2)`.
    pub(crate) fn spawn_result<C, F, U, E2>(&self, start: Start, future: F) -> TaskHandle<'_, U>
    where
        C: Convert<E2, E>,
        F: Future<Output = Result<U, E2>> + Send + 'static,
        U: Send + 'static,
        E: Send + 'static,
    {
        self.spawn_task(start, future, |output, shared, task| {
            finish_result::<C, E, U, E2>(output, shared, task)
        })
    }
}

impl<E: Send + 'static> Scope<E> {
    /// A child failing with the scope's own error type (the pool's
    /// workers, `first_ok`'s attempts).
    pub(crate) fn spawn_result_same<F, U>(&self, start: Start, future: F) -> TaskHandle<'_, U>
    where
        F: Future<Output = Result<U, E>> + Send + 'static,
        U: Send + 'static,
    {
        self.spawn_result::<Same, F, U, E>(start, future)
    }
}

/// How `spawn!` & co. start a child; built by the macros.
#[doc(hidden)]
pub struct Start {
    slot: Slot,
    name: Option<Arc<str>>,
    location: &'static Location<'static>,
    background: bool,
    timeout: Option<Duration>,
}

impl Start {
    pub fn new(slot: Slot, name: Option<Arc<str>>, location: &'static Location<'static>) -> Self {
        Start {
            slot,
            name,
            location,
            background: false,
            timeout: None,
        }
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

/// The handle's value is the child's output.
pub(crate) fn finish_value<T>(output: T, _: &Shared, _: &TaskInfo) -> Option<T> {
    Some(output)
}

/// `Ok(u)` is the handle's value; `Err(e2)` fails the scope with
/// `C::convert(e2)` (`From`, or the identity for an inline block).
pub(crate) fn finish_result<C, E, U, E2>(
    output: Result<U, E2>,
    shared: &Shared,
    task: &TaskInfo,
) -> Option<U>
where
    C: Convert<E2, E>,
    E: Send + 'static,
{
    match output {
        Ok(value) => Some(value),
        Err(error) => {
            shared.fail_with_error(task, error, |error| Box::new(C::convert(error)));
            None
        }
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
