//! `spawn_blocking!`: a closure on tokio's blocking pool, as a child of the
//! scope. It cannot be aborted: when the scope is cancelled it is asked to
//! stop (`taskgroup::is_cancelled()` turns `true` inside it) and the scope
//! waits for it; a closure still queued when the scope is cancelled never
//! starts.

use std::marker::PhantomData;

use crate::bounds::{InlineTaskError, Same, ScopeError, ViaFrom};
use crate::cause::TaskInfo;
use crate::child::{finish_output, ChildGuard};
use crate::handle::TaskHandle;
use crate::scope::{finish_result, finish_value, Scope, Start};
use crate::state::{Shared, Who};
use crate::trace::Outcome;

/// A closure `spawn_blocking!` can run on another thread:
/// `FnOnce() -> R + Send + 'static`.
///
/// Implemented for every such closure; see [the module](crate::checks).
#[diagnostic::on_unimplemented(
    message = "`spawn_blocking!` needs a closure it can run on another thread (`FnOnce() -> R + Send + 'static`); `{Self}` is not one",
    label = "not a `FnOnce() + Send + 'static` closure",
    note = "pass a `move` closure: `spawn_blocking!(move || hash(&bytes))`; for async work use `spawn!`"
)]
pub trait BlockingTask {}
impl<F: FnOnce() -> R + Send + 'static, R> BlockingTask for F {}

/// The check `spawn_blocking!` runs on the closure it is given:
/// [`BlockingTask`]. Returns the closure.
///
/// rustc quotes the line of the bound for a missing `Send`: the comment on
/// that line is the advice the user reads.
pub fn blocking_task<F>(f: F) -> F
where
    F: BlockingTask, // runs on another thread: move owned data in (`move ||`), share with `Arc`, no `Rc`/`RefCell`
{
    f
}

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
    let span = crate::trace::task_span(&guard.shared().span, &task);
    if guard.shared().is_cancelled() {
        // Never started: the closure (and what it captured) is dropped
        // here, in scope, a panic of its `Drop` recorded.
        if let Err(payload) = guard.in_scope(|| drop(f)) {
            guard.shared().fail_with_panic(payload, Who::Task(&task));
        }
        crate::trace::task_ended(&span, Outcome::Cancelled, None);
        return None;
    }
    match guard.in_scope(|| crate::ambient::blocking_closure(|| crate::trace::in_span(&span, f))) {
        Ok(output) => {
            let value = finish_output(finish, output, guard.shared(), &task);
            crate::trace::task_ended(&span, Outcome::of(&value), None);
            value
        }
        Err(payload) => {
            crate::trace::task_ended(&span, Outcome::Panicked, Some(&payload));
            guard.shared().fail_with_panic(payload, Who::Task(&task));
            None
        }
    }
}

impl<E> Scope<E> {
    fn spawn_blocking_with<F, R, T>(
        &self,
        start: Start,
        f: F,
        finish: impl FnOnce(R, &Shared, &TaskInfo) -> Option<T> + Send + 'static,
    ) -> TaskHandle<'_, T>
    where
        F: FnOnce() -> R + Send + 'static,
        T: Send + 'static,
    {
        self.start(start, true, |guard, info, _timeout| {
            tokio::task::spawn_blocking(move || run(guard, info, f, finish))
        })
    }
}

/// Names the closure's type `F` for dispatch.
#[doc(hidden)]
pub struct BlockingProbe<F>(PhantomData<fn() -> F>);

#[doc(hidden)]
pub fn blocking_probe<F>(_f: &F) -> BlockingProbe<F> {
    BlockingProbe(PhantomData)
}

/// How `spawn_blocking!` starts a closure returning `Result<U, E2>`: its
/// `Err` fails the scope, so the scope's error type `E` must be built from
/// `E2` ([`ScopeError`]) and be `Send`.
///
/// Picked by the macro (implemented for its internal probe type only); not
/// meant to be implemented or called by hand.
///
/// [`ScopeError`]: crate::checks::ScopeError
pub trait SpawnBlockingResult<F, U, E2> {
    /// A closure passed by name: its error converts with `From`.
    fn spawn_task<'s, E>(&self, scope: &'s Scope<E>, start: Start, f: F) -> TaskHandle<'s, U>
    where
        F: FnOnce() -> Result<U, E2> + Send + 'static,
        U: Send + 'static,
        E: ScopeError<E2> + 'static,
        E: Send, // the scope's error crosses threads: `Box<dyn Error + Send + Sync>`, not `Box<dyn Error>`
    {
        scope.spawn_blocking_with(start, f, |output, shared, task| {
            finish_result::<ViaFrom, E, U, E2>(output, shared, task)
        })
    }

    /// A closure written inline: its error type is the scope's.
    fn spawn_inline<'s, E>(&self, scope: &'s Scope<E>, start: Start, f: F) -> TaskHandle<'s, U>
    where
        F: FnOnce() -> Result<U, E2> + Send + 'static,
        U: Send + 'static,
        E: InlineTaskError<E2> + 'static,
        E: Send, // the scope's error crosses threads: `Box<dyn Error + Send + Sync>`, not `Box<dyn Error>`
    {
        scope.spawn_blocking_with(start, f, |output, shared, task| {
            finish_result::<Same, E, U, E2>(output, shared, task)
        })
    }
}
impl<F, U, E2> SpawnBlockingResult<F, U, E2> for &&BlockingProbe<F> where
    F: FnOnce() -> Result<U, E2>
{
}

/// How `spawn_blocking!` starts a closure returning anything but a
/// `Result`: its handle yields the value.
///
/// Picked by the macro (implemented for its internal probe type only); not
/// meant to be implemented or called by hand.
pub trait SpawnBlockingValue<F> {
    /// A closure passed by name.
    fn spawn_task<'s, E, R>(&self, scope: &'s Scope<E>, start: Start, f: F) -> TaskHandle<'s, R>
    where
        F: BlockingTask + FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        scope.spawn_blocking_with(start, f, finish_value)
    }

    /// A closure written inline (same as [`SpawnBlockingValue::spawn_task`]).
    fn spawn_inline<'s, E, R>(&self, scope: &'s Scope<E>, start: Start, f: F) -> TaskHandle<'s, R>
    where
        F: BlockingTask + FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.spawn_task(scope, start, f)
    }
}
impl<F> SpawnBlockingValue<F> for &BlockingProbe<F> {}
