//! `spawn!` dispatch on the child's output type, at compile time, by autoref
//! specialisation:
//!
//! * a child returning `Result<U, E2>` fails the scope with its `Err`
//!   (`E: From<E2>`) and its handle yields `U`;
//! * any other child's handle yields its value.
//!
//! An `async` block written inline in `spawn!` takes the scope's error type
//! as its own (`spawn_inline`), so `?` inside it needs no annotation.

use std::future::Future;
use std::marker::PhantomData;

use crate::bounds::{InlineTaskError, ParallelTask, Same, ScopeError, ViaFrom};
use crate::handle::TaskHandle;
use crate::scope::{Scope, Start};

/// Names the child future's type `F` for dispatch.
#[doc(hidden)]
pub struct TaskProbe<F>(PhantomData<fn() -> F>);

#[doc(hidden)]
pub fn task_probe<F>(_future: &F) -> TaskProbe<F> {
    TaskProbe(PhantomData)
}

/// How `spawn!` (and `try_spawn!`, `spawn_background!`, `start!`) starts a
/// future returning `Result<U, E2>`: its `Err` fails the scope, so the
/// scope's error type `E` must be built from `E2` ([`ScopeError`]) and be
/// `Send`; its handle yields `U`.
///
/// Picked by the macro (implemented for its internal probe type only); not
/// meant to be implemented or called by hand.
///
/// [`ScopeError`]: crate::checks::ScopeError
pub trait SpawnResult<F, U, E2> {
    /// A future passed by name: its error converts with `From`.
    fn spawn_task<'s, E>(&self, scope: &'s Scope<E>, start: Start, future: F) -> TaskHandle<'s, U>
    where
        F: Future<Output = Result<U, E2>> + Send + 'static,
        U: Send + 'static,
        E: ScopeError<E2> + 'static,
        E: Send, // the scope's error crosses threads: `Box<dyn Error + Send + Sync>`, not `Box<dyn Error>`
    {
        scope.spawn_result::<ViaFrom, F, U, E2>(start, future)
    }

    /// An inline `async` block: its error type is the scope's.
    fn spawn_inline<'s, E>(&self, scope: &'s Scope<E>, start: Start, future: F) -> TaskHandle<'s, U>
    where
        F: Future<Output = Result<U, E2>> + Send + 'static,
        U: Send + 'static,
        E: InlineTaskError<E2> + 'static,
        E: Send, // the scope's error crosses threads: `Box<dyn Error + Send + Sync>`, not `Box<dyn Error>`
    {
        scope.spawn_result::<Same, F, U, E2>(start, future)
    }
}
impl<F, U, E2> SpawnResult<F, U, E2> for &&TaskProbe<F> where F: Future<Output = Result<U, E2>> {}

/// How `spawn!` (and `try_spawn!`, `spawn_background!`, `start!`) starts a
/// future returning anything but a `Result`: its handle yields the value.
/// (Also picked for what is not a future at all; the error then comes
/// from [`parallel_task`](crate::checks::parallel_task).)
///
/// Picked by the macro (implemented for its internal probe type only); not
/// meant to be implemented or called by hand.
pub trait SpawnValue<F> {
    /// A future passed by name.
    fn spawn_task<'s, E>(
        &self,
        scope: &'s Scope<E>,
        start: Start,
        future: F,
    ) -> TaskHandle<'s, F::Output>
    where
        F: ParallelTask + Future + Send + 'static,
        F::Output: Send + 'static,
    {
        scope.spawn_value(start, future)
    }

    /// An inline `async` block (same as [`SpawnValue::spawn_task`]).
    fn spawn_inline<'s, E>(
        &self,
        scope: &'s Scope<E>,
        start: Start,
        future: F,
    ) -> TaskHandle<'s, F::Output>
    where
        F: ParallelTask + Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.spawn_task(scope, start, future)
    }
}
impl<F> SpawnValue<F> for &TaskProbe<F> {}

/// An inline `async` block that ends in a `loop` without `break` (a
/// heartbeat, a server loop) has no output type the compiler can see: it
/// gets `Result<(), E>`, `E` the scope's error type, so `?` works inside.
#[doc(hidden)]
pub fn forever<F, E>(_scope: &Scope<E>, future: F) -> F
where
    F: Future<Output = Result<(), E>>,
{
    future
}
