//! The bounds a task must meet, with the messages a user sees when one is
//! not met (`#[diagnostic::on_unimplemented]`): what `spawn!` & co. can run
//! ([`ParallelTask`], [`BlockingTask`]) and how a task's error becomes the
//! scope's ([`ScopeError`], [`InlineTaskError`], [`Convert`]). Each is
//! explained to users in [`crate::checks`].

use std::future::Future;

/// A future `spawn!` can run in parallel on tokio: `Future + Send + 'static`.
///
/// Implemented for every such future; see [the module](crate::checks).
#[diagnostic::on_unimplemented(
    message = "`spawn!` needs a future it can run in parallel (`Future + Send + 'static`); `{Self}` is not one",
    label = "not a `Send + 'static` future",
    note = "pass an `async` block or a call to an `async fn`: `spawn!(fetch(id))`, `spawn!(async move {{ … }})`",
    note = "a parallel task cannot borrow from the body: move what it needs into it (`async move`) or share it with `Arc`"
)]
pub trait ParallelTask {}
impl<F: Future + Send + 'static> ParallelTask for F {}

/// The check `spawn!`, `try_spawn!`, `spawn_background!` and `start!` run
/// on the future they are given: [`ParallelTask`]. Returns the future.
///
/// rustc reports a missing `Send` itself (`#[diagnostic::on_unimplemented]`
/// does not apply to auto traits) and quotes the line of the bound it comes
/// from: the comment on that line is the advice the user reads.
pub fn parallel_task<F>(future: F) -> F
where
    F: ParallelTask, // runs on any thread: move owned data in (`async move`), share with `Arc`, no `Rc`/`RefCell`
{
    future
}

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

/// The scope's error type `Self` can be built from a task's error `E2`
/// (`Self: From<E2>`): a task returning `Result<U, E2>` fails the scope
/// with its `Err`, converted.
///
/// Implemented for every `E: From<E2>`; see [the module](crate::checks).
#[diagnostic::on_unimplemented(
    message = "a task fails with `{E2}`, but the scope's error type `{Self}` cannot be built from it",
    label = "this task's error does not convert into the scope's error `{Self}`",
    note = "implement `From<{E2}>` for `{Self}`, or convert inside the task with `.map_err(…)`",
    note = "a scope whose body does not return `Result` has the error type `Infallible`: its tasks cannot fail; make the body return `Result<_, E>`, or return the task's `Result` as a value (`spawn!(async move {{ Ok(call().await) }})`)"
)]
pub trait ScopeError<E2>: Sized {
    /// `From::from`.
    fn from_task_error(error: E2) -> Self;
}

impl<E: From<E2>, E2> ScopeError<E2> for E {
    fn from_task_error(error: E2) -> Self {
        E::from(error)
    }
}

/// How a child's error becomes the scope's: [`ViaFrom`] or [`Same`].
pub(crate) trait Convert<E2, E> {
    fn convert(error: E2) -> E;
}

/// `From` (a child future or closure passed by name).
pub(crate) struct ViaFrom;

impl<E2, E: ScopeError<E2>> Convert<E2, E> for ViaFrom {
    fn convert(error: E2) -> E {
        E::from_task_error(error)
    }
}

/// The identity (an inline block, a pool worker, a `first_ok` attempt).
pub(crate) struct Same;

impl<E2, E: InlineTaskError<E2>> Convert<E2, E> for Same {
    fn convert(error: E2) -> E {
        E::same(error)
    }
}

/// A task written inline in `spawn!` & co. (an `async` block, a closure)
/// fails with the scope's error type `Self` itself (`E2` is `Self`), so
/// that `?` in it needs no annotation.
///
/// Implemented only for `E2 = Self`: when the block's error type is still
/// open it is inferred to be the scope's; when it is fixed otherwise (by
/// `str::parse`, say), this check says so. See [the module](crate::checks).
#[diagnostic::on_unimplemented(
    message = "this task fails with `{E2}`, but a task written inline in `spawn!` & co. (an `async` block, a closure) takes the scope's error type `{Self}`",
    label = "fails with `{E2}`, not the scope's `{Self}`",
    note = "end the block with `Ok(value?)` (`?` converts with `From`), or `.map_err(…)`",
    note = "or bind it to a variable first (`let task = async {{ … }}; spawn!(task)`): it keeps its own error type, converted into the scope's with `From`"
)]
pub trait InlineTaskError<E2> {
    /// The identity.
    fn same(error: E2) -> Self;
}

impl<E> InlineTaskError<E> for E {
    fn same(error: E) -> E {
        error
    }
}
