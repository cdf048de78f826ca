//! The compile-time checks behind `#[nursery]`, `scope!` and `spawn!` & co.:
//! what each requires, why, and what to write instead.
//!
//! You never name these items: the macros' generated code calls them, and
//! when your code does not meet a check the compiler's message says what is
//! wrong in the macro's words, on your tokens. Its notes then point here
//! (`required by a bound in taskgroup::checks::…`); this page explains them.
//!
//! | check | required by | requires | why | instead |
//! | --- | --- | --- | --- | --- |
//! | [`ParallelTask`], [`parallel_task`] | `spawn!`, `try_spawn!`, `spawn_background!`, `start!` | a `Future + Send + 'static` | the task runs on any tokio worker thread, on its own | `async move` the data in, share it with `Arc`; to borrow from the body, [`spawn_scoped!`](crate::spawn_scoped) |
//! | [`BlockingTask`], [`blocking_task`] | `spawn_blocking!` | a closure `FnOnce() -> R + Send + 'static` | it runs on tokio's blocking pool | a `move` closure; for async work, `spawn!` |
//! | [`ScopeError<E2>`](ScopeError) | a task returning `Result<U, E2>` | the scope's error `E: From<E2> + Send` | the task's `Err` fails the scope, converted into `E`, and crosses threads | `impl From<E2> for E`, `.map_err(…)` in the task; `Box<dyn Error + Send + Sync>`, not `Box<dyn Error>` |
//! | [`InlineTaskError<E2>`](InlineTaskError) | an `async` block (or closure) written inline in `spawn!` & co. | its error type is the scope's | `?` in it then needs no annotation | `Ok(value?)`, `.map_err(…)`, or bind the block to a variable first (it keeps its type, converted with `From`) |
//! | [`DeadlineError`], [`deadline_error`] | `timeout = …` on a scope or a task | the scope's error `E: From<Elapsed>` | the deadline fails the scope with [`Elapsed`](crate::Elapsed) | `impl From<Elapsed> for E`; a body returning `Result` |
//! | [`RestartFactory`], [`restart_factory`] | `spawn!(restart = …, factory)` | a closure `FnMut() -> impl Future` | each start needs a new future; a future runs once | `|| async move { … }`, `move || serve(config.clone())` |
//! | [`ExitStatus`] | `spawn!(restart = …, factory)` | the future returns `()` or `Result<_, E: Debug>` | the policy must know whether an attempt failed | return `Result` (or `()`) from the factory's future |
//! | [`ContextValue`], [`context_value`] | `context = …` on a scope | a `Send + Sync + 'static` value | every task of the scope may read it, on any thread | `Arc`, `Mutex`, owned data |
//! | [`CollectsErrors`], [`errors_all`] | `errors = all` | the body returns a `Result` | only a scope that can fail has errors to collect | make the body return `Result<T, E>` |
//!
//! A value of `timeout = …` or `grace = …` is checked by
//! [`IntoTimeout`](crate::IntoTimeout) (a `Duration` or an
//! `Option<Duration>`), one of `limit = …` by
//! [`IntoLimit`](crate::IntoLimit) (a `usize`, a `NonZeroUsize`, or an
//! `Option` of one), one of `name = …` by [`IntoName`] (a string).
//!
//! How a task's output picks its kind, at compile time: a task returning a
//! `Result` fails the scope with its `Err` ([`SpawnResult`],
//! [`SpawnBlockingResult`], [`ScopedResult`], [`StartResult`]), any other
//! task's handle yields its value ([`SpawnValue`], [`SpawnBlockingValue`],
//! [`ScopedValue`], [`StartValue`]). The methods of these traits carry the
//! bounds above; they are implemented for the macros' internal types only.
//!
//! ```compile_fail
//! use taskgroup::scope;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let shared = std::rc::Rc::new(1);
//! scope! {
//!     // error: future cannot be sent between threads safely
//!     //        (required by a bound in `parallel_task`)
//!     spawn!(async move { *shared + 1 });
//! };
//! # }
//! ```
//!
//! The same with the data shared by `Arc`, or borrowed by `spawn_scoped!`:
//!
//! ```
//! use std::sync::Arc;
//! use taskgroup::scope;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let shared = Arc::new(1);
//! let local = 2;
//! let (a, b) = scope! {
//!     let shared = Arc::clone(&shared);
//!     let a = spawn!(async move { *shared + 1 });
//!     let b = spawn_scoped!(async { local + 1 });
//!     (a.await, b.await)
//! };
//! assert_eq!((a, b), (2, 3));
//! # }
//! ```

pub use crate::core::context::{context_value, ContextValue, Entry as ContextEntry};
pub use crate::kinds::dispatch::{
    ScopedResult, ScopedValue, SpawnBlockingResult, SpawnBlockingValue, SpawnResult, SpawnValue,
    StartResult, StartValue,
};
pub use crate::kinds::restart::{restart_factory, ExitStatus, RestartFactory, Restarting};
pub use crate::policy::deadline::DeadlineError;
pub use crate::policy::errors_all::{errors_all, CollectsErrors};
pub use crate::policy::task_bounds::{
    blocking_task, parallel_task, BlockingTask, InlineTaskError, ParallelTask, ScopeError,
};
pub use crate::scope::deadline_error;
pub use crate::scope::options::IntoName;
