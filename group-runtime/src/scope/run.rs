//! The scope's runner ([`drive`]): drives the body, reacts to the first
//! failure, joins every child, then produces the scope's value, error or
//! panic ([`Joined`]).
//!
//! What it drives is a [`Driven`]: the body, plus, for a scope that uses
//! `spawn_scoped!`, the scoped children, which the runner keeps polling
//! after the body returned (or was dropped by a failure) until they are
//! done or aborted: the body's value (or `Err`) counts at the moment the
//! body returns, not when the last scoped child does.

use std::future::{pending, poll_fn, Future};
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use pin_project_lite::pin_project;
use tokio::time::Instant;

use crate::core::ambient;
use crate::core::cause::Payload;
use crate::core::state::{Grace, Shared, Unwound, Who};
use crate::core::trace;

/// What the runner has once every child has stopped: the body's value, a
/// child's error, or (`errors = all`) what was collected.
pub(crate) enum Joined<R> {
    /// The body's value (for a fallible scope, possibly its `Err`).
    Body(R),
    /// A child's error, boxed as the scope's error type.
    ChildError(Payload),
    /// No value and no single error: the body was dropped by a failure
    /// that `errors = all` collected (the deadline), or its value was
    /// collected.
    Collected,
}

/// What a scope's runner drives: the body, and the children that live
/// inside the scope's own future (`spawn_scoped!`).
#[doc(hidden)]
pub trait Driven {
    /// The body's value.
    type Output;
    /// Polls the body (and the scoped children): `Ready` with the body's
    /// value once the body returned; the scoped children may go on.
    fn poll_body(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output>;
    /// Drops the body, not the scoped children.
    fn drop_body(self: Pin<&mut Self>);
    /// After the body is gone: polls the scoped children, `Ready` when none
    /// is left.
    fn poll_rest(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()>;
    /// The scope aborts: the scoped children are dropped.
    fn close(self: Pin<&mut Self>);
}

/// What the macros and the tools hand to a scope's runner: any future (the
/// body alone), or a body with scoped children.
#[doc(hidden)]
pub trait IntoDriven {
    /// The body's value.
    type Output;
    #[doc(hidden)]
    type Driven: Driven<Output = Self::Output>;
    #[doc(hidden)]
    fn into_driven(self) -> Self::Driven;
}

impl<F: Future> IntoDriven for F {
    type Output = F::Output;
    type Driven = PlainBody<F>;

    fn into_driven(self) -> PlainBody<F> {
        PlainBody { future: Some(self) }
    }
}

pin_project! {
    /// A body without scoped children.
    #[doc(hidden)]
    pub struct PlainBody<F> {
        #[pin]
        future: Option<F>,
    }
}

impl<F: Future> Driven for PlainBody<F> {
    type Output = F::Output;

    fn poll_body(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        match self.project().future.as_pin_mut() {
            Some(future) => future.poll(cx),
            // Not polled again once it returned (the runner drops it).
            None => Poll::Pending,
        }
    }

    fn drop_body(self: Pin<&mut Self>) {
        self.project().future.set(None);
    }

    fn poll_rest(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        Poll::Ready(())
    }

    fn close(self: Pin<&mut Self>) {}
}

/// The driven body, polled and dropped inside the ambient scope, every
/// call under `catch_unwind`. If the runner is dropped with it still alive
/// (the scope's future was dropped), the scope is cancelled first, so the
/// `Drop` impls see why.
struct Body<'a, D> {
    driven: Option<Pin<Box<D>>>,
    /// The body itself (not its scoped children) is still there.
    alive: bool,
    ambient: Option<Arc<Shared>>,
    shared: &'a Shared,
}

impl<D: Driven> Body<'_, D> {
    /// Runs `f` on the driven body inside the ambient scope; a panic is
    /// recorded as the body's.
    fn with<R>(&mut self, f: impl FnOnce(Pin<&mut D>) -> R) -> Option<R> {
        let driven = self.driven.as_mut()?;
        let ambient = &mut self.ambient;
        let span = &self.shared.span;
        let result = catch_unwind(AssertUnwindSafe(|| {
            trace::in_span(span, || ambient::enter(ambient, || f(driven.as_mut())))
        }));
        match result {
            Ok(value) => Some(value),
            Err(payload) => {
                self.shared.fail_with_panic(payload, Who::Body);
                None
            }
        }
    }

    /// `None` once the body is gone; a panic is recorded and drops it.
    fn poll(&mut self, cx: &mut Context<'_>) -> Option<Poll<D::Output>> {
        if !self.alive {
            return None;
        }
        match self.with(|driven| driven.poll_body(cx)) {
            Some(Poll::Pending) => Some(Poll::Pending),
            Some(ready) => {
                self.discard();
                Some(ready)
            }
            None => {
                self.discard();
                None
            }
        }
    }

    /// Drops the body, recording a panic raised by its `Drop`; the scoped
    /// children stay.
    fn discard(&mut self) {
        if std::mem::take(&mut self.alive) {
            self.with(Driven::drop_body);
        }
    }

    /// Polls the scoped children left after the body: `true` when none is
    /// left (aborting drops them first).
    fn rest_done(&mut self, cx: &mut Context<'_>) -> bool {
        if self.shared.is_aborting() {
            self.with(Driven::close);
        }
        !matches!(
            self.with(|driven| driven.poll_rest(cx)),
            Some(Poll::Pending)
        )
    }
}

