//! The errors the macros report: the collector that lets the user see all of
//! them at once, and every message, grouped by the macro that gives it.
//!
//! Each message says what is accepted and how to fix the code; each function
//! takes the span of the offending token. Read them as the user who gets
//! them (`tests/ui/fail/*.stderr` shows them in context). This module is the
//! bottom layer: it imports nothing from the crate.

use std::fmt::Display;

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::Error;

/// Accumulates errors so the user sees all of them at once
/// (`syn::Error::combine`). Not the public `taskgroup::Errors<E>`.
#[derive(Default)]
pub(crate) struct Diagnostics(Option<Error>);

impl Diagnostics {
    /// Records one more error.
    pub(crate) fn push(&mut self, error: Error) {
        match &mut self.0 {
            Some(errors) => errors.combine(error),
            None => self.0 = Some(error),
        }
    }

    /// One `compile_error!` per recorded error; nothing if there is none.
    pub(crate) fn to_compile_errors(&self) -> TokenStream {
        self.0
            .as_ref()
            .map(Error::to_compile_error)
            .unwrap_or_default()
    }
}

/// Where a scope's body is, for messages: "`#[nursery]` body" or "`scope!`
/// body".
#[derive(Clone, Copy)]
pub(crate) enum Context {
    Nursery,
    Scope,
}

impl Context {
    /// "a `#[nursery]` body" or "a `scope!` body".
    pub(crate) fn name(self) -> &'static str {
        match self {
            Context::Nursery => "a `#[nursery]` body",
            Context::Scope => "a `scope!` body",
        }
    }
}

// The options of `#[nursery(…)]` and `scope!(…; { })`.

/// What the accepted options are.
const ACCEPTED: &str =
    "accepted options: `limit = <usize>` (a literal or any expression), `timeout = <Duration>`, `grace = <Duration>`, `errors = all | isolated`, `stop = reverse`, `context = <value>`, `name = \"…\"`, `crate = <path>`";

pub(crate) fn crate_not_a_path(span: Span) -> Error {
    Error::new(span, "`crate = …` takes a path, e.g. `crate = ::taskgroup`")
}

pub(crate) fn expected_option_name(span: Span) -> Error {
    Error::new(span, format!("expected an option name; {ACCEPTED}"))
}

pub(crate) fn expected_equals(key: &impl Display, span: Span) -> Error {
    Error::new(span, format!("expected `=` after `{key}`; {ACCEPTED}"))
}

pub(crate) fn unknown_option(name: &str, span: Span) -> Error {
    Error::new(span, format!("unknown option `{name}`; {ACCEPTED}"))
}

pub(crate) fn duplicate_option(name: &str, span: Span) -> Error {
    Error::new(span, format!("duplicate option `{name}`: give it once"))
}

pub(crate) fn unexpected_value(span: Span) -> Error {
    Error::new(span, format!("unexpected value; {ACCEPTED}"))
}

pub(crate) fn error_policy(span: Span) -> Error {
    Error::new(
        span,
        "`errors = …` is `first` (the default: the first failure cancels the rest), \
         `all` (collect every error, cancel nothing) or `isolated` (each `spawn!` child's \
         failure is its own, given to its handle)",
    )
}

pub(crate) fn stop_policy(span: Span) -> Error {
    Error::new(
        span,
        "`stop = …` is `together` (the default: on cancellation every child is signalled at \
         once) or `reverse` (one at a time, the last started first, each after the later ones \
         have stopped)",
    )
}

pub(crate) fn zero_limit(span: Span) -> Error {
    Error::new(
        span,
        "`limit = 0` would never let a task start: use a limit of at least 1, \
         or leave `limit` out for no limit",
    )
}

// `#[nursery]`.

pub(crate) fn nursery_not_a_function(error: &Error) -> Error {
    Error::new(
        error.span(),
        format!("`#[nursery]` goes on an `async fn` with a body: {error}"),
    )
}

/// The function was produced by `#[tokio::main]` / `#[tokio::test]`.
pub(crate) fn nursery_below_tokio(span: Span) -> Error {
    Error::new(
        span,
        "`#[nursery]` must come before (above) `#[tokio::main]` / `#[tokio::test]`: \
         they turn the `async fn` into a plain `fn` before `#[nursery]` sees it. \
         Write `#[nursery]` first, then `#[tokio::main]` or `#[tokio::test]`",
    )
}

pub(crate) fn nursery_not_async(span: Span) -> Error {
    Error::new(
        span,
        "`#[nursery]` goes on an `async fn`: add `async` before `fn` \
         (the scope awaits its tasks, so the function must be async)",
    )
}

