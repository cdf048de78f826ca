//! `taskgroup::as_completed(handles)`: the children's results in the order
//! they finish, inside the scope (asyncio's `as_completed`, Java's
//! `CompletionService`). Any handle works (`TaskHandle`, `IsolatedHandle`,
//! `ScopedHandle`): each has a waker of its own, and only the handles that
//! were woken are polled. Failure semantics are the handles': a child's
//! `Err` fails the scope, which cancels the body awaiting here; an
//! isolated child's outcome is its item.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::stream::{FuturesUnordered, Stream, StreamExt};

/// The handles' outputs in completion order: a `Stream`, and
/// [`AsCompleted::next`] for code that uses no stream library. Branded
/// like its handles: it cannot leave their scope.
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::time::Duration;
/// use taskgroup::scope;
/// let order = scope! {
///     let handles = [30, 10, 20].map(|ms| spawn!(async move {
///         tokio::time::sleep(Duration::from_millis(ms)).await;
///         ms
///     }));
///     let mut done = taskgroup::as_completed(handles);
///     let mut order = Vec::new();
///     while let Some(ms) = done.next().await {
///         order.push(ms); // handle each result as soon as it is there
///     }
///     order
/// };
/// assert_eq!(order, [10, 20, 30]);
/// # }
/// ```
#[must_use = "a stream does nothing unless polled"]
pub struct AsCompleted<F> {
    running: FuturesUnordered<F>,
}

/// The outputs of `handles` in the order they complete.
pub fn as_completed<I>(handles: I) -> AsCompleted<I::Item>
where
    I: IntoIterator,
    I::Item: Future + Unpin,
{
    AsCompleted {
        running: handles.into_iter().collect(),
    }
}

impl<F: Future + Unpin> AsCompleted<F> {
    /// The next output to complete; `None` once every handle has.
    pub async fn next(&mut self) -> Option<F::Output> {
        self.running.next().await
    }

    /// Adds a handle (spawned later).
    pub fn push(&mut self, handle: F) {
        self.running.push(handle);
    }

    /// Handles not completed yet.
    pub fn len(&self) -> usize {
        self.running.len()
    }

    /// `true` once every handle has completed.
    pub fn is_empty(&self) -> bool {
        self.running.is_empty()
    }
}

impl<F: Future + Unpin> Stream for AsCompleted<F> {
    type Item = F::Output;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<F::Output>> {
        self.running.poll_next_unpin(cx)
    }
}
