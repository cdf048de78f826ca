//! Compile-time dispatch on a type, by autoref specialisation: how the
//! macros pick what to do from the type of a child's output (or of a scope
//! body's value) without naming it. Every such choice is made here, in one
//! way.
//!
//! # The technique
//!
//! The macro wraps the value in a *probe*, a zero-sized type that only
//! names the value's type (`TaskProbe<F>` for a child future `F`), and
//! calls a method on `&&&probe`, with both candidate traits in scope
//! (`use …::SpawnResult as _`):
//!
//! ```text
//! (&&&task_probe(&future)).spawn_task(&scope, Start::new(…), future)
//! ```
//!
//! * the *result* trait (`SpawnResult`) is implemented for `&&Probe<F>`,
//!   only when `F` produces a `Result<U, E2>`;
//! * the *value* trait (`SpawnValue`) is implemented for `&Probe<F>`, for
//!   every `F`.
//!
//! The methods take `&self`, so method lookup first tries `Self =
//! &&Probe<F>`: a `Result` picks the result trait there; for anything else
//! it auto-derefs once and finds the value trait on `&Probe<F>`. Both traits have methods of the same names, so the macro's
//! call is the same either way. No trait is ever implemented for a user's
//! type, and the choice costs nothing at run time.
//!
//! The traits' methods carry the bounds a user can miss (`E: From<E2>`,
//! `F: Send`): rustc quotes the line of a failed bound, so each such line
//! is written by hand, with the advice in a comment on it, and the traits
//! are re-exported from [`crate::checks`], whose page explains them. What
//! is the same for every kind (the probe type, its constructor, and the two
//! impls that make the choice) is written once, by [`probe!`](probe).
//!
//! | probe (constructor) | picks between | for |
//! |---|---|---|
//! | `TaskProbe` (`task_probe`) | [`SpawnResult`], [`SpawnValue`] | `spawn!`, `try_spawn!`, `spawn_background!` |
//! | `BlockingProbe` (`blocking_probe`) | [`SpawnBlockingResult`], [`SpawnBlockingValue`] | `spawn_blocking!` |
//! | `ScopedProbe` (`scoped_probe`) | [`ScopedResult`], [`ScopedValue`] | `spawn_scoped!` |
//! | `StartProbe` (`start_probe`) | [`StartResult`], [`StartValue`] | `start!` |
//! | `ModeProbe` (`new`, `of`) | [`ViaFallible`], [`ViaPlain`] | the scope itself: `Fallible` or `Plain` (`scope/returns.rs`) |

use std::future::Future;
use std::marker::PhantomData;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use tokio::sync::oneshot;

use crate::kinds::isolated::IsolatedHandle;
use crate::kinds::output::{finish_result, finish_value};
use crate::kinds::scoped::{ScopedHandle, ScopedSet};
use crate::kinds::start::StartedTask;
use crate::kinds::{blocking, isolated, parallel, scoped};
use crate::policy::task_bounds::{
    BlockingTask, InlineTaskError, ParallelTask, Same, ScopeError, ViaFrom,
};
use crate::scope::handle::TaskHandle;
use crate::scope::returns::{Fallible, Plain};
use crate::scope::run::IntoDriven;
use crate::scope::{Scope, Spawn};