/// On the error type `E` of the declared `Result<T, E>`.
pub(crate) fn borrowed_error_type(error: impl ToTokens) -> Error {
    Error::new_spanned(
        error,
        "the scope's error type must be `'static`: a task's error reaches the scope from \
         another thread and is kept until the scope returns, so it cannot borrow. Return an \
         owned error (`String`, `Box<dyn std::error::Error + Send + Sync>`, your own error \
         type), e.g. `.map_err(|e| e.to_owned())`",
    )
}

/// On the declared return type.
pub(crate) fn errors_all_return_type(ret: impl ToTokens) -> Error {
    Error::new_spanned(
        ret,
        "with `errors = all` the function returns `Result<T, taskgroup::Errors<E>>`: \
         every error, each converted into `E`",
    )
}

/// `crate = Self` and other paths that are not valid in a `use`.
pub(crate) fn unusable_crate_path(span: Span, error: &Error) -> Error {
    Error::new(
        span,
        format!("cannot generate the scope with this `crate = …` path: {error}"),
    )
}

// `scope!`.

pub(crate) fn scope_missing_semicolon(span: Span) -> Error {
    Error::new(
        span,
        "options and the body of `scope!` are separated by `;`: \
         write `scope!(limit = 8; { … })`",
    )
}

// Detached spawns and nested `fn` items in a scope's body.

/// `call` is the path as written (`tokio::spawn`), `kind` "task" or
/// "thread".
pub(crate) fn detached_spawn(at: impl ToTokens, call: &str, kind: &str, context: Context) -> Error {
    Error::new_spanned(
        at,
        format!(
            "`{call}` in {} starts a detached {kind} that the scope neither joins nor cancels; \
             use `spawn!(…)` so the task belongs to the scope, or, if it really must outlive \
             the scope, write `taskgroup::detached!({call}(…))`",
            context.name()
        ),
    )
}

/// `shown` is the method chain (`Handle::current().spawn`).
pub(crate) fn detached_method(span: Span, shown: &str, kind: &str, context: Context) -> Error {
    Error::new(
        span,
        format!(
            "`{shown}(…)` in {} starts a detached {kind} that the scope neither joins nor \
             cancels; use `spawn!(…)` so the task belongs to the scope, or, if it really \
             must outlive the scope, wrap the call in `taskgroup::detached!(…)`",
            context.name()
        ),
    )
}

/// `spawn!` & co. in a `fn` item nested in a scope's body; `context` is
/// [`Context::name`], as it reaches `__misplaced!`.
pub(crate) fn misplaced(name: &impl Display, context: &str) -> String {
    format!(
        "`{name}!` cannot be used in a `fn` item nested in {context}: that function is not part \
         of the scope. Use a closure or an `async` block in the body instead, or make the nested \
         function a `#[nursery]` of its own"
    )
}

// `spawn!` & co. (the body of `__spawn_task!`).

/// How a task is written.
const USAGE: &str = "write `spawn!(future)` or `spawn!(name = \"…\", timeout = d, future)` \
                     (options: `isolated`, `name`, `timeout`, `restart`), \
                     e.g. `spawn!(fetch(id))` or `spawn!(async move { … })`";

pub(crate) fn task_expected_comma(key: &impl Display, span: Span) -> Error {
    Error::new(span, format!("expected `,` after `{key} = …`; {USAGE}"))
}

pub(crate) fn task_expected_comma_after_flag(flag: &impl Display, span: Span) -> Error {
    Error::new(span, format!("expected `,` after `{flag}`; {USAGE}"))
}

pub(crate) fn task_duplicate_option(key: &impl Display, span: Span) -> Error {
    Error::new(span, format!("duplicate option `{key}`"))
}

pub(crate) fn task_unknown_option(key: &str, span: Span) -> Error {
    Error::new(
        span,
        format!(
            "unknown task option `{key}`; accepted: `isolated`, `name = \"…\"`, \
             `timeout = <Duration>`, `restart = <Restart>`"
        ),
    )
}

/// For `ParseStream::error`, which places it.
pub(crate) fn task_missing_future() -> String {
    format!("missing future: {USAGE}")
}

/// For `ParseStream::error`, which places it.
pub(crate) fn task_trailing_tokens() -> String {
    format!("unexpected tokens after the future; {USAGE}")
}

/// On the `isolated` flag of a macro that cannot take it.
pub(crate) fn isolated_misplaced(macro_name: &impl Display, span: Span) -> Error {
    Error::new(
        span,
        format!(
            "`isolated` applies to `spawn!` and `try_spawn!` (a child whose failure goes to its \
             handle), not to `{macro_name}!`"
        ),
    )
}

