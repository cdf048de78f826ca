//! The scope's runner: drives the body, reacts to the first failure, joins
//! every child, then produces the scope's value, error or panic.

use std::future::{pending, poll_fn, Future};
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::pin::{pin, Pin};
use std::sync::atomic::Ordering::SeqCst;
use std::sync::Arc;
use std::task::Poll;

use crate::ambient;
use crate::scope::Scope;
use crate::shared::{Payload, Shared, Who};

/// How the body and its children ended, once every child has stopped.
pub(crate) enum Outcome<R> {
    /// The body's value (for a fallible scope, possibly its `Err`).
    Body(R),
    /// A child's error, boxed as the scope's error type.
    ChildError(Payload),
}

/// Drops the body in place, inside the ambient scope, recording a panic
/// raised by its `Drop`.
fn discard<B>(mut body: Pin<&mut Option<B>>, ambient: &mut Option<Arc<Shared>>, shared: &Shared) {
    let dropped = catch_unwind(AssertUnwindSafe(|| {
        ambient::enter(ambient, || body.set(None));
    }));
    if let Err(payload) = dropped {
        shared.fail_with_panic(payload, Who::Body);
    }
}

impl<E> Scope<E> {
    /// Runs `body` as the scope's body. `is_failure` says whether a value
    /// the body returned is a failure (`Err`), which cancels the children.
    ///
    /// Returns only after every child has stopped. A panic (of the body or
    /// of a child) is resumed here, after the join. When an enclosing scope
    /// cancelled this one, this never returns: the enclosing scope is about
    /// to drop it (cancellation unwinds to the scope that started it).
    pub(crate) async fn drive<B: Future>(
        &self,
        body: B,
        is_failure: fn(&B::Output) -> bool,
    ) -> Outcome<B::Output> {
        let shared = &*self.shared;
        let mut ambient = Some(self.shared.clone());
        let mut wake = pin!(shared.wake_runner.notified());
        let mut parent = pin!(async {
            match &shared.parent {
                Some(parent) => parent.token.cancelled().await,
                None => pending().await,
            }
        });
        let mut by_parent = false;
        let mut body = pin!(Some(body));
        let mut value = None;

        // Phase 1: the body runs until it returns, fails, or is cancelled.
        poll_fn(|cx| loop {
            if shared.is_failed() {
                discard(body.as_mut(), &mut ambient, shared);
                return Poll::Ready(());
            }
            if parent.as_mut().poll(cx).is_ready() {
                shared.cancel_from_parent();
                by_parent = true;
                discard(body.as_mut(), &mut ambient, shared);
                return Poll::Ready(());
            }
            let Some(running) = body.as_mut().as_pin_mut() else {
                return Poll::Ready(());
            };
            let polled = catch_unwind(AssertUnwindSafe(|| {
                ambient::enter(&mut ambient, || running.poll(cx))
            }));
            match polled {
                Ok(Poll::Ready(output)) => {
                    discard(body.as_mut(), &mut ambient, shared);
                    if !is_failure(&output) || shared.fail_from_body() {
                        value = Some(output);
                    }
                    return Poll::Ready(());
                }
                Ok(Poll::Pending) => {}
                Err(payload) => {
                    discard(body.as_mut(), &mut ambient, shared);
                    shared.fail_with_panic(payload, Who::Body);
                    return Poll::Ready(());
                }
            }
            if wake.as_mut().poll(cx).is_ready() {
                // Something happened (a failure): look again.
                wake.set(shared.wake_runner.notified());
                continue;
            }
            return Poll::Pending;
        })
        .await;

        // Phase 2: join. A failure or a parent's cancellation arriving now
        // still cancels the remaining children.
        shared.joining.store(true, SeqCst);
        poll_fn(|cx| loop {
            if shared.live() == 0 {
                return Poll::Ready(());
            }
            if !by_parent && parent.as_mut().poll(cx).is_ready() {
                shared.cancel_from_parent();
                by_parent = true;
            }
            if wake.as_mut().poll(cx).is_ready() {
                wake.set(shared.wake_runner.notified());
                continue;
            }
            return Poll::Pending;
        })
        .await;
        shared.finished.store(true, SeqCst);

        if let Some((payload, cause)) = shared.take_panic() {
            eprintln!(
                "taskgroup: resuming a panic in the caller of the {}: {cause}",
                shared.info
            );
            resume_unwind(payload);
        }
        if let Some(error) = shared.take_error() {
            return Outcome::ChildError(error);
        }
        match value {
            Some(value) if !by_parent => Outcome::Body(value),
            // Cancelled from outside: the enclosing scope drops us.
            _ => pending().await,
        }
    }
}
