//! `spawn!` dispatch on the child's output type, at compile time, by autoref
//! specialisation:
//!
//! * a child returning `Result<U, E2>` fails the scope with its `Err`
//!   (`E: From<E2>`) and its handle yields `U`;
//! * any other child's handle yields its value.
//!
//! An `async` block written inline in `spawn!` takes the scope's error type
//! as its own (`__tg_spawn_block`), so `?` inside it needs no annotation.

use std::future::Future;
use std::marker::PhantomData;

use crate::bounds::{ParallelTask, Same, SameError, ScopeError, ViaFrom};
use crate::handle::TaskHandle;
use crate::scope::{Scope, Start};

/// Names the child future's type `F` for dispatch.
#[doc(hidden)]
pub struct TaskProbe<F>(PhantomData<fn() -> F>);

#[doc(hidden)]
pub fn task_probe<F>(_future: &F) -> TaskProbe<F> {
    TaskProbe(PhantomData)
}

/// Picked when the child returns a `Result`.
#[doc(hidden)]
pub trait SpawnResult<F, U, E2> {
    fn __tg_spawn<'s, E>(&self, scope: &'s Scope<E>, start: Start, future: F) -> TaskHandle<'s, U>
    where
        F: Future<Output = Result<U, E2>> + Send + 'static,
        U: Send + 'static,
        E: ScopeError<E2> + 'static,
        E: Send, // the scope's error crosses threads: `Box<dyn Error + Send + Sync>`, not `Box<dyn Error>`
    {
        scope.spawn_result::<ViaFrom, F, U, E2>(start, future)
    }

    /// An inline `async` block: its error type is the scope's.
    fn __tg_spawn_block<'s, E>(
        &self,
        scope: &'s Scope<E>,
        start: Start,
        future: F,
    ) -> TaskHandle<'s, U>
    where
        F: Future<Output = Result<U, E2>> + Send + 'static,
        U: Send + 'static,
        E: SameError<E2> + 'static,
        E: Send, // the scope's error crosses threads: `Box<dyn Error + Send + Sync>`, not `Box<dyn Error>`
    {
        scope.spawn_result::<Same, F, U, E2>(start, future)
    }
}
impl<F, U, E2> SpawnResult<F, U, E2> for &&TaskProbe<F> where F: Future<Output = Result<U, E2>> {}

/// Picked for a child returning anything else (and for anything that is not
/// a future at all, so that the only error is the one `parallel` reports).
#[doc(hidden)]
pub trait SpawnValue<F> {
    fn __tg_spawn<'s, E>(
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

    fn __tg_spawn_block<'s, E>(
        &self,
        scope: &'s Scope<E>,
        start: Start,
        future: F,
    ) -> TaskHandle<'s, F::Output>
    where
        F: ParallelTask + Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.__tg_spawn(scope, start, future)
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