/// On the `restart` key of a macro that cannot take it.
pub(crate) fn restart_misplaced(macro_name: &impl Display, span: Span) -> Error {
    Error::new(
        span,
        format!(
            "`restart = …` applies to `spawn!`, `try_spawn!` and `spawn_background!` (a child \
             started again by its scope), not to `{macro_name}!`"
        ),
    )
}

/// On the `timeout` of a restarted child.
pub(crate) fn restart_with_timeout(span: Span) -> Error {
    Error::new(
        span,
        "a restarted child takes no `timeout` (would it bound one start, or all of them?): \
         bound each start inside the factory, `|| async { tokio::time::timeout(d, work()).await }`, \
         or put the `timeout` on the scope",
    )
}

/// On the `timeout` value.
pub(crate) fn blocking_timeout(span: Span) -> Error {
    Error::new(
        span,
        "a `spawn_blocking!` task cannot be aborted, so it takes no `timeout`: put the \
         `timeout` on the scope, and check `taskgroup::is_cancelled()` in the closure",
    )
}

pub(crate) fn start_not_a_closure(span: Span) -> Error {
    Error::new(
        span,
        "`start!` takes a closure that receives the `Ready` signal: \
         `start!(|ready| async move { …; ready.send(value); … })`",
    )
}

pub(crate) fn start_closure_arity(span: Span) -> Error {
    Error::new(
        span,
        "the `start!` closure takes one argument, the `Ready` signal: `|ready| …`",
    )
}

/// A `scope!` using `spawn_scoped!` inside an `outer!` task.
pub(crate) fn scoped_scope_in_task(span: Span, outer: &impl Display) -> Error {
    let message = format!(
        "a scope that uses `spawn_scoped!` is not `Send` (its scoped \
         children live inside the scope's own future), so it cannot \
         run inside a `{outer}!` task, which may move between \
         threads. In the task's scope, use `spawn!` (move or `Arc` \
         what it needs), or run the task on a `tokio::task::LocalSet` \
         instead of `{outer}!`"
    );
    Error::new(span, message)
}

/// `cancel!()` inside an `outer!` task's own future.
pub(crate) fn cancel_in_task(span: Span, outer: &str) -> Error {
    let message = format!(
        "`cancel!()` inside a `{outer}!` task cannot reach the enclosing \
         scope: the task runs on its own (`Send + 'static`). Return an \
         `Err` from the task to stop its siblings, or call `cancel!()` \
         in the body"
    );
    Error::new(span, message)
}

/// `name!` inside a `spawn_blocking!` closure.
pub(crate) fn spawn_in_blocking(span: Span, name: &str) -> Error {
    let message = format!(
        "`{name}!` inside a `spawn_blocking!` closure cannot reach the \
         enclosing scope: the closure runs on its own thread \
         (`Send + 'static`). Return the value for the body to spawn, or \
         open a scope of the closure's own: \
         `tokio::runtime::Handle::current().block_on(async {{ scope! {{ … }} }})`"
    );
    Error::new(span, message)
}

/// `name!` inside an `outer!` task's own future.
pub(crate) fn spawn_in_task(span: Span, name: &str, outer: &str) -> Error {
    let message = format!(
        "`{name}!` inside a `{outer}!` task cannot reach the enclosing \
         scope: the task runs on its own (`Send + 'static`) and cannot \
         borrow it. Open a scope inside the task: \
         `{outer}!(async move {{ scope! {{ {name}!(…); }} }})`"
    );
    Error::new(span, message)
}

// `#[taskgroup::test]`.

pub(crate) fn test_not_a_function(error: &Error) -> Error {
    let message = format!("`#[taskgroup::test]` goes on an `async fn` test: {error}");
    Error::new(error.span(), message)
}

pub(crate) fn test_arguments(span: Span) -> Error {
    Error::new(
        span,
        "`#[taskgroup::test]` takes `#[tokio::test]`'s arguments (`flavor = \"…\"`, \
         `worker_threads = n`, `start_paused = true`) and `leak_bound = <Duration>`",
    )
}

pub(crate) fn test_not_async(span: Span) -> Error {
    Error::new(
        span,
        "`#[taskgroup::test]` goes on an `async fn` (if this is a plain `#[test]`, \
         a glob import `use taskgroup::*` shadows the built-in `#[test]`: import \
         what you use instead)",
    )
}

pub(crate) fn test_takes_arguments(span: Span) -> Error {
    Error::new(span, "a `#[taskgroup::test]` function takes no arguments")
}

pub(crate) fn test_crate_path(span: Span) -> Error {
    Error::new(
        span,
        "`#[taskgroup::test]` picks tokio's crate path itself; pass only `flavor`, \
         `worker_threads`, `start_paused` and `leak_bound`",
    )
}
