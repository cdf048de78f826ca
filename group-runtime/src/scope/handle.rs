//! `TaskHandle`: the value a `spawn!` returns, branded with its scope.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use tokio::task::JoinHandle;

use crate::core::cause::TaskInfo;
use crate::core::state::{Fate, Shared, Unwound, Who};

/// Hands a dropped handle's task to the scope (see [`adopt`]).
type Adopt<T> = fn(JoinHandle<Option<T>>, &Shared, TaskInfo);

/// A running child of a scope; `.await` it for the task's success value.
///
/// The handle is branded with the scope's lifetime `'scope` (invariant, as in
/// [`std::thread::Scope`]): the compiler rejects any attempt to return it
/// from the scope, store it somewhere that outlives the scope, or move it
/// into a parallel task.
///
/// Dropping the handle does **not** detach the task: the scope still joins
/// it at its closing brace, and its failure still fails the scope.
///
/// Awaiting yields `U` for a child returning `Result<U, E2>` (the `Err`
/// fails the scope instead), or the plain value otherwise. If the child
/// failed, the scope is already cancelling the body, so the `.await` never
/// returns; awaiting a child that was cancelled before it finished (by
/// `cancel!()` or an enclosing scope's cancellation, while the body goes on)
/// panics with a message naming the task and the cause, since no value
/// exists.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use taskgroup::scope;
/// let sum = scope! {
///     let a = spawn!(async { 20 });
///     let b = spawn!(async { 22 });
///     a.await + b.await
/// };
/// assert_eq!(sum, 42);
/// # }
/// ```
pub struct TaskHandle<'scope, T> {
    join: Option<JoinHandle<Option<T>>>,
    shared: &'scope Shared,
    info: TaskInfo,
    /// For a value with a destructor: hands a handle dropped before its
    /// task finished to the scope, which drops the value under
    /// `catch_unwind` (tokio would swallow a panic there).
    adopt: Option<Adopt<T>>,
    /// `cancel()` aborted the task: its `JoinError` is this, not the
    /// runtime shutting down.
    cancelled: AtomicBool,
    /// A `spawn_blocking!` closure: `cancel()` signals, never aborts.
    blocking: bool,
    /// A child of an ordered scope: `cancel()` goes through its task scope
    /// (a signal, then the abort after the scope's `grace`).
    own: Option<Arc<Shared>>,
    _brand: PhantomData<&'scope mut &'scope ()>,
}

impl<'scope, T: Send + 'static> TaskHandle<'scope, T> {
    pub(crate) fn started(
        shared: &'scope Shared,
        info: TaskInfo,
        join: JoinHandle<Option<T>>,
        blocking: bool,
        own: Option<Arc<Shared>>,
    ) -> Self {
        TaskHandle {
            join: Some(join),
            shared,
            info,
            adopt: std::mem::needs_drop::<T>().then_some(adopt::<T>),
            cancelled: AtomicBool::new(false),
            blocking,
            own,
            _brand: PhantomData,
        }
    }
}

/// The scope's runner polls the orphaned handle and drops the value.
fn adopt<T: Send + 'static>(join: JoinHandle<Option<T>>, shared: &Shared, task: TaskInfo) {
    shared.adopt(
        Box::pin(async move {
            drop(join.await);
        }),
        task,
    );
}

impl<'scope, T> TaskHandle<'scope, T> {
    /// A task that was refused because the scope is cancelled.
    pub(crate) fn refused(shared: &'scope Shared, info: TaskInfo) -> Self {
        TaskHandle {
            join: None,
            shared,
            info,
            adopt: None,
            cancelled: AtomicBool::new(false),
            blocking: false,
            own: None,
            _brand: PhantomData,
        }
    }

    /// Who the task is: id, name, spawn location.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use taskgroup::scope;
    /// scope! {
    ///     let task = spawn!(name = "fetch", async {});
    ///     assert_eq!(task.info().name(), Some("fetch"));
    /// };
    /// # }
    /// ```
    pub fn info(&self) -> &TaskInfo {
        &self.info
    }

    /// `true` once the task has stopped (finished, failed or cancelled).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use taskgroup::scope;
    /// let (release, released) = tokio::sync::oneshot::channel::<()>();
    /// scope! {
    ///     let task = spawn!(async move { released.await.ok(); });
    ///     assert!(!task.is_finished());
    ///     release.send(()).unwrap();
    ///     while !task.is_finished() {
    ///         tokio::task::yield_now().await;
    ///     }
    /// };
    /// # }
    /// ```
    pub fn is_finished(&self) -> bool {
        self.join.as_ref().is_none_or(JoinHandle::is_finished)
    }

    /// Cancels this one task; the scope and its other children go on, and
    /// this is not a failure. In a scope with a `grace` (or
    /// `stop = reverse`) the task is signalled first (`cancelled()`
    /// completes in it, `is_cancelled()` turns `true`) and aborted when the
    /// grace is over; what it returns after the signal is dropped.
    /// Otherwise it is aborted: its future is dropped at its next `.await`
    /// (at once if it is waiting), inside its scope. Its `Drop` impls see
    /// [`Cause::CancelledByHandle`](crate::Cause) from
    /// [`cause()`](crate::cause). A task that has finished is not affected.
    /// A `spawn_blocking!` closure cannot be stopped: a queued one never
    /// starts, a running one is signalled (`taskgroup::is_cancelled()` turns
    /// `true` inside it) and what it returns is dropped, not a failure. The
    /// scope still joins the task: the closing brace returns once its
    /// future (or closure) is gone.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use taskgroup::scope;
    /// let value = scope! {
    ///     let stuck = spawn!(std::future::pending::<()>());
    ///     let done = spawn!(async { 42 });
    ///     stuck.cancel(); // only this one
    ///     done.await
    /// };
    /// assert_eq!(value, 42);
    /// # }
    /// ```
    pub fn cancel(self) {
        self.abort();
    }

