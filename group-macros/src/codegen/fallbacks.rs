//! `spawn!` & co. where there is no scope to reach: in a `fn` item nested in
//! a scope's body (an error of ours on the call, through `__misplaced!`),
//! and in a `#[nursery]` function that could not be expanded (stand-ins).

use proc_macro2::{Ident, Span, TokenStream, TokenTree};
use quote::quote;
use syn::Stmt;

use crate::diagnostics::{self, Context};
use crate::parse::task::scope_macros;

/// Failing `spawn!` & co. put at the top of a `fn` item nested in the body
/// (the scan hands each one here). They forward their tokens to
/// `__misplaced!`, which reports the error on those tokens (an error raised
/// by a `macro_rules!` defined here would point at the whole `#[nursery]` /
/// `scope!`).
///
/// ```text
/// fn helper() { spawn!(job()); }              // in a #[nursery] body
/// ```
/// becomes
/// ```text
/// fn helper() {
///     macro_rules! spawn {
///         ($($tokens:tt)*) => {
///             ::taskgroup::__private::misplaced!(spawn "a `#[nursery]` body" helper; $($tokens)*)
///         };
///     }
///     // … one for each macro of a scope, down to `cancel`
///     spawn!(job());
/// }
/// ```
/// Snapshot: `src/tests/snapshots/nursery_detached_and_nested_fn.rs`.
pub(crate) fn nested_fn(context: Context, krate: &TokenStream, function: &Ident) -> Vec<Stmt> {
    let context = context.name();
    let macros = every_scope_macro(
        |name| quote!(#krate::__private::misplaced!(#name #context #function; $($tokens)*)),
    );
    syn::parse2::<syn::Block>(quote!({ #macros }))
        .map(|block| block.stmts)
        .unwrap_or_default()
}

/// The body of `__misplaced!(name "context" function; tokens)`: the error
/// of a `spawn!` & co. written in a `fn` item nested in a scope's body,
/// located on the invocation's own tokens, or on the function's name when
/// there are none (`cancel!()`).
///
/// ```text
/// __misplaced!(spawn "a `#[nursery]` body" helper; job())
/// ```
/// becomes
/// ```text
/// ::core::compile_error! { "`spawn!` cannot be used in a `fn` item nested in …" }
/// ```
/// (on `job()`). No snapshot: `src/tests/regressions.rs`,
/// `misplaced_reports_one_error`, and the workspace's `tests/ui/fail/spawn-in-nested-fn.rs`.
pub(crate) fn misplaced(input: TokenStream) -> TokenStream {
    let mut tokens = input.into_iter();
    let (Some(name), Some(TokenTree::Literal(context)), Some(function)) =
        (tokens.next(), tokens.next(), tokens.next())
    else {
        return quote!(::core::compile_error!(
            "`__misplaced!` is internal to taskgroup"
        ));
    };
    let context = context.to_string();
    let context = context.trim_matches('"');
    let rest: TokenStream = tokens.skip(1).collect();
    let message = diagnostics::misplaced(&name, context);
    let error = if rest.is_empty() {
        syn::Error::new(function.span(), message)
    } else {
        syn::Error::new_spanned(rest, message)
    };
    error.to_compile_error()
}

/// Stand-ins for `spawn!` & co. in a function that could not be expanded
/// (not async): they keep the one real error from drowning in "cannot find
/// macro `spawn`".
///
/// ```text
/// fn run() { spawn!(job()); }                 // #[nursery] on a non-async fn
/// ```
/// becomes
/// ```text
/// ::core::compile_error! { "`#[nursery]` goes on an `async fn` …" }
/// fn run() {
///     macro_rules! spawn { ($($tokens:tt)*) => { ::core::unreachable!() }; }
///     // … one for each macro of a scope
///     spawn!(job());
/// }
/// ```
/// Snapshot: `src/tests/snapshots/nursery_not_async.rs`.
pub(crate) fn stub_macros() -> TokenStream {
    every_scope_macro(|_| quote!(::core::unreachable!()))
}

/// A local `macro_rules!` for each macro of a scope, expanding to
/// `body(name)` whatever its input.
fn every_scope_macro(body: impl Fn(&Ident) -> TokenStream) -> TokenStream {
    let macros = scope_macros().map(|name| {
        let name = Ident::new(name, Span::call_site());
        let body = body(&name);
        quote! {
            #[allow(unused_macros)]
            macro_rules! #name { ($($tokens:tt)*) => { #body }; }
        }
    });
    quote!(#(#macros)*)
}