/// Writes a probe: the type that names `F`, the function that makes one
/// from a reference (the value is not moved), and the two impls that make
/// the choice (see [the module](self)): the result trait for `&&Probe<F>`
/// where `F` produces a `Result`, the value trait for `&Probe<F>`.
macro_rules! probe {
    (
        $(#[$doc:meta])*
        $probe:ident, made by $make:ident;
        $result:ident<F, $($g:ident),+> where { $($produces_result:tt)+ };
        $value:ident<F>;
    ) => {
        $(#[$doc])*
        #[doc(hidden)]
        pub struct $probe<F>(PhantomData<fn() -> F>);

        #[doc(hidden)]
        pub fn $make<F>(_: &F) -> $probe<F> {
            $probe(PhantomData)
        }

        impl<F, $($g),+> $result<F, $($g),+> for &&$probe<F> where $($produces_result)+ {}
        impl<F> $value<F> for &$probe<F> {}
    };
}

probe! {
    /// Names the child future's type `F` for `spawn!`, `try_spawn!` and
    /// `spawn_background!`.
    TaskProbe, made by task_probe;
    SpawnResult<F, U, E2> where { F: Future<Output = Result<U, E2>> };
    SpawnValue<F>;
}

probe! {
    /// Names the closure's type `F` for `spawn_blocking!`.
    BlockingProbe, made by blocking_probe;
    SpawnBlockingResult<F, U, E2> where { F: FnOnce() -> Result<U, E2> };
    SpawnBlockingValue<F>;
}

probe! {
    /// Names the child future's type `F` for `spawn_scoped!`.
    ScopedProbe, made by scoped_probe;
    ScopedResult<F, U, E2> where { F: Future<Output = Result<U, E2>> };
    ScopedValue<F>;
}

probe! {
    /// Names the child future's type `F` for `start!`.
    StartProbe, made by start_probe;
    StartResult<F, U, E2> where { F: Future<Output = Result<U, E2>> };
    StartValue<F>;
}

// ---------------------------------------------------------------------------
// `spawn!`, `try_spawn!`, `spawn_background!` (and `start!`'s task).

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
    fn spawn_task<'s, E>(
        // (One parameter per line: a compiler note quotes only the first line.)
        &self,
        scope: &'s Scope<E>,
        spawn: Spawn,
        future: F,
    ) -> TaskHandle<'s, U>
    where
        F: Future<Output = Result<U, E2>> + Send + 'static,
        U: Send + 'static,
        E: ScopeError<E2> + 'static,
        E: Send, // the scope's error crosses threads: `Box<dyn Error + Send + Sync>`, not `Box<dyn Error>`
    {
        parallel::spawn_result::<ViaFrom, E, F, U, E2>(scope, spawn, future)
    }

    /// An inline `async` block: its error type is the scope's.
    fn spawn_inline<'s, E>(
        // (One parameter per line: a compiler note quotes only the first line.)
        &self,
        scope: &'s Scope<E>,
        spawn: Spawn,
        future: F,
    ) -> TaskHandle<'s, U>
    where
        F: Future<Output = Result<U, E2>> + Send + 'static,
        U: Send + 'static,
        E: InlineTaskError<E2> + 'static,
        E: Send, // the scope's error crosses threads: `Box<dyn Error + Send + Sync>`, not `Box<dyn Error>`
    {
        parallel::spawn_result::<Same, E, F, U, E2>(scope, spawn, future)
    }

    /// `spawn!(isolated, async { … })`: the block's error type is the
    /// scope's (so `?` works as in any inline block); its `Err` is the
    /// handle's, not the scope's.
    fn spawn_isolated_inline<'s, E>(
        // (One parameter per line: a compiler note quotes only the first line.)
        &self,
        scope: &'s Scope<E>,
        spawn: Spawn,
        future: F,
    ) -> IsolatedHandle<'s, Result<U, E2>>
    where
        F: Future<Output = Result<U, E2>> + Send + 'static,
        U: Send + 'static,
        E2: Send + 'static,
        E: InlineTaskError<E2>,
    {
        isolated::spawn_isolated(scope, spawn, future)
    }
}

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
        spawn: Spawn,
        future: F,
    ) -> TaskHandle<'s, F::Output>
    where
        F: ParallelTask + Future + Send + 'static,
        F::Output: Send + 'static,
    {
        parallel::spawn_value(scope, spawn, future)
    }

    /// An inline `async` block (same as [`SpawnValue::spawn_task`]).
    fn spawn_inline<'s, E>(
        &self,
        scope: &'s Scope<E>,
        spawn: Spawn,
        future: F,
    ) -> TaskHandle<'s, F::Output>
    where
        F: ParallelTask + Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.spawn_task(scope, spawn, future)
    }

    /// `spawn!(isolated, async { … })` with a plain output.
    fn spawn_isolated_inline<'s, E>(
        &self,
        scope: &'s Scope<E>,
        spawn: Spawn,
        future: F,
    ) -> IsolatedHandle<'s, F::Output>
    where
        F: ParallelTask + Future + Send + 'static,
        F::Output: Send + 'static,
    {
        isolated::spawn_isolated(scope, spawn, future)
    }
}

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

