//! What runs inside each spawned tokio task: the user's future, wrapped so
//! that it stops when the scope is cancelled, its panic is caught and
//! recorded, and the scope's count of live children drops only when the
//! future is really gone.
//!
//! This is the per-task hot path, written as a plain struct (no `async fn`
//! state machine, which would hold its arguments twice) so that the task
//! tokio allocates stays small. A child costs one `Arc` clone of its scope
//! (lent to the ambient slot while it is polled, not cloned again), one
//! atomic increment and decrement of the live count, one atomic load of
//! the cancellation flag per poll, and, only if it parks, one registration
//! of its waker with the scope (`parked.rs`).

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use pin_project_lite::pin_project;
use tokio::sync::OwnedSemaphorePermit;

use crate::ambient;
use crate::cause::TaskInfo;
use crate::deadline::TaskTimer;
use crate::parked::{Parked, Registered};
use crate::state::{Shared, Who};
use crate::trace::Outcome;

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
}

impl ChildGuard {
    pub(crate) fn new(
        shared: Arc<Shared>,
        permit: Option<OwnedSemaphorePermit>,
        background: bool,
        listed: Option<usize>,
    ) -> Self {
        ChildGuard {
            shared: Some(shared),
            permit,
            parked: None,
            listed: listed.map(slab_key),
            background,
        }
    }

    /// The scope (or one above it) aborts its children, or this is a
    /// background child and the body is done.
    fn must_stop(&self) -> bool {
        let shared = self.shared();
        shared.is_aborting() || (self.background && shared.background_done())
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

    pub(crate) fn shared(&self) -> &Shared {
        self.shared
            .as_deref()
            .expect("taskgroup: the scope is back from the ambient slot")
    }

    /// Runs `f` with this child's scope as the ambient scope, catching a
    /// panic.
    pub(crate) fn in_scope<R>(&mut self, f: impl FnOnce() -> R) -> std::thread::Result<R> {
        catch_unwind(AssertUnwindSafe(|| ambient::enter(&mut self.shared, f)))
    }
}

impl ChildGuard {
    fn release_all_but_count(&mut self) {
        drop(self.permit.take());
        if let Some(key) = self.parked.take() {
            self.parked_set().remove(key as usize);
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
        if let Some(shared) = self.shared.take() {
            shared.task_stopped();
        }
    }
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
        span: crate::trace::Span,
        guard: ChildGuard,
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
        let span = crate::trace::task_span(&guard.shared().span, &task);
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

/// Maps a finished child's output to the handle's value, recording a
/// failure in the scope (`None`). `finish` runs the user's `From`
/// conversion: its panic is the task's panic, never lost.
pub(crate) fn finish_output<O, T>(
    finish: impl FnOnce(O, &Shared, &TaskInfo) -> Option<T>,
    output: O,
    shared: &Shared,
    task: &TaskInfo,
) -> Option<T> {
    match catch_unwind(AssertUnwindSafe(|| finish(output, shared, task))) {
        Ok(value) => value,
        Err(payload) => {
            shared.fail_with_panic(payload, Who::Task(task));
            None
        }
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
            crate::trace::task_ended(span, Outcome::Cancelled, None);
            return Poll::Ready(None);
        }
        let polled = guard.in_scope(|| {
            crate::trace::in_span(span, || {
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
            Ok(Some(Poll::Ready(output))) => {
                let finish = this
                    .finish
                    .take()
                    .expect("taskgroup: a child finishes once");
                let value = finish_output(finish, output, guard.shared(), task);
                crate::trace::task_ended(span, Outcome::of(&value), None);
                Poll::Ready(value)
            }
            Ok(Some(Poll::Pending)) => {
                if let Some(timer) = this.timer.as_mut() {
                    if timer.as_mut().expired(cx) {
                        guard.shared().task_timed_out(task, timer.after());
                        discard(future, guard, task);
                        crate::trace::task_ended(span, Outcome::Failed, None);
                        return Poll::Ready(None);
                    }
                }
                // The task's waker is the same at every poll (the child is
                // the root future of its tokio task): registered once.
                if guard.parked.is_none() {
                    match guard.parked_set().register(cx.waker()) {
                        Registered::Key(key) => guard.parked = Some(slab_key(key)),
                        Registered::Closed => {
                            discard(future, guard, task);
                            crate::trace::task_ended(span, Outcome::Cancelled, None);
                            return Poll::Ready(None);
                        }
                    }
                }
                Poll::Pending
            }
            Err(payload) => {
                discard(future, guard, task);
                crate::trace::task_ended(span, Outcome::Panicked, Some(&payload));
                guard.shared().fail_with_panic(payload, Who::Task(task));
                Poll::Ready(None)
            }
        }
    }
}
