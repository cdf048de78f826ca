//! `ScopeOptions` → the code that opens and runs a scope with them, and the
//! checks on `timeout` / `grace` values (shared with a task's `timeout`).

use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;

use crate::codegen::respan;
use crate::parse::options::ScopeOptions;

/// The runtime's options, each call located on the user's value.
///
/// ```text
/// limit = 4, timeout = d, errors = all, name = "crawler"
/// ```
/// becomes
/// ```text
/// ::taskgroup::__private::Options::new(<location>)
///     .name(::taskgroup::checks::IntoName::into_name("crawler"))
///     .limit(::taskgroup::IntoLimit::into_limit(4))
///     .timeout(::taskgroup::IntoTimeout::into_timeout(d))
///     .collect_all()
/// ```
/// Snapshot: `src/tests/snapshots/nursery_options.rs`, `scope_options.rs`,
/// `nursery_errors_all.rs`, `scope_stop_reverse.rs`.
pub(crate) fn builder(options: &ScopeOptions, location: TokenStream) -> TokenStream {
    let krate = options.krate();
    let mut builder = quote!(#krate::__private::Options::new(#location));
    if let Some(name) = &options.name {
        let value = quote_spanned!(name.span()=> #krate::checks::IntoName::into_name(#name));
        builder = quote_spanned!(name.span()=> #builder.name(#value));
    }
    if let Some(limit) = &options.limit {
        let value = quote_spanned!(limit.span()=> #krate::IntoLimit::into_limit(#limit));
        builder = quote_spanned!(limit.span()=> #builder.limit(#value));
    }
    if let Some(timeout) = &options.timeout {
        let value = into_timeout(&krate, timeout);
        builder = quote_spanned!(timeout.span()=> #builder.timeout(#value));
    }
    if let Some(grace) = &options.grace {
        let value = into_timeout(&krate, grace);
        builder = quote_spanned!(grace.span()=> #builder.grace(#value));
    }
    if let Some(all) = &options.errors_all {
        builder = quote_spanned!(all.span()=> #builder.collect_all());
    }
    for value in &options.context {
        let checked = quote_spanned!(value.span()=> #krate::checks::context_value(#value));
        builder = quote_spanned!(value.span()=> #builder.context(#checked));
    }
    if let Some(reverse) = &options.stop_reverse {
        builder = quote_spanned!(reverse.span()=> #builder.stop_in_reverse());
    }
    builder
}

/// The runner's method: `run`, or `run_all` with `errors = all` (located
/// on `all`, where an error about it belongs).
pub(crate) fn run_method(options: &ScopeOptions) -> Ident {
    match &options.errors_all {
        Some(all) => Ident::new("run_all", all.span()),
        None => Ident::new("run", Span::call_site()),
    }
}

/// The call that runs the body; `errors = all` adds the check that the body
/// returns a `Result` (reported on `all`).
///
/// ```text
/// mode.run(&scope, body)                     // run_method: `run`
/// mode.run_all(&scope, body)                 // run_method: `run_all`
/// ```
/// become
/// ```text
/// mode.run(&scope, body)
/// ::taskgroup::checks::errors_all(mode.run_all(&scope, body))
/// ```
/// Snapshot: `src/tests/snapshots/nursery_errors_all.rs`.
pub(crate) fn run_call(options: &ScopeOptions, run: &Ident, call: TokenStream) -> TokenStream {
    if run != "run_all" {
        return call;
    }
    let krate = options.krate();
    quote_spanned!(run.span()=> #krate::checks::errors_all(#call))
}

/// With a `timeout`, the check that the scope's error type can be built
/// from `Elapsed` (reported on the `timeout` value); see [`deadline_check`].
pub(crate) fn scope_deadline_check(options: &ScopeOptions, scope: &Ident) -> TokenStream {
    match &options.timeout {
        Some(timeout) => deadline_check(&options.krate(), scope, timeout.span()),
        None => TokenStream::new(),
    }
}

/// A `timeout = …` or `grace = …` value, checked by the public trait so that
/// an error names it rather than a hidden method.
///
/// ```text
/// timeout = Duration::from_secs(1)
/// ```
/// becomes
/// ```text
/// ::taskgroup::IntoTimeout::into_timeout(Duration::from_secs(1))
/// ```
/// Snapshot: `src/tests/snapshots/scope_timeout.rs`, `spawn_with_timeout.rs`.
pub(crate) fn into_timeout(krate: &TokenStream, value: &impl ToTokens) -> TokenStream {
    let span = value.span();
    let krate = respan(krate, span);
    quote_spanned!(span=> #krate::IntoTimeout::into_timeout(#value))
}

/// The check that the scope's error type can be built from `Elapsed`, for a
/// scope's or a task's `timeout`. The argument's tokens share the hidden
/// name's hygiene and are located at `span` (the `timeout` value), so that
/// an error is reported there rather than on the whole macro.
///
/// ```text
/// timeout = d
/// ```
/// becomes
/// ```text
/// ::taskgroup::checks::deadline_error(&__tg_scope);
/// ```
/// Snapshot: `src/tests/snapshots/scope_timeout.rs`, `spawn_with_timeout.rs`.
pub(crate) fn deadline_check(krate: &TokenStream, scope: &Ident, span: Span) -> TokenStream {
    let located = scope.span().located_at(span);
    let scope = Ident::new(&scope.to_string(), located);
    let argument = quote_spanned!(located=> &#scope);
    quote_spanned!(span=> #krate::checks::deadline_error(#argument);)
}
