//! `spawn!`, `try_spawn!`, `spawn_background!` (and the task behind
//! `start!`): a parallel child on tokio, and what runs inside its task:
//! the user's future, wrapped so that it stops when the scope is
//! cancelled, its panic is caught and recorded, and the scope's count of
//! live children drops only when the future is really gone.
//!
//! This is the per-task hot path, written as a plain struct (no `async fn`
//! state machine, which would hold its arguments twice) so that the task
//! tokio allocates stays small. Besides what its [`ChildGuard`] costs, a
//! child loads the cancellation flag once per poll.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use pin_project_lite::pin_project;

use crate::core::ambient;
use crate::core::cause::{Cause, TaskInfo};
use crate::core::state::{Shared, Who};
use crate::core::trace::{self, TaskEnd};
use crate::kinds::output::{finish_output, finish_result, finish_value};
use crate::policy::deadline::TaskTimer;
use crate::policy::task_bounds::{Convert, Same};
use crate::scope::child::ChildGuard;
use crate::scope::handle::TaskHandle;
use crate::scope::{Scope, Spawn};

/// A parallel child (a tokio task) whose output `finish` maps.
fn spawn<E, F, T>(
    scope: &Scope<E>,
    spawn: Spawn,
    future: F,
    finish: impl FnOnce(F::Output, &Shared, &TaskInfo) -> Option<T> + Send + 'static,
) -> TaskHandle<'_, T>
where
    F: Future + Send + 'static,
    T: Send + 'static,
{
    scope.start(spawn, false, |guard, info, timeout| {
        tokio::spawn(Child::new(guard, info, timeout, future, finish))
    })
}

/// A child whose output is the handle's value.
pub(crate) fn spawn_value<E, F>(
    scope: &Scope<E>,
    spawn: Spawn,
    future: F,
) -> TaskHandle<'_, F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    self::spawn(scope, spawn, future, finish_value)
}

/// A child returning `Result<U, E2>`: `Ok(u)` is the handle's value,
/// `Err(e2)` fails the scope with `C::convert(e2)`.
pub(crate) fn spawn_result<C, E, F, U, E2>(
    scope: &Scope<E>,
    spawn: Spawn,
    future: F,
) -> TaskHandle<'_, U>
where
    C: Convert<E2, E>,
    F: Future<Output = Result<U, E2>> + Send + 'static,
    U: Send + 'static,
    E: Send + 'static,
{
    self::spawn(scope, spawn, future, |output, shared, task| {
        finish_result::<C, E, U, E2>(output, shared, task)
    })
}

/// A child failing with the scope's own error type (the pool's workers,
/// `first_ok`'s attempts).
pub(crate) fn spawn_result_same<E, F, U>(
    scope: &Scope<E>,
    spawn: Spawn,
    future: F,
) -> TaskHandle<'_, U>
where
    F: Future<Output = Result<U, E>> + Send + 'static,
    U: Send + 'static,
    E: Send + 'static,
{
    spawn_result::<Same, E, F, U, E>(scope, spawn, future)
}

pin_project! {
    /// The future of a child task. `finish` turns the user's output into the
    /// handle's value, recording a failure in the scope (`None`).
    ///
    /// Fields drop in order: the user's future before the guard, so the
    /// scope never counts a child as stopped while its future still exists.
    pub(crate) struct Child<F, Fin> {
        #[pin]
        future: Option<F>,
        finish: Option<Fin>,
        // The task's own `timeout`, if it has one.
        timer: Option<Pin<Box<TaskTimer>>>,
        task: TaskInfo,
        // The task's span (feature `tracing`; zero-sized otherwise).
        span: trace::Span,
        guard: ChildGuard,
    }

    impl<F, Fin> PinnedDrop for Child<F, Fin> {
        /// Dropped before it finished, by tokio: its handle's `cancel()`
        /// aborted it (or the runtime shuts down). The user's future is
        /// dropped in its scope, as on any other path: its `Drop` sees the
        /// cause, and a panic there is recorded.
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if this.future.is_none() {
                // Finished: a `cancel()` that lost the race is forgotten.
                if this.guard.shared().has_handle_cancels() {
                    this.guard.shared().take_cancelled_by_handle(this.task.id());
                }
                return;
            }
            let (future, guard, task) = (this.future, this.guard, &*this.task);
            if guard.shared().take_cancelled_by_handle(task.id()) {
                let cause = Cause::CancelledByHandle(task.clone());
                ambient::with_task_cause(cause, || discard(future, guard, task));
            } else {
                discard(future, guard, task);
            }
            trace::task_ended(this.span, TaskEnd::Cancelled, None);
        }
    }
}

