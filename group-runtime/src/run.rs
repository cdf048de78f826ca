//! The scope's runner: drives the body, reacts to the first failure, joins
//! every child, then produces the scope's value, error or panic.

use std::future::{pending, poll_fn, Future};
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::{Context, Poll};

use crate::ambient;
use crate::options::Grace;
use crate::scope::Scope;
use crate::state::{Payload, Shared, Who};

/// How the body and its children ended, once every child has stopped.
pub(crate) enum Outcome<R> {
    /// The body's value (for a fallible scope, possibly its `Err`).
    Body(R),
    /// A child's error, boxed as the scope's error type.
    ChildError(Payload),
    /// No value and no single error: the body was dropped by a failure
    /// that `errors = all` collected (the deadline).
    Collected,
}

/// The body, polled and dropped inside the ambient scope. If the runner is
/// dropped with the body still alive (the scope's future was dropped), the
/// scope is cancelled first, so the body's `Drop` impls see why.
struct Body<'a, B> {
    future: Option<Pin<Box<B>>>,
    ambient: Option<Arc<Shared>>,
    shared: &'a Shared,
}

impl<B: Future> Body<'_, B> {
    /// `None` once the body is gone; a panic is recorded and drops it.
    fn poll(&mut self, cx: &mut Context<'_>) -> Option<Poll<B::Output>> {
        let future = self.future.as_mut()?;
        let ambient = &mut self.ambient;
        let span = &self.shared.span;
        let polled = catch_unwind(AssertUnwindSafe(|| {
            crate::trace::in_span(span, || {
                ambient::enter(ambient, || future.as_mut().poll(cx))
            })
        }));
        match polled {
            Ok(Poll::Pending) => Some(Poll::Pending),
            Ok(ready) => {
                self.discard();
                Some(ready)
            }
            Err(payload) => {
                self.discard();
                self.shared.fail_with_panic(payload, Who::Body);
                None
            }
        }
    }

    /// Drops the body, recording a panic raised by its `Drop`.
    fn discard(&mut self) {
        let Some(future) = self.future.take() else {
            return;
        };
        let ambient = &mut self.ambient;
        let dropped = catch_unwind(AssertUnwindSafe(|| {
            ambient::enter(ambient, || drop(future));
        }));
        if let Err(payload) = dropped {
            self.shared.fail_with_panic(payload, Who::Body);
        }
    }
}

impl<B> Drop for Body<'_, B> {
    fn drop(&mut self) {
        let Some(future) = self.future.take() else {
            return;
        };
        self.shared.cancel_on_drop();
        let ambient = &mut self.ambient;
        let dropped = catch_unwind(AssertUnwindSafe(|| {
            ambient::enter(ambient, || drop(future));
        }));
        if let Err(payload) = dropped {
            self.shared.fail_with_panic(payload, Who::Body);
        }
    }
}

impl<E> Scope<E> {
    /// Runs `body` as the scope's body. `is_failure` says whether a value
    /// the body returned is a failure (`Err`), which cancels the children.
    ///
    /// Returns only after every child has stopped. A panic (of the body or
    /// of a child) is resumed here, after the join.
    ///
    /// An enclosing scope's cancellation reaches this one by itself
    /// (`state.rs`): the children are cancelled and joined while the body
    /// goes on, and a failure of this scope's own is still its result.
    pub(crate) async fn drive<B: Future>(
        &self,
        body: B,
        is_failure: fn(&B::Output) -> bool,
    ) -> Outcome<B::Output> {
        let shared = &*self.shared;
        let mut wake = pin!(shared.wake_runner.notified());
        let after = self.timeout.map(|(_, after)| after).unwrap_or_default();
        let mut timeout = pin!(self.timeout.map(|(at, _)| tokio::time::sleep_until(at)));
        let mut grace = pin!(None);
        // The scope's timers: its grace period once it is cancelled, its own
        // deadline.
        let mut timers = |cx: &mut Context<'_>| {
            if let Some(Grace::For(period)) = shared.grace {
                if shared.is_cancelled() && grace.is_none() {
                    grace.set(Some(tokio::time::sleep(period)));
                }
                if let Some(sleep) = grace.as_mut().as_pin_mut() {
                    if sleep.poll(cx).is_ready() {
                        shared.abort();
                    }
                }
            }
            if let Some(sleep) = timeout.as_mut().as_pin_mut() {
                if sleep.poll(cx).is_ready() {
                    timeout.set(None);
                    shared.deadline_passed(after);
                }
            }
        };
        let mut body = Body {
            future: Some(Box::pin(body)),
            ambient: Some(self.shared.clone()),
            shared,
        };
        let mut value = None;

        // Phase 1: the body runs until it returns or a failure drops it.
        poll_fn(|cx| loop {
            timers(cx);
            if shared.body_must_go() {
                body.discard();
                return Poll::Ready(());
            }
            match body.poll(cx) {
                None => return Poll::Ready(()),
                Some(Poll::Ready(output)) => {
                    if !is_failure(&output) || shared.fail_from_body() {
                        value = Some(output);
                    }
                    return Poll::Ready(());
                }
                Some(Poll::Pending) => {}
            }
            if wake.as_mut().poll(cx).is_ready() {
                // Something happened (a failure): look again.
                wake.set(shared.wake_runner.notified());
                continue;
            }
            return Poll::Pending;
        })
        .await;

        // The body is done: background children are cancelled, not awaited.
        shared.stop_background();

        // Phase 2: join. A failure or a parent's cancellation arriving now
        // still cancels the remaining children; the timers still run.
        if !shared.start_join() {
            poll_fn(|cx| loop {
                if shared.children() == 0 {
                    return Poll::Ready(());
                }
                timers(cx);
                if wake.as_mut().poll(cx).is_ready() {
                    wake.set(shared.wake_runner.notified());
                    continue;
                }
                return Poll::Pending;
            })
            .await;
        }
        // Taken before the scope's hold is released: a panic still recorded
        // at release time would be handed to the enclosing scope.
        let panic = shared.take_panic();
        let error = shared.take_error();
        shared.release();

        if let Some((payload, cause)) = panic {
            eprintln!(
                "taskgroup: resuming a panic in the caller of the {}: {cause}",
                shared.info
            );
            resume_unwind(payload);
        }
        if let Some(error) = error {
            return Outcome::ChildError(error);
        }
        match value {
            Some(value) => Outcome::Body(value),
            None if shared.collect_all => Outcome::Collected,
            // Unreachable: without a value the body failed, and its failure
            // (a panic or an error) was handled above.
            None => pending().await,
        }
    }
}
