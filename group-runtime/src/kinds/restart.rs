//! `spawn!(restart = policy, || fut)`: a supervised child. The factory
//! makes a new future for each start; when one ends, the [`Restart`]
//! policy decides (`policy/restart.rs`): done, start again after a pause,
//! or, past the intensity, the last outcome is the child's (an `Err` or a
//! panic then fails the scope like any child's, OTP's escalation).
//!
//! The restart loop is the child's future, so everything else is
//! `spawn!`'s: cancelling the scope (or dropping it) drops the loop with
//! whatever attempt or pause it is in, so nothing restarts after that; a
//! scope that is cancelled (a drain, a grace period) restarts nothing
//! either. One-for-all is this loop around a nested scope: its first
//! failure cancels the siblings, and the loop restarts them all.

use std::fmt;
use std::future::Future;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;
use tokio::time::{Instant, Sleep};
use tokio_util::sync::{CancellationToken, WaitForCancellationFutureOwned};

use crate::core::ambient;
use crate::core::cause::{panic_message, Payload};
use crate::core::records::{RestartStats, RestartsSeen};
use crate::core::state::Unwound;
use crate::core::trace;
use crate::policy::restart::{Decision, Restart, Window};

/// What a restarted child's future returns: `()` or a `Result` (its `Err`
/// is a failure, restarted under [`Restart::on_failure`]).
#[diagnostic::on_unimplemented(
    message = "a restarted child's future must return `()` or a `Result`; `{Self}` does not say whether it failed",
    label = "returns `{Self}`",
    note = "`restart = Restart::on_failure()` restarts a child that returns `Err` or panics: make the future return `Result<_, E>` (E: Debug) or `()`"
)]
pub trait ExitStatus {
    /// `Some(description)` if this outcome is a failure.
    fn failure(&self) -> Option<String>;
}

impl ExitStatus for () {
    fn failure(&self) -> Option<String> {
        None
    }
}

impl<T, E: fmt::Debug> ExitStatus for Result<T, E> {
    fn failure(&self) -> Option<String> {
        self.as_ref()
            .err()
            .map(|error| format!("returned Err({error:?})"))
    }
}

/// The factory `restart = …` needs: a closure that makes a new future for
/// each start (`FnMut() -> impl Future`; `Send + 'static` as any `spawn!`).
#[diagnostic::on_unimplemented(
    message = "`restart = …` needs a factory, a closure that makes a new future at each start; `{Self}` is not one",
    label = "not a `FnMut() -> impl Future + Send + 'static` closure",
    note = "write `spawn!(restart = policy, || async move {{ … }})` or `spawn!(restart = policy, move || serve(config.clone()))`: a future runs once and cannot be started again"
)]
pub trait RestartFactory {
    /// The future each start makes.
    type Future: Future;
    /// Makes the future of the next start.
    fn start(&mut self) -> Self::Future;
}

impl<F, Fut> RestartFactory for F
where
    F: FnMut() -> Fut,
    Fut: Future,
{
    type Future = Fut;

    fn start(&mut self) -> Fut {
        self()
    }
}

/// The check `restart = policy` runs on its factory ([`RestartFactory`],
/// whose future returns an [`ExitStatus`]), and the restart loop it
/// becomes: the supervised child's future.
pub fn restart_factory<F>(
    // (One parameter per line: a compiler note quotes only the first line.)
    policy: Restart,
    factory: F,
    seen: &RestartsSeen,
) -> Restarting<F>
where
    F: RestartFactory, // a closure that makes a new future at each start: `|| async move { … }`
    <F::Future as Future>::Output: ExitStatus, // the future returns `()` or a `Result`
{
    Restarting {
        factory,
        attempt: None,
        pause: None,
        stop: None,
        last: None,
        policy,
        window: Window::default(),
        stats: seen.0.clone(),
    }
}

/// How one attempt ended.
enum Ended<O> {
    Returned(O),
    Panicked(Payload),
}

pin_project! {
    /// The future of a restarted child (`spawn!(restart = …, factory)`):
    /// the current start of the factory's future, or the pause before the
    /// next one, and the restarts counted for the intensity.
    pub struct Restarting<F: RestartFactory> {
        factory: F,
        #[pin]
        attempt: Option<F::Future>,
        #[pin]
        pause: Option<Sleep>,
        // During a pause: the scope's cancellation, which ends it.
        #[pin]
        stop: Option<WaitForCancellationFutureOwned>,
        // During a pause (or a yield before an instant restart): how the
        // last start ended.
        last: Option<Ended<<F::Future as Future>::Output>>,
        policy: Restart,
        window: Window,
        stats: Arc<RestartStats>,
    }
}