    /// `cancel()`, keeping the handle (an isolated child's handle then
    /// yields `Exit::Cancelled`).
    pub(crate) fn abort(&self) {
        if let Some(join) = &self.join {
            if !join.is_finished() {
                self.cancelled.store(true, Relaxed);
                if let Some(own) = &self.own {
                    // A child of an ordered scope: its task scope is
                    // signalled, then aborted after the scope's grace.
                    own.cancel_task_scope(&self.info);
                    return;
                }
                // (If it finishes meanwhile, it forgets the entry as it
                // stops.)
                self.shared.cancel_by_handle(self.info.id());
                self.cancelled.store(true, Relaxed);
                if !self.blocking {
                    // A blocking closure cannot be aborted: the entry is
                    // its signal (`kinds/blocking.rs`). tokio's abort would
                    // drop a queued one outside its scope.
                    join.abort();
                }
            }
        }
    }

    /// The task's output: `Some(value)`, or `None` if it has none (failed,
    /// cancelled, refused).
    pub(crate) fn poll_output(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let Some(join) = self.join.as_mut() else {
            return Poll::Ready(None);
        };
        match Pin::new(join).poll(cx) {
            Poll::Ready(Ok(output)) => {
                self.join = None;
                Poll::Ready(output)
            }
            Poll::Ready(Err(_)) if self.cancelled.load(Relaxed) => {
                self.join = None;
                Poll::Ready(None)
            }
            // tokio cancelled the task: the runtime is shutting down and
            // drops everything, this await with it.
            Poll::Ready(Err(_)) | Poll::Pending => Poll::Pending,
        }
    }

    /// Whether `cancel()` aborted the task.
    pub(crate) fn was_cancelled(&self) -> bool {
        self.cancelled.load(Relaxed)
    }

    /// The scope this handle belongs to.
    pub(crate) fn shared(&self) -> &'scope Shared {
        self.shared
    }

    fn no_value(&self) -> Poll<T> {
        missing_value(self.shared, &self.info)
    }
}

/// A handle's task stopped without a value (`spawn!` and `spawn_scoped!`).
///
/// The awaiting code (the body, or a scoped child) cannot go on: it
/// unwinds silently ([`Unwound`]: no panic hook, never recorded as a
/// panic) when a failure dooms it anyway, so that it stops even where
/// nobody would drop it (a blocking closure's `block_on`, a scoped child
/// during a grace period); it panics, naming the task and the cause, when
/// it would otherwise go on waiting for ever.
pub(crate) fn missing_value<T>(shared: &Shared, info: &TaskInfo) -> Poll<T> {
    if !shared.is_cancelled() {
        if shared.collect_all {
            // `errors = all`: the task failed and its error is collected;
            // the awaiting code is dropped there, the other children go on,
            // the scope returns the errors.
            std::panic::resume_unwind(Box::new(Unwound::Abandoned));
        }
        if shared.background_done() {
            panic!(
                "taskgroup: {info} is a background child, stopped when the body ended, so its \
                 handle cannot be awaited after that"
            );
        }
    }
    match shared.body_fate() {
        Fate::Doomed => std::panic::resume_unwind(Box::new(Unwound::Cancelled)),
        Fate::GoesOn => {
            let cause = shared.cause().map(|cause| cause.to_string());
            panic!(
                "taskgroup: {info} was cancelled before it produced a value ({}), \
                 so its handle cannot be awaited",
                cause.as_deref().unwrap_or("cancelled")
            );
        }
    }
}

impl<T> Future for TaskHandle<'_, T> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        match self.poll_output(cx) {
            Poll::Ready(Some(value)) => Poll::Ready(value),
            Poll::Ready(None) => self.no_value(),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T> Drop for TaskHandle<'_, T> {
    /// A value nobody awaited is dropped under `catch_unwind` (a panic of
    /// its `Drop` is the task's, resumed by the scope): here if the task
    /// has finished, else by the scope's runner once it does.
    fn drop(&mut self) {
        let (Some(mut join), Some(adopt)) = (self.join.take(), self.adopt) else {
            return;
        };
        if join.is_finished() {
            let mut cx = Context::from_waker(Waker::noop());
            if let Poll::Ready(output) = Pin::new(&mut join).poll(&mut cx) {
                if let Err(payload) = catch_unwind(AssertUnwindSafe(|| drop(output))) {
                    self.shared.fail_with_panic(payload, Who::Task(&self.info));
                }
                return;
            }
        }
        adopt(join, self.shared, self.info.clone());
    }
}

impl<T> fmt::Debug for TaskHandle<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskHandle")
            .field("info", &self.info)
            .field("finished", &self.is_finished())
            .finish()
    }
}
