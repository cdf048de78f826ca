//! The trait bounds `spawn!` puts on a child, with the messages a user sees
//! when one is not met (`#[diagnostic::on_unimplemented]`).

use std::future::Future;

/// A future `spawn!` can run in parallel on tokio.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`spawn!` needs a future it can run in parallel (`Future + Send + 'static`); `{Self}` is not one",
    label = "not a `Send + 'static` future",
    note = "pass an `async` block or a call to an `async fn`: `spawn!(fetch(id))`, `spawn!(async move {{ … }})`",
    note = "a parallel task cannot borrow from the body: move what it needs into it (`async move`) or share it with `Arc`"
)]
pub trait ParallelTask {}
impl<F: Future + Send + 'static> ParallelTask for F {}

/// Identity, with the bound checked where the user wrote the future.
///
/// rustc reports a missing `Send` itself (`#[diagnostic::on_unimplemented]`
/// does not apply to auto traits) and quotes the line of the bound it comes
/// from: the comment on that line is the advice the user reads.
#[doc(hidden)]
pub fn parallel<F>(future: F) -> F
where
    F: ParallelTask, // runs on any thread: move owned data in (`async move`), share with `Arc`, no `Rc`/`RefCell`
{
    future
}

/// The scope's error type `Self` can be built from a task's error `E2`.
#[doc(hidden)]
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
