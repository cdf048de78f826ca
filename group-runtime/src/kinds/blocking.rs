//! `spawn_blocking!`: a closure on tokio's blocking pool, as a child of the
//! scope. It cannot be aborted: when the scope is cancelled it is asked to
//! stop (`taskgroup::is_cancelled()` turns `true` inside it) and the scope
//! waits for it; a closure still queued when the scope is cancelled never
//! starts. Its handle's `cancel()` is the same, for this closure only: a
//! signal it reads with `is_cancelled()` (and `cause()`), and what it
//! returns after that is dropped (not a failure); queued, it never starts.

use crate::core::ambient;
use crate::core::cause::{Cause, TaskInfo};
use crate::core::state::{Shared, Who};
use crate::core::trace::{self, TaskEnd};
use crate::kinds::output::finish_output;
use crate::scope::child::ChildGuard;
use crate::scope::handle::TaskHandle;
use crate::scope::{Scope, Spawn};

/// What runs on the blocking-pool thread.
fn run<F, R, T>(
    mut guard: ChildGuard,
    task: TaskInfo,
    f: F,
    finish: impl FnOnce(R, &Shared, &TaskInfo) -> Option<T>,
) -> Option<T>
where
    F: FnOnce() -> R,
{
    let span = trace::task_span(&guard.shared().span, &task);
    let by_handle = guard.shared().is_cancelled_by_handle(task.id());
    // (In an ordered scope, its own turn.)
    let cancelled = match guard.own() {
        Some(own) => own.is_cancelled(),
        None => guard.shared().is_cancelled(),
    };
    if cancelled || by_handle {
        // Never started: the closure (and what it captured) is dropped
        // here, in scope (seeing why), a panic of its `Drop` recorded.
        let dropped = if by_handle {
            let cause = Cause::CancelledByHandle(task.clone());
            guard.in_scope(|| ambient::with_task_cause(cause, || drop(f)))
        } else {
            guard.in_scope(|| drop(f))
        };
        if let Err(payload) = dropped {
            guard.shared().fail_with_panic(payload, Who::Task(&task));
        }
        guard.shared().take_cancelled_by_handle(task.id());
        trace::task_ended(&span, TaskEnd::Cancelled, None);
        return None;
    }
    let ran = guard.in_scope(|| {
        ambient::blocking_closure(|| ambient::blocking_task(&task, || trace::in_span(&span, f)))
    });
    match ran {
        Ok(output)
            if guard.shared().take_cancelled_by_handle(task.id())
                || guard.own().is_some_and(|own| own.cancelled_by_its_handle()) =>
        {
            // Cancelled through its handle while it ran: what it returns
            // (an `Err` too) is nobody's; dropped in scope, a panic of its
            // `Drop` recorded.
            let cause = Cause::CancelledByHandle(task.clone());
            if let Err(payload) =
                guard.in_scope(|| ambient::with_task_cause(cause, || drop(output)))
            {
                guard.shared().fail_with_panic(payload, Who::Task(&task));
            }
            trace::task_ended(&span, TaskEnd::Cancelled, None);
            None
        }
        Ok(output) => {
            let value = finish_output(finish, output, guard.shared(), &task);
            trace::task_ended(&span, TaskEnd::of(&value), None);
            value
        }
        Err(payload) => {
            trace::task_ended(&span, TaskEnd::Panicked, Some(&payload));
            guard.shared().fail_with_panic(payload, Who::Task(&task));
            None
        }
    }
}

/// Starts `f` on the blocking pool as a child of `scope`; `finish` maps
/// its output (`output.rs`).
pub(crate) fn spawn<E, F, R, T>(
    scope: &Scope<E>,
    spawn: Spawn,
    f: F,
    finish: impl FnOnce(R, &Shared, &TaskInfo) -> Option<T> + Send + 'static,
) -> TaskHandle<'_, T>
where
    F: FnOnce() -> R + Send + 'static,
    T: Send + 'static,
{
    scope.start(spawn, true, |guard, info, _timeout| {
        tokio::task::spawn_blocking(move || run(guard, info, f, finish))
    })
}
