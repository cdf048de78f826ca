//! `spawn!(isolated, fut)`: a child whose failure is its own. Its `Err`,
//! its panic, its own `timeout` and its cancellation do not cancel its
//! siblings or fail the scope; its handle yields them as an [`Exit`]
//! (Kotlin's `supervisorScope`, tokio-graceful-shutdown's
//! `CatchAndLocalShutdown`). Everything else is `spawn!`'s: it is joined at
//! the closing brace, cancelled with its scope, counted by `limit`.
//!
//! A panic is never silently dropped: it travels in the handle's
//! [`Panic`], and a `Panic` dropped without its payload having been taken
//! is reported (an `ERROR` event with the `tracing` feature) and counted
//! ([`unobserved_panics`]).

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use pin_project_lite::pin_project;

use crate::core::cause::{panic_message, Cause, TaskInfo};
use crate::core::records::IsolatedExit;
use crate::core::state::{Shared, Unwound};
use crate::core::trace;
use crate::kinds::output::finish_value;
use crate::kinds::parallel::Child;
use crate::policy::deadline::TaskTimer;
use crate::scope::handle::TaskHandle;
use crate::scope::{Scope, Spawn};

/// How an isolated child ended without a value of its own: what its
/// [`IsolatedHandle`] yields as `Err`. The child's own `Err` is not here:
/// it is part of its output (`Ok(Err(e))`), as with tokio's `JoinHandle`.
#[derive(Debug)]
#[non_exhaustive]
pub enum Exit {
    /// The child panicked (in its future, or in its `Drop` when it
    /// finished).
    Panicked(Panic),
    /// The child was cancelled before it finished: by its handle
    /// ([`Cause::CancelledByHandle`]), or with its scope (the scope's cause;
    /// `None` when the scope was not cancelled, e.g. the runtime shut down).
    Cancelled(Option<Cause>),
    /// The child's own `timeout` (`spawn!(isolated, timeout = d, fut)`)
    /// elapsed; the child was dropped.
    TimedOut(Duration),
}

impl Exit {
    /// `true` for [`Exit::Panicked`].
    pub fn is_panic(&self) -> bool {
        matches!(self, Exit::Panicked(_))
    }

    /// `true` for [`Exit::Cancelled`].
    pub fn is_cancelled(&self) -> bool {
        matches!(self, Exit::Cancelled(_))
    }

    /// The panic, if the child panicked.
    pub fn into_panic(self) -> Option<Panic> {
        match self {
            Exit::Panicked(panic) => Some(panic),
            _ => None,
        }
    }
}

impl fmt::Display for Exit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Exit::Panicked(panic) => write!(f, "{panic}"),
            Exit::Cancelled(Some(cause)) => write!(f, "cancelled: {cause}"),
            Exit::Cancelled(None) => write!(f, "cancelled"),
            Exit::TimedOut(after) => write!(f, "its timeout ({after:?}) elapsed"),
        }
    }
}

impl std::error::Error for Exit {}

/// The panic of an isolated child. Take its payload ([`Panic::resume`],
/// [`Panic::into_payload`]) to handle it; dropped without that, it is
/// reported and counted ([`unobserved_panics`]): a panic is never lost
/// silently.
pub struct Panic {
    payload: Option<Box<dyn Any + Send>>,
    message: Option<Arc<str>>,
    task: TaskInfo,
}

impl Panic {
    fn new(payload: Box<dyn Any + Send>, task: TaskInfo) -> Self {
        Panic {
            message: panic_message(&*payload),
            payload: Some(payload),
            task,
        }
    }

    /// The panic message, when the payload is a string.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// The task that panicked.
    pub fn task(&self) -> &TaskInfo {
        &self.task
    }

    /// The payload, as `std::panic::catch_unwind` gives it.
    pub fn into_payload(mut self) -> Box<dyn Any + Send> {
        self.payload
            .take()
            .expect("taskgroup: a panic's payload is taken once")
    }