impl<F, Fin> Child<F, Fin> {
    pub(crate) fn new(
        guard: ChildGuard,
        task: TaskInfo,
        timeout: Option<Duration>,
        future: F,
        finish: Fin,
    ) -> Self {
        let span = trace::task_span(&guard.shared().span, &task);
        Child {
            future: Some(future),
            finish: Some(finish),
            timer: timeout.map(|after| Box::pin(TaskTimer::new(after))),
            task,
            span,
            guard,
        }
    }
}

/// Drops the user's future in place, inside the ambient scope (so a `Drop`
/// impl can ask [`crate::cause`] why), recording a panic raised by its
/// `Drop`.
fn discard<F>(future: Pin<&mut Option<F>>, guard: &mut ChildGuard, task: &TaskInfo) {
    let mut future = future;
    if let Err(payload) = guard.in_scope(|| future.set(None)) {
        guard.shared().fail_with_panic(payload, Who::Task(task));
    }
}

impl<F, Fin, T> Future for Child<F, Fin>
where
    F: Future,
    Fin: FnOnce(F::Output, &Shared, &TaskInfo) -> Option<T>,
{
    type Output = Option<T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = self.project();
        let (mut future, guard, task) = (this.future, this.guard, &*this.task);
        // An enclosing scope's abort reaches this scope's flag by itself.
        let span = &*this.span;
        if guard.must_stop() {
            discard(future, guard, task);
            trace::task_ended(span, TaskEnd::Cancelled, None);
            return Poll::Ready(None);
        }
        let polled = guard.in_scope(|| {
            trace::in_span(span, || {
                let running = future.as_mut().as_pin_mut()?;
                let output = running.poll(cx);
                if output.is_ready() {
                    // A finished future is dropped here, still in scope.
                    future.set(None);
                }
                Some(output)
            })
        });
        match polled {
            Ok(None) => Poll::Ready(None),
            Ok(Some(Poll::Ready(output)))
                if guard.own().is_some_and(|own| own.cancelled_by_its_handle()) =>
            {
                // Ended after its handle's `cancel()` (ordered scopes): what
                // it returns (an `Err` too) is nobody's, not a failure;
                // dropped in scope, a panic of its `Drop` recorded.
                if let Err(payload) = guard.in_scope(|| drop(output)) {
                    guard.shared().fail_with_panic(payload, Who::Task(task));
                }
                trace::task_ended(span, TaskEnd::Cancelled, None);
                Poll::Ready(None)
            }
            Ok(Some(Poll::Ready(output))) => {
                let finish = this
                    .finish
                    .take()
                    .expect("taskgroup: a child finishes once");
                let value = finish_output(finish, output, guard.shared(), task);
                trace::task_ended(span, TaskEnd::of(&value), None);
                Poll::Ready(value)
            }
            Ok(Some(Poll::Pending)) => {
                // Ordered scopes only: cancelled through its handle, the
                // scope's grace is over.
                if guard.own().is_some_and(|own| own.handle_grace_over(cx)) {
                    discard(future, guard, task);
                    trace::task_ended(span, TaskEnd::Cancelled, None);
                    return Poll::Ready(None);
                }
                if let Some(timer) = this.timer.as_mut() {
                    if timer.as_mut().expired(cx) {
                        guard.shared().task_timed_out(task, timer.after());
                        discard(future, guard, task);
                        trace::task_ended(span, TaskEnd::Failed, None);
                        return Poll::Ready(None);
                    }
                }
                if !guard.park(cx.waker()) {
                    discard(future, guard, task);
                    trace::task_ended(span, TaskEnd::Cancelled, None);
                    return Poll::Ready(None);
                }
                Poll::Pending
            }
            Err(payload) => {
                discard(future, guard, task);
                trace::task_ended(span, TaskEnd::Panicked, Some(&payload));
                guard.shared().fail_with_panic(payload, Who::Task(task));
                Poll::Ready(None)
            }
        }
    }
}
