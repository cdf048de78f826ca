//! What a scope returns, from the type of its body's value: a `Result`
//! makes a [`Fallible`] scope (its first failure, or with `errors = all`
//! every one, is its result), anything else a [`Plain`] one (children can
//! fail only by panicking). The choice is made at compile time
//! (`ModeProbe`, `kinds/dispatch.rs`); the macros then call `open` and
//! `run` (or `run_all`) on what it gave.

use std::convert::Infallible;
use std::marker::PhantomData;

use crate::core::cause::Payload;
use crate::core::state::Shared;
use crate::policy::errors_all::{Errors, Failure};
use crate::scope::options::Options;
use crate::scope::run::{self, IntoDriven, Joined};
use crate::scope::Scope;

/// A scope whose body returns `Result<T, E>`: the first failure (a child's
/// `Err` converted with `From`, the body's `Err`, a panic) is its result.
#[doc(hidden)]
pub struct Fallible<T, E>(PhantomData<fn() -> (T, E)>);

impl<T, E> Fallible<T, E> {
    pub(crate) fn new() -> Self {
        Fallible(PhantomData)
    }
}

impl<T, E: 'static> Fallible<T, E> {
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
        match run::drive(&scope.shared, scope.timeout, body, settle).await {
            Joined::Body(result) => result,
            Joined::ChildError(error) => Err(downcast(error)),
            Joined::Collected => {
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
        let value = match run::drive(&scope.shared, scope.timeout, body, settle).await {
            Joined::Body(Ok(value)) => Some(value),
            Joined::Body(Err(_)) | Joined::Collected => None,
            Joined::ChildError(error) => {
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
        match run::drive(&scope.shared, scope.timeout, body, |_, value| Some(value)).await {
            Joined::Body(value) => value,
            Joined::ChildError(_) | Joined::Collected => {
                unreachable!("taskgroup: an error in an infallible scope")
            }
        }
    }

    /// `errors = all` on a scope that cannot fail: a compile error, from
    /// `errors_all` (`policy/errors_all.rs`) around this call.
    pub async fn run_all<B>(self, _scope: &Scope<Infallible>, _body: B) -> R
    where
        B: IntoDriven<Output = R>,
    {
        unreachable!("taskgroup: `errors = all` on an infallible scope")
    }
}