    /// Resumes the panic here (`std::panic::resume_unwind`).
    pub fn resume(self) -> ! {
        resume_unwind(self.into_payload())
    }
}

impl fmt::Debug for Panic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Panic")
            .field("task", &self.task)
            .field("message", &self.message)
            .finish()
    }
}

impl fmt::Display for Panic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} panicked", self.task)?;
        if let Some(message) = &self.message {
            write!(f, ": {message}")?;
        }
        Ok(())
    }
}

static UNOBSERVED: AtomicU64 = AtomicU64::new(0);

/// How many panics of isolated children were dropped without their
/// payload being taken (in this process): each is also an `ERROR` event
/// with the `tracing` feature. A test can assert it did not grow.
pub fn unobserved_panics() -> u64 {
    UNOBSERVED.load(Relaxed)
}

impl Drop for Panic {
    fn drop(&mut self) {
        let Some(payload) = self.payload.take() else {
            return;
        };
        UNOBSERVED.fetch_add(1, Relaxed);
        trace::unobserved_panic(&self.task, self.message.as_deref());
        // A payload whose own `Drop` panics: nothing is left to tell.
        let _ = catch_unwind(AssertUnwindSafe(|| drop(payload)));
    }
}

pin_project! {
    /// The user's future, its panic caught, its own timeout applied.
    pub(crate) struct Isolate<F> {
        #[pin]
        future: Option<F>,
        timer: Option<Pin<Box<TaskTimer>>>,
        task: TaskInfo,
        // The scope, when it records for `dump()`: how isolated children
        // ended is counted there.
        recorded: Option<Arc<Shared>>,
    }

    impl<F> PinnedDrop for Isolate<F> {
        /// Cancelled: a panic of the future's `Drop` cannot reach the
        /// handle (which yields `Cancelled`), so it is reported as
        /// unobserved.
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            let mut future = this.future;
            if future.is_some() {
                count(this.recorded, IsolatedExit::Cancelled);
                if let Err(payload) = catch_unwind(AssertUnwindSafe(|| future.set(None))) {
                    if payload.is::<Unwound>() {
                        resume_unwind(payload);
                    }
                    drop(Panic::new(payload, this.task.clone()));
                }
            }
        }
    }
}

impl<F: Future> Future for Isolate<F> {
    type Output = Result<F::Output, Exit>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut future = this.future;
        let polled = catch_unwind(AssertUnwindSafe(|| {
            let output = future.as_mut().as_pin_mut()?.poll(cx);
            if output.is_ready() {
                future.set(None);
            }
            Some(output)
        }));
        match polled {
            Ok(None) => Poll::Pending,
            Ok(Some(Poll::Ready(output))) => Poll::Ready(Ok(output)),
            Ok(Some(Poll::Pending)) => {
                if let Some(timer) = this.timer.as_mut() {
                    if timer.as_mut().expired(cx) {
                        let after = timer.after();
                        if let Err(payload) = catch_unwind(AssertUnwindSafe(|| future.set(None))) {
                            if payload.is::<Unwound>() {
                                resume_unwind(payload);
                            }
                            return Poll::Ready(Err(Exit::Panicked(Panic::new(
                                payload,
                                this.task.clone(),
                            ))));
                        }
                        count(this.recorded, IsolatedExit::TimedOut);
                        return Poll::Ready(Err(Exit::TimedOut(after)));
                    }
                }
                Poll::Pending
            }
            Err(payload) if payload.is::<Unwound>() => {
                // The library's cancellation passing through (code below
                // awaited a task of a doomed scope): not a panic of the
                // child; it ends cancelled.
                resume_unwind(payload)
            }
            Err(payload) => {
                // The future panicked (or its `Drop`, as it finished): it
                // is dropped here, a second panic from its `Drop` reported.
                if let Err(second) = catch_unwind(AssertUnwindSafe(|| future.set(None))) {
                    drop(Panic::new(second, this.task.clone()));
                }
                let panic = Panic::new(payload, this.task.clone());
                trace::isolated_panicked(panic.message());
                count(this.recorded, IsolatedExit::Panicked);
                Poll::Ready(Err(Exit::Panicked(panic)))
            }
        }
    }
}