impl<F> Future for Restarting<F>
where
    F: RestartFactory,
    <F::Future as Future>::Output: ExitStatus,
{
    type Output = <F::Future as Future>::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        loop {
            if let Some(pause) = this.pause.as_mut().as_pin_mut() {
                let stopped = this
                    .stop
                    .as_mut()
                    .as_pin_mut()
                    .is_some_and(|stop| stop.poll(cx).is_ready());
                if !stopped && pause.poll(cx).is_pending() {
                    return Poll::Pending;
                }
                this.pause.set(None);
                this.stop.set(None);
            }
            if let Some(last) = this.last.take() {
                // Its description is in the stats and the trace; an output
                // or payload whose own `Drop` panics has nothing more to
                // tell.
                let _ = catch_unwind(AssertUnwindSafe(|| drop(last)));
                if ambient::scope_is_cancelled() {
                    // Cancelled before the next start (a drain, a grace
                    // period): the failure was the policy's to handle, and
                    // there is no new outcome: the child ends cancelled, as
                    // if aborted (never recorded as a panic).
                    resume_unwind(Box::new(Unwound::Cancelled));
                }
            }
            let ended = if this.attempt.is_none() {
                // A factory that panics is an attempt that panicked.
                match catch_unwind(AssertUnwindSafe(|| this.factory.start())) {
                    Ok(attempt) => {
                        this.attempt.set(Some(attempt));
                        None
                    }
                    Err(payload) => Some(Ended::Panicked(payload)),
                }
            } else {
                None
            };
            let ended = match ended {
                Some(ended) => ended,
                None => {
                    let mut attempt = this.attempt.as_mut();
                    let polled = catch_unwind(AssertUnwindSafe(|| {
                        attempt
                            .as_mut()
                            .as_pin_mut()
                            .expect("taskgroup: an attempt is running")
                            .poll(cx)
                    }));
                    let ended = match polled {
                        Ok(Poll::Pending) => return Poll::Pending,
                        Ok(Poll::Ready(output)) => Ended::Returned(output),
                        Err(payload) => Ended::Panicked(payload),
                    };
                    // The attempt is dropped before the next starts; a
                    // panic of its `Drop` makes it a panicked attempt.
                    match catch_unwind(AssertUnwindSafe(|| attempt.set(None))) {
                        Ok(()) => ended,
                        Err(payload) => Ended::Panicked(payload),
                    }
                }
            };
            let failure = match &ended {
                Ended::Returned(output) => output.failure(),
                Ended::Panicked(payload) => Some(format!(
                    "panicked: {}",
                    panic_message(&**payload)
                        .as_deref()
                        .unwrap_or("(not a string)")
                )),
            };
            // A cancelled scope (a drain, a grace period) restarts nothing.
            let decision = if ambient::scope_is_cancelled() {
                Decision::Stop
            } else {
                this.window
                    .decide(this.policy, failure.is_some(), Instant::now())
            };
            match decision {
                Decision::Stop => return finish(ended),
                Decision::Exhausted { restarts, within } => {
                    let failure = failure.as_deref().unwrap_or("returned");
                    trace::restarts_exhausted(restarts, within, failure);
                    return finish(ended);
                }
                Decision::Restart(pause) => {
                    let restarts = this.stats.record(failure.clone());
                    trace::restarting(restarts, failure.as_deref().unwrap_or("returned"), pause);
                    *this.last = Some(ended);
                    if pause.is_zero() {
                        // Give the scheduler its turn: a child that ends at
                        // once must not starve its thread.
                        cx.waker().wake_by_ref();
                        return Poll::Pending;
                    }
                    this.pause.set(Some(tokio::time::sleep(pause)));
                    this.stop
                        .set(ambient::scope_token().map(CancellationToken::cancelled_owned));
                }
            }
        }
    }
}

/// The child's outcome: the attempt's output, or its panic resumed (the
/// child's wrapper records it, or an isolated child's handle gets it).
fn finish<O>(ended: Ended<O>) -> Poll<O> {
    match ended {
        Ended::Returned(output) => Poll::Ready(output),
        Ended::Panicked(payload) => resume_unwind(payload),
    }
}