// ---------------------------------------------------------------------------
// `spawn_blocking!`.

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
    fn spawn_task<'s, E>(
        // (One parameter per line: a compiler note quotes only the first line.)
        &self,
        scope: &'s Scope<E>,
        spawn: Spawn,
        f: F,
    ) -> TaskHandle<'s, U>
    where
        F: FnOnce() -> Result<U, E2> + Send + 'static,
        U: Send + 'static,
        E: ScopeError<E2> + 'static,
        E: Send, // the scope's error crosses threads: `Box<dyn Error + Send + Sync>`, not `Box<dyn Error>`
    {
        blocking::spawn(scope, spawn, f, |output, shared, task| {
            finish_result::<ViaFrom, E, U, E2>(output, shared, task)
        })
    }

    /// A closure written inline: its error type is the scope's.
    fn spawn_inline<'s, E>(
        // (One parameter per line: a compiler note quotes only the first line.)
        &self,
        scope: &'s Scope<E>,
        spawn: Spawn,
        f: F,
    ) -> TaskHandle<'s, U>
    where
        F: FnOnce() -> Result<U, E2> + Send + 'static,
        U: Send + 'static,
        E: InlineTaskError<E2> + 'static,
        E: Send, // the scope's error crosses threads: `Box<dyn Error + Send + Sync>`, not `Box<dyn Error>`
    {
        blocking::spawn(scope, spawn, f, |output, shared, task| {
            finish_result::<Same, E, U, E2>(output, shared, task)
        })
    }
}

/// How `spawn_blocking!` starts a closure returning anything but a
/// `Result`: its handle yields the value.
///
/// Picked by the macro (implemented for its internal probe type only); not
/// meant to be implemented or called by hand.
pub trait SpawnBlockingValue<F> {
    /// A closure passed by name.
    fn spawn_task<'s, E, R>(
        // (One parameter per line: a compiler note quotes only the first line.)
        &self,
        scope: &'s Scope<E>,
        spawn: Spawn,
        f: F,
    ) -> TaskHandle<'s, R>
    where
        F: BlockingTask + FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        blocking::spawn(scope, spawn, f, finish_value)
    }

    /// A closure written inline (same as [`SpawnBlockingValue::spawn_task`]).
    fn spawn_inline<'s, E, R>(
        // (One parameter per line: a compiler note quotes only the first line.)
        &self,
        scope: &'s Scope<E>,
        spawn: Spawn,
        f: F,
    ) -> TaskHandle<'s, R>
    where
        F: BlockingTask + FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.spawn_task(scope, spawn, f)
    }
}

// ---------------------------------------------------------------------------
// `spawn_scoped!`.

/// How `spawn_scoped!` starts a future returning `Result<U, E2>`: its `Err`
/// fails the scope, so the scope's error type `E` must be built from `E2`
/// ([`ScopeError`]) and be `Send`; its handle yields `U`.
///
/// Picked by the macro (implemented for its internal probe type only); not
/// meant to be implemented or called by hand.
///
/// [`ScopeError`]: crate::checks::ScopeError
pub trait ScopedResult<F, U, E2> {
    /// A future passed by name: its error converts with `From`.
    fn spawn_task<'a, E>(
        &self,
        scope: &'a Scope<E>,
        set: &ScopedSet<'a>,
        spawn: Spawn,
        future: F,
    ) -> ScopedHandle<'a, U>
    where
        F: Future<Output = Result<U, E2>> + 'a,
        U: 'a,
        E2: 'a,
        E: ScopeError<E2> + 'static,
        E: Send, // the scope's error crosses threads: `Box<dyn Error + Send + Sync>`, not `Box<dyn Error>`
    {
        scoped::spawn(scope, set, spawn, future, |output, shared, task| {
            finish_result::<ViaFrom, E, U, E2>(output, shared, task)
        })
    }

    /// An inline `async` block: its error type is the scope's.
    fn spawn_inline<'a, E>(
        &self,
        scope: &'a Scope<E>,
        set: &ScopedSet<'a>,
        spawn: Spawn,
        future: F,
    ) -> ScopedHandle<'a, U>
    where
        F: Future<Output = Result<U, E2>> + 'a,
        U: 'a,
        E2: 'a,
        E: InlineTaskError<E2> + 'static,
        E: Send, // the scope's error crosses threads: `Box<dyn Error + Send + Sync>`, not `Box<dyn Error>`
    {
        scoped::spawn(scope, set, spawn, future, |output, shared, task| {
            finish_result::<Same, E, U, E2>(output, shared, task)
        })
    }
}