/// The handle of an isolated child: `.await` it for `Ok(output)` (the
/// child's output as it returned it, an `Err` included) or `Err(Exit)`.
/// Branded with its scope like [`TaskHandle`]; dropping it does not detach
/// the child.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use taskgroup::{scope, Exit};
/// let outcome = scope! {
///     let flaky = spawn!(isolated, async {
///         if true { panic!("boom") }
///     });
///     let sibling = spawn!(async { 7 }); // not cancelled by the panic
///     (flaky.await.map_err(|exit| exit.is_panic()), sibling.await)
/// };
/// assert_eq!(outcome, (Err(true), 7));
/// # }
/// ```
pub struct IsolatedHandle<'scope, O> {
    inner: TaskHandle<'scope, Result<O, Exit>>,
}

impl<O> IsolatedHandle<'_, O> {
    /// Who the task is: id, name, spawn location.
    pub fn info(&self) -> &TaskInfo {
        self.inner.info()
    }

    /// `true` once the task has stopped.
    pub fn is_finished(&self) -> bool {
        self.inner.is_finished()
    }

    /// Cancels this one child (see [`TaskHandle::cancel`]); awaiting the
    /// handle then yields `Err(Exit::Cancelled(Some(Cause::CancelledByHandle(…))))`
    /// unless the child had finished already.
    pub fn cancel(&self) {
        self.inner.abort();
    }
}

impl<O> Future for IsolatedHandle<'_, O> {
    type Output = Result<O, Exit>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.inner.poll_output(cx) {
            Poll::Ready(Some(outcome)) => Poll::Ready(outcome),
            Poll::Ready(None) => {
                let cause = if self.inner.was_cancelled() {
                    Some(Cause::CancelledByHandle(self.inner.info().clone()))
                } else {
                    self.inner.shared().cause()
                };
                Poll::Ready(Err(Exit::Cancelled(cause)))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<O> fmt::Debug for IsolatedHandle<'_, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IsolatedHandle")
            .field("info", self.info())
            .field("finished", &self.is_finished())
            .finish()
    }
}

/// The scope, if it records for `dump()`.
fn guard_scope(guard: &crate::scope::child::ChildGuard) -> Option<Arc<Shared>> {
    guard
        .shared_arc()
        .filter(|shared| shared.recorded.is_some())
}

/// Counts an isolated child's exit in its scope's record.
fn count(recorded: &Option<Arc<Shared>>, exit: IsolatedExit) {
    if let Some(recorded) = recorded
        .as_ref()
        .and_then(|shared| shared.recorded.as_ref())
    {
        recorded.isolated_exit(exit);
    }
}

/// Starts an isolated child: its output, panic, timeout or cancellation
/// goes to its handle, never to the scope. What `spawn!(isolated, …)`
/// calls.
#[doc(hidden)]
pub fn spawn_isolated<E, F>(
    scope: &Scope<E>,
    spawn: Spawn,
    future: F,
) -> IsolatedHandle<'_, F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let inner = scope.start(spawn, false, |guard, task, timeout| {
        // The timeout is the child's outcome (`Exit::TimedOut`), not a
        // failure of the scope: `Isolate` applies it.
        let isolate = Isolate {
            future: Some(future),
            timer: timeout.map(|after| Box::pin(TaskTimer::new(after))),
            task: task.clone(),
            recorded: guard_scope(&guard),
        };
        tokio::spawn(Child::new(guard, task, None, isolate, finish_value))
    });
    IsolatedHandle { inner }
}