impl<D> Body<'_, D> {
    /// The join is complete: what is left of the driven body (nothing
    /// running) is dropped in scope, the scope not cancelled.
    fn finish(mut self) {
        let driven = self.driven.take();
        self.drop_in_scope(driven);
    }

    fn drop_in_scope(&mut self, driven: Option<Pin<Box<D>>>) {
        let Some(driven) = driven else {
            return;
        };
        let ambient = &mut self.ambient;
        let dropped = catch_unwind(AssertUnwindSafe(|| {
            ambient::enter(ambient, || drop(driven));
        }));
        if let Err(payload) = dropped {
            self.shared.fail_with_panic(payload, Who::Body);
        }
    }
}

impl<D> Drop for Body<'_, D> {
    /// The scope's future is dropped before the join completed: the scope
    /// is cancelled first, so the `Drop` impls see why.
    fn drop(&mut self) {
        let driven = self.driven.take();
        if driven.is_some() {
            self.shared.cancel_on_drop();
        }
        self.drop_in_scope(driven);
    }
}

/// Runs `body` as the body of `scope`, whose own `timeout` (when it
/// passes, and how long it was) is `timeout`. `settle` receives the body's
/// value when the body returns (a failure it records cancels the children)
/// and gives back what the scope keeps of it; it runs under `catch_unwind`
/// (dropping a value can panic).
///
/// Returns only after every child has stopped. A panic (of the body or of
/// a child) is resumed here, after the join.
///
/// An enclosing scope's cancellation reaches this one by itself
/// (`core/state.rs`): the children are cancelled and joined while the body
/// goes on, and a failure of this scope's own is still its result.
pub(crate) async fn drive<B: IntoDriven>(
    scope: &Arc<Shared>,
    timeout: Option<(Instant, Duration)>,
    body: B,
    settle: impl FnOnce(&Shared, B::Output) -> Option<B::Output>,
) -> Joined<B::Output> {
    let shared = &**scope;
    let mut wake = pin!(shared.wake_runner.notified());
    let after = timeout.map(|(_, after)| after).unwrap_or_default();
    let mut timeout = pin!(timeout.map(|(at, _)| tokio::time::sleep_until(at)));
    let mut grace = pin!(None);
    // The scope's timers: its grace period once it is cancelled, its own
    // deadline.
    let mut timers = |cx: &mut Context<'_>| {
        if let Some(Grace::For(period)) = shared.grace {
            if shared.is_cancelled() && grace.is_none() {
                // Counted from the signal, not from this look at it.
                grace.set(Some(tokio::time::sleep_until(shared.grace_ends(period))));
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
        driven: Some(Box::pin(body.into_driven())),
        alive: true,
        ambient: Some(scope.clone()),
        shared,
    };
    let mut settle = Some(settle);
    let mut value = None;
    // Handles dropped before their task finished: awaited here, their
    // values dropped under `catch_unwind`. `true` when none is left.
    let orphans_done = |cx: &mut Context<'_>| {
        let mut orphans = shared.take_orphans();
        orphans.retain_mut(|(future, task)| {
            match catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
                Ok(Poll::Pending) => true,
                Ok(Poll::Ready(())) => false,
                Err(payload) => {
                    shared.fail_with_panic(payload, Who::Task(task));
                    false
                }
            }
        });
        shared.keep_orphans(&mut orphans);
        shared.no_orphans()
    };

    // Phase 1: the body runs until it returns or a failure drops it.
    poll_fn(|cx| loop {
        shared.runs_in_blocking_closure(ambient::in_blocking_closure_of(shared.parent.as_deref()));
        timers(cx);
        orphans_done(cx);
        if shared.body_must_go() {
            body.discard();
            return Poll::Ready(());
        }
        match body.poll(cx) {
            None => return Poll::Ready(()),
            Some(Poll::Ready(output)) => {
                let settle = settle.take().expect("the body returns once");
                match catch_unwind(AssertUnwindSafe(|| settle(shared, output))) {
                    Ok(kept) => value = kept,
                    Err(payload) => shared.fail_with_panic(payload, Who::Body),
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

    // Phase 2: join the children and the scoped children. A failure or a
    // parent's cancellation arriving now still cancels the remaining
    // children; the timers still run.
    // (A scoped child may still start parallel children: the count is
    // read at every turn; `JOINING` is set, so the last one wakes us.)
    shared.start_join();
    poll_fn(|cx| loop {
        shared.runs_in_blocking_closure(ambient::in_blocking_closure_of(shared.parent.as_deref()));
        timers(cx);
        let rest_done = body.rest_done(cx);
        let adopted_done = orphans_done(cx);
        if rest_done && adopted_done && shared.children() == 0 {
            return Poll::Ready(());
        }
        if wake.as_mut().poll(cx).is_ready() {
            wake.set(shared.wake_runner.notified());
            continue;
        }
        return Poll::Pending;
    })
    .await;
    body.finish();
    // Taken before the scope's hold is released: a panic still recorded
    // at release time would be handed to the enclosing scope.
    let panic = shared.take_panic();
    let error = shared.take_error();
    shared.release();

    if let Some((payload, cause)) = panic {
        // The payload says what happened; with `tracing` an event also
        // names the task and its spawn location. The library prints nothing.
        trace::panic_resumed(&shared.span, &shared.info, &cause);
        resume_unwind(payload);
    }
    if let Some(error) = error {
        drop(value);
        return Joined::ChildError(error);
    }
    match value {
        Some(value) => Joined::Body(value),
        // The body unwound (an enclosing scope fails): on up.
        None if shared.unwound() => resume_unwind(Box::new(Unwound::Cancelled)),
        None if shared.collect_all => Joined::Collected,
        // Unreachable: without a value the body failed, and its failure
        // (a panic or an error) was handled above.
        None => pending().await,
    }
}