/// How `spawn_scoped!` starts a future returning anything but a `Result`:
/// its handle yields the value.
///
/// Picked by the macro (implemented for its internal probe type only); not
/// meant to be implemented or called by hand.
pub trait ScopedValue<F> {
    /// A future passed by name.
    fn spawn_task<'a, E>(
        &self,
        scope: &'a Scope<E>,
        set: &ScopedSet<'a>,
        spawn: Spawn,
        future: F,
    ) -> ScopedHandle<'a, F::Output>
    where
        F: Future + 'a,
        F::Output: 'a,
    {
        scoped::spawn(scope, set, spawn, future, finish_value)
    }

    /// An inline `async` block (same as [`ScopedValue::spawn_task`]).
    fn spawn_inline<'a, E>(
        &self,
        scope: &'a Scope<E>,
        set: &ScopedSet<'a>,
        spawn: Spawn,
        future: F,
    ) -> ScopedHandle<'a, F::Output>
    where
        F: Future + 'a,
        F::Output: 'a,
    {
        self.spawn_task(scope, set, spawn, future)
    }
}

// ---------------------------------------------------------------------------
// `start!`.

/// How `start!` wraps a child returning `Result<U, E2>`: an `Err` before
/// the signal goes to `start!`, after it to the scope.
///
/// Picked by the macro (implemented for its internal probe type only); not
/// meant to be implemented or called by hand.
pub trait StartResult<F, U, E2> {
    /// A closure passed by name: its error converts with `From` later.
    fn starting(
        &self,
        error: oneshot::Sender<E2>,
        signalled: Arc<AtomicBool>,
        future: F,
    ) -> StartedTask<F, E2> {
        StartedTask::new(future, error, signalled)
    }

    /// A closure whose body is an `async` block: its error type is the
    /// scope's ([`InlineTaskError`]).
    ///
    /// [`InlineTaskError`]: crate::checks::InlineTaskError
    fn starting_inline<E: InlineTaskError<E2>>(
        &self,
        _scope: &Scope<E>,
        error: oneshot::Sender<E2>,
        signalled: Arc<AtomicBool>,
        future: F,
    ) -> StartedTask<F, E2> {
        self.starting(error, signalled, future)
    }
}

/// How `start!` wraps a child returning anything but a `Result`: it can
/// only end (or panic) before signalling.
///
/// Picked by the macro (implemented for its internal probe type only); not
/// meant to be implemented or called by hand.
pub trait StartValue<F> {
    /// A closure passed by name.
    fn starting<E2>(&self, error: oneshot::Sender<E2>, _: Arc<AtomicBool>, future: F) -> F {
        drop(error);
        future
    }

    /// A closure whose body is an `async` block (same as
    /// [`StartValue::starting`]).
    fn starting_inline<E, E2>(
        &self,
        _scope: &Scope<E>,
        error: oneshot::Sender<E2>,
        signalled: Arc<AtomicBool>,
        future: F,
    ) -> F {
        self.starting(error, signalled, future)
    }
}

// ---------------------------------------------------------------------------
// The scope: fallible or plain, from the type of the body's value. The
// probe is built from a type (`#[nursery]`: the signature's) or from the
// body itself (`scope!`), so it is written out here; the choice is the same.

/// Names the body's value type `R` for dispatch.
#[doc(hidden)]
pub struct ModeProbe<R>(PhantomData<fn() -> R>);

impl<R> ModeProbe<R> {
    /// From a type written in a signature (`#[nursery]`).
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        ModeProbe(PhantomData)
    }

    /// From the body future itself (`scope!`).
    pub fn of<B: IntoDriven<Output = R>>(_body: &B) -> Self {
        ModeProbe(PhantomData)
    }
}

/// Picked when the body returns `Result<T, E>`.
#[doc(hidden)]
pub trait ViaFallible<T, E> {
    fn __tg_mode(&self) -> Fallible<T, E> {
        Fallible::new()
    }
}
impl<T, E> ViaFallible<T, E> for &&ModeProbe<Result<T, E>> {}

/// Picked for any other body value.
#[doc(hidden)]
pub trait ViaPlain<R> {
    fn __tg_mode(&self) -> Plain<R> {
        Plain::new()
    }
}
impl<R> ViaPlain<R> for &ModeProbe<R> {}
