//! The `tracing` feature: each scope and each task is a span (name,
//! location; a task's span is a child of its scope's, a scope's of the span
//! that opened it), cancellations and their cause are events. Without the
//! feature every item here is a no-op on a zero-sized span.

use crate::cause::{Cause, ScopeInfo, TaskInfo};

#[cfg(feature = "tracing")]
mod on {
    use super::{Cause, ScopeInfo, TaskInfo};

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
        )
    }

    pub(crate) fn in_span<R>(span: &Span, f: impl FnOnce() -> R) -> R {
        span.in_scope(f)
    }

    pub(crate) fn cancelled(span: &Span, cause: &Cause) {
        tracing::info!(parent: span, cause = %cause, "taskgroup: scope cancelled");
    }

    pub(crate) fn task_ended(span: &Span, outcome: &'static str) {
        tracing::debug!(parent: span, outcome, "taskgroup: task ended");
    }
}

#[cfg(not(feature = "tracing"))]
mod on {
    use super::{Cause, ScopeInfo, TaskInfo};

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

    pub(crate) fn task_ended(_: &Span, _: &'static str) {}
}

pub(crate) use on::{cancelled, in_span, scope_span, task_ended, task_span, Span};
