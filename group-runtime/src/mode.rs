//! Fallible or infallible scope: chosen from the type of the body's value,
//! at compile time, by autoref dispatch (a `Result` picks the fallible
//! runner, anything else the plain one).

use std::convert::Infallible;
use std::marker::PhantomData;

use crate::errors::{Errors, Failure};
use crate::options::Options;
use crate::run::{IntoDriven, Outcome};
use crate::scope::Scope;
use crate::state::{Payload, Shared};

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
        Fallible(PhantomData)
    }
}
impl<T, E> ViaFallible<T, E> for &&ModeProbe<Result<T, E>> {}

/// Picked for any other body value.
#[doc(hidden)]
pub trait ViaPlain<R> {
    fn __tg_mode(&self) -> Plain<R> {
        Plain(PhantomData)
    }
}
impl<R> ViaPlain<R> for &ModeProbe<R> {}

/// A scope whose body returns `Result<T, E>`: the first failure (a child's
/// `Err` converted with `From`, the body's `Err`, a panic) is its result.
#[doc(hidden)]
pub struct Fallible<T, E>(PhantomData<fn() -> (T, E)>);

impl<T, E: 'static> Fallible<T, E> {
    pub(crate) fn new() -> Self {
        Fallible(PhantomData)
    }

    pub fn open(&self, options: Options) -> Scope<E> {
        Scope::open(options)
    }

    pub async fn run<B>(self, scope: &Scope<E>, body: B) -> Result<T, E>
    where
        B: IntoDriven<Output = Result<T, E>>,
    {
        // The body's `Err` fails the scope, unless a failure came first: it
        // is then dropped here (under the runner's `catch_unwind`).
        let settle = |shared: &Shared, output: Result<T, E>| match output {
            Err(_) if !shared.fail_from_body() => None,
            output => Some(output),
        };
        match scope.drive(body, settle).await {
            Outcome::Body(result) => result,
            Outcome::ChildError(error) => Err(downcast(error)),
            Outcome::Collected => {
                unreachable!("taskgroup: errors collected without `errors = all`")
            }
        }
    }

    /// `errors = all`: the body's value, or every error of the scope (its
    /// children's, its body's, its deadline's) in the order they happened.
    pub async fn run_all<B>(self, scope: &Scope<E>, body: B) -> Result<T, Errors<E>>
    where
        B: IntoDriven<Output = Result<T, E>>,
        E: Send,
    {
        let shared = &*scope.shared;
        // The body's error takes its place in time among the others.
        let settle = |shared: &Shared, output: Result<T, E>| match output {
            Err(error) => {
                shared.collect(Box::new(error));
                None
            }
            ok => Some(ok),
        };
        let value = match scope.drive(body, settle).await {
            Outcome::Body(Ok(value)) => Some(value),
            Outcome::Body(Err(_)) | Outcome::Collected => None,
            Outcome::ChildError(error) => {
                shared.collect(error);
                None
            }
        };
        let failures: Vec<Failure<E>> = shared
            .take_collected()
            .into_iter()
            .map(|(error, task)| Failure::new(downcast(error), task))
            .collect();
        match value {
            Some(value) if failures.is_empty() => Ok(value),
            _ => Err(Errors::new(failures)),
        }
    }
}

/// Every error stored in a `Scope<E>` is an `E`.
fn downcast<E: 'static>(error: Payload) -> E {
    match error.downcast::<E>() {
        Ok(error) => *error,
        Err(_) => unreachable!("taskgroup: a child error of another type"),
    }
}

/// A scope whose body returns a plain value: children can fail only by
/// panicking.
#[doc(hidden)]
pub struct Plain<R>(PhantomData<fn() -> R>);

impl<R> Plain<R> {
    pub(crate) fn new() -> Self {
        Plain(PhantomData)
    }

    pub fn open(&self, options: Options) -> Scope<Infallible> {
        Scope::open(options)
    }

    pub async fn run<B>(self, scope: &Scope<Infallible>, body: B) -> R
    where
        B: IntoDriven<Output = R>,
    {
        match scope.drive(body, |_, value| Some(value)).await {
            Outcome::Body(value) => value,
            Outcome::ChildError(_) | Outcome::Collected => {
                unreachable!("taskgroup: an error in an infallible scope")
            }
        }
    }

    /// `errors = all` on a scope that cannot fail: a compile error, from
    /// [`errors_all`] around this call.
    pub async fn run_all<B>(self, _scope: &Scope<Infallible>, _body: B) -> R
    where
        B: IntoDriven<Output = R>,
    {
        unreachable!("taskgroup: `errors = all` on an infallible scope")
    }
}

/// The body of a scope with `errors = all` returns a `Result`: only a scope
/// that can fail has errors to collect.
///
/// Implemented only by `Result`; see [the module](crate::checks).
#[diagnostic::on_unimplemented(
    message = "`errors = all` collects the errors of a scope that can fail, but this scope's body returns `{Self}`",
    label = "this scope collects errors",
    note = "make the body return `Result<T, E>`; the scope then returns `Result<T, taskgroup::Errors<E>>`"
)]
pub trait CollectsErrors {}
impl<T, E> CollectsErrors for Result<T, E> {}

/// The check `errors = all` runs on the scope's runner: the body's value
/// is a `Result` ([`CollectsErrors`]). Returns the runner.
pub fn errors_all<F>(run: F) -> F
where
    F: std::future::Future,
    F::Output: CollectsErrors,
{
    run
}
