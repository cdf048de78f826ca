//! The `tracing` feature: each scope and each task is a span (name,
//! location, and for a task its outcome; a task's span is a child of its
//! scope's, a scope's of the span that opened it); cancellations with their
//! cause, task failures and panics are events. Without the feature every
//! item here is a no-op on a zero-sized span.

use crate::core::cause::{Cause, Payload, ScopeInfo, TaskInfo};

/// How a task ended, recorded on its span (field `outcome`) and as an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TaskEnd {
    /// Returned its value (or `Ok`).
    Ok,
    /// Returned an `Err`, recorded in its scope.
    Failed,
    /// Panicked; the panic is recorded in its scope.
    Panicked,
    /// Stopped before it finished: its scope was cancelled or aborted.
    Cancelled,
}

impl TaskEnd {
    /// A finished task: its handle's value, or `None` if it failed.
    pub(crate) fn of<T>(value: &Option<T>) -> Self {
        match value {
            Some(_) => TaskEnd::Ok,
            None => TaskEnd::Failed,
        }
    }

    #[cfg_attr(not(feature = "tracing"), allow(dead_code))]
    fn as_str(self) -> &'static str {
        match self {
            TaskEnd::Ok => "ok",
            TaskEnd::Failed => "failed",
            TaskEnd::Panicked => "panicked",
            TaskEnd::Cancelled => "cancelled",
        }
    }
}

#[cfg(feature = "tracing")]
mod on {
    use super::{Cause, Payload, ScopeInfo, TaskEnd, TaskInfo};
    use crate::core::cause::panic_message;

    pub(crate) type Span = tracing::Span;

    pub(crate) fn scope_span(info: &ScopeInfo) -> Span {
        tracing::info_span!(
            "taskgroup.scope",
            name = info.name().unwrap_or(""),
            location = %info.location(),
        )
    }

    pub(crate) fn task_span(scope: &Span, info: &TaskInfo) -> Span {
        tracing::info_span!(
            parent: scope,
            "taskgroup.task",
            id = info.id().as_u64(),
            name = info.name().unwrap_or(""),
            location = %info.location(),
            outcome = tracing::field::Empty,
        )
    }

    pub(crate) fn in_span<R>(span: &Span, f: impl FnOnce() -> R) -> R {
        span.in_scope(f)
    }

    pub(crate) fn cancelled(span: &Span, cause: &Cause) {
        tracing::info!(parent: span, cause = %cause, "taskgroup: scope cancelled");
    }

    pub(crate) fn panic_resumed(span: &Span, scope: &ScopeInfo, cause: &Cause) {
        tracing::error!(
            parent: span,
            cause = %cause,
            "taskgroup: resuming a panic in the caller of the {scope}"
        );
    }

    pub(crate) fn shutdown_aborted(
        reason: &str,
        drain: std::time::Duration,
        still_alive: &impl std::fmt::Display,
    ) {
        tracing::warn!(
            reason,
            ?drain,
            "taskgroup: shutdown: still alive after the drain, aborted:\n{still_alive}"
        );
    }

    pub(crate) fn panic_lost(scope: &ScopeInfo, cause: &Cause) {
        tracing::error!(
            cause = %cause,
            "taskgroup: a panic in the {scope} could not be resumed: the scope's future was \
             dropped and no enclosing scope remains"
        );
    }

    pub(crate) fn task_ended(span: &Span, outcome: TaskEnd, panic: Option<&Payload>) {
        let name = outcome.as_str();
        span.record("outcome", name);
        match outcome {
            TaskEnd::Ok | TaskEnd::Cancelled => {
                tracing::debug!(parent: span, outcome = name, "taskgroup: task ended");
            }
            TaskEnd::Failed => {
                tracing::warn!(parent: span, outcome = name, "taskgroup: task failed");
            }
            TaskEnd::Panicked => {
                let message = panic.and_then(|payload| panic_message(&**payload));
                tracing::error!(
                    parent: span,
                    outcome = name,
                    panic = message.as_deref().unwrap_or("(not a string)"),
                    "taskgroup: task panicked"
                );
            }
        }
    }

    pub(crate) fn unobserved_panic(task: &TaskInfo, message: Option<&str>) {
        tracing::error!(
            task = %task,
            panic = message.unwrap_or("(not a string)"),
            "taskgroup: an isolated child's panic was dropped without being taken from its outcome"
        );
    }

    pub(crate) fn isolated_panicked(message: Option<&str>) {
        tracing::warn!(
            panic = message.unwrap_or("(not a string)"),
            "taskgroup: isolated child panicked (its handle has the panic)"
        );
    }

    pub(crate) fn restarting(restarts: u64, failure: &str, delay: std::time::Duration) {
        tracing::warn!(
            restarts,
            failure,
            ?delay,
            "taskgroup: restarting a supervised child"
        );
    }

    pub(crate) fn restarts_exhausted(restarts: usize, within: std::time::Duration, failure: &str) {
        tracing::error!(
            restarts,
            ?within,
            failure,
            "taskgroup: restart intensity exceeded: the child's last exit goes to its scope"
        );
    }
}

#[cfg(not(feature = "tracing"))]
mod on {
    use super::{Cause, Payload, ScopeInfo, TaskEnd, TaskInfo};

    /// Nothing, without the `tracing` feature.
    #[derive(Clone, Copy, Debug, Default)]
    pub(crate) struct Span;

    pub(crate) fn scope_span(_: &ScopeInfo) -> Span {
        Span
    }

    pub(crate) fn task_span(_: &Span, _: &TaskInfo) -> Span {
        Span
    }

    pub(crate) fn in_span<R>(_: &Span, f: impl FnOnce() -> R) -> R {
        f()
    }

    pub(crate) fn cancelled(_: &Span, _: &Cause) {}

    pub(crate) fn panic_resumed(_: &Span, _: &ScopeInfo, _: &Cause) {}

    pub(crate) fn panic_lost(_: &ScopeInfo, _: &Cause) {}

    pub(crate) fn shutdown_aborted(_: &str, _: std::time::Duration, _: &impl std::fmt::Display) {}

    pub(crate) fn task_ended(_: &Span, _: TaskEnd, _: Option<&Payload>) {}

    pub(crate) fn unobserved_panic(_: &TaskInfo, _: Option<&str>) {}

    pub(crate) fn isolated_panicked(_: Option<&str>) {}

    pub(crate) fn restarting(_: u64, _: &str, _: std::time::Duration) {}

    pub(crate) fn restarts_exhausted(_: usize, _: std::time::Duration, _: &str) {}
}

pub(crate) use on::{
    cancelled, in_span, isolated_panicked, panic_lost, panic_resumed, restarting,
    restarts_exhausted, scope_span, shutdown_aborted, task_ended, task_span, unobserved_panic,
    Span,
};
