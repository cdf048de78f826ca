//! `#[nursery]` on an `async fn`: the whole body becomes a scope.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::{ItemFn, Type};

use crate::codegen::fallbacks::{nested_fn, stub_macros};
use crate::codegen::names::Names;
use crate::codegen::options::{run_call, run_method};
use crate::codegen::preamble::{preamble, uses_scoped, with_scoped, Open};
use crate::diagnostics::{self, Context, Diagnostics};
use crate::parse::mentions;
use crate::parse::options::ScopeOptions;
use crate::parse::return_type::{body_type, borrowed_error_type, collected_inner};
use crate::scan::scan;

/// The attribute: the options are parsed, the body checked and wrapped.
/// Whatever goes wrong, the user's function is kept, with the errors before
/// it; bad options still expand with the defaults.
///
/// ```text
/// #[nursery]
/// async fn fetch_all(ids: Vec<u32>) -> Result<Vec<u32>, Error> {
///     for id in ids { spawn!(fetch(id)); }
///     Ok(vec![])
/// }
/// ```
/// becomes
/// ```text
/// async fn fetch_all(ids: Vec<u32>) -> Result<Vec<u32>, Error> {
///     /* preamble: imports, __tg_mode, __tg_scope, local spawn! & co. */
///     let __tg_ret = __tg_mode.run(&__tg_scope, async {
///         let __tg_ret: Result<Vec<u32>, Error> = {
///             for id in ids { spawn!(fetch(id)); }
///             Ok(vec![])
///         };
///         #[allow(unreachable_code)]
///         __tg_ret
///     }).await;
///     __tg_ret
/// }
/// ```
/// Snapshot: `src/tests/snapshots/nursery_fallible.rs` (and every
/// `nursery_*.rs`: `nursery_not_async.rs`, `nursery_not_a_function.rs` for
/// the errors).
pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut diagnostics = Diagnostics::default();
    let options = ScopeOptions::parse(args, &mut diagnostics);
    let mut function: ItemFn = match syn::parse2(item.clone()) {
        Ok(function) => function,
        Err(error) => {
            diagnostics.push(diagnostics::nursery_not_a_function(&error));
            let errors = diagnostics.to_compile_errors();
            return quote!(#errors #item);
        }
    };
    if function.sig.asyncness.is_none() {
        diagnostics.push(not_async(&function));
        let errors = diagnostics.to_compile_errors();
        let stubs = stub_macros();
        let stmts = &function.block.stmts;
        let braces = function.block.brace_token;
        *function.block = syn::parse_quote!({ #stubs #(#stmts)* });
        function.block.brace_token = braces;
        return quote!(#errors #function);
    }
    if let Some(error) = borrowed_error_type(&function) {
        diagnostics.push(diagnostics::borrowed_error_type(error));
    }
    // Before the scan, whose nested-fn fallbacks name `spawn_scoped`.
    let scoped = uses_scoped(function.block.to_token_stream());
    let krate = options.krate();
    scan(
        &mut function.block.stmts,
        Context::Nursery,
        &mut diagnostics,
        &|name| nested_fn(Context::Nursery, &krate, name),
    );
    let body = scope_body(&options, &function, scoped);
    match syn::parse2::<syn::Block>(quote!({ #body })) {
        Ok(block) => {
            // Keep the user's braces: a body whose span is the macro's would
            // hide the function from `dead_code` (rust-lang/rust#53209).
            let braces = function.block.brace_token;
            *function.block = block;
            function.block.brace_token = braces;
        }
        // Only options that are not valid in a path (`crate = Self`) get
        // here: report it and keep the user's function as it is.
        Err(error) => diagnostics.push(diagnostics::unusable_crate_path(
            options
                .krate
                .as_ref()
                .map_or_else(Span::call_site, syn::spanned::Spanned::span),
            &error,
        )),
    }
    let errors = diagnostics.to_compile_errors();
    quote!(#errors #function)
}

/// The message for a non-async fn, with the attribute order when the fn was
/// produced by `#[tokio::main]` / `#[tokio::test]`.
fn not_async(function: &ItemFn) -> syn::Error {
    let span = function.sig.fn_token.span;
    if mentions(function.block.to_token_stream(), &["block_on"]) {
        diagnostics::nursery_below_tokio(span)
    } else {
        diagnostics::nursery_not_async(span)
    }
}

/// The new body: the preamble, then the user's statements in an `async`
/// block typed by the declared return type, run by the scope.
///
/// ```text
/// async fn f() -> Result<T, Errors<E>>     // #[nursery(errors = all)]
/// { stmts }
/// ```
/// becomes
/// ```text
/// /* preamble, with __tg_mode from ModeProbe::<Result<T, E>> */
/// let __tg_ret = ::taskgroup::checks::errors_all(__tg_mode.run_all(&__tg_scope, async {
///     let __tg_ret: Result<T, E> = { stmts };
///     #[allow(unreachable_code)]
///     __tg_ret
/// })).await;
/// __tg_ret
/// ```
/// Snapshot: `src/tests/snapshots/nursery_errors_all.rs`,
/// `nursery_fallible.rs`, `nursery_impl_trait.rs` (`impl Trait` becomes
/// `_`).
fn scope_body(options: &ScopeOptions, function: &ItemFn, scoped: bool) -> TokenStream {
    let names = Names::new();
    let Names {
        scope, mode, ret, ..
    } = &names;
    let krate = options.krate();
    let ident_span = function.sig.ident.span();
    let location = quote_spanned!(ident_span=> #krate::__private::Location::caller());

    let mut ret_ty = body_type(function);
    // `errors = all`: the function returns `Result<T, Errors<E>>`, the body
    // is typed `Result<T, E>` (its `?` converts into `E`).
    let mut run = run_method(options);
    let mut wrong_return = TokenStream::new();
    if options.errors_all.is_some() {
        match collected_inner(&ret_ty) {
            Some(inner) => ret_ty = inner,
            None => {
                wrong_return = diagnostics::errors_all_return_type(&ret_ty).to_compile_error();
                run = Ident::new("run", Span::call_site());
            }
        }
    }
    // The mode (fallible or plain) comes from the declared return type, so
    // the scope's error type is known while the body is type-checked. A
    // return type that is entirely `impl Trait` is not a `Result`.
    let mode_value = if matches!(ret_ty, Type::Infer(_)) {
        quote!((&#krate::__private::ModeProbe::<_>::new()).__tg_mode())
    } else {
        quote!((&&&#krate::__private::ModeProbe::<#ret_ty>::new()).__tg_mode())
    };
    let preamble = preamble(options, &names, Open::Mode(mode_value), location, scoped);

    let stmts = &function.block.stmts;
    let body = quote! {
        async {
            let #ret: #ret_ty = { #(#stmts)* };
            #[allow(unreachable_code)]
            #ret
        }
    };
    let body = with_scoped(&krate, &names, body, scoped);
    let run = run_call(options, &run, quote!(#mode.#run(&#scope, #body)));
    quote! {
        #preamble
        // Bound before the tail: a temporary in the tail expression would be
        // dropped after the scope (`tail_expr_drop_order`).
        #wrong_return
        let #ret = #run.await;
        #ret
    }
}
