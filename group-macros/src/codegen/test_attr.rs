//! `#[taskgroup::test]`: `#[tokio::test]` with the body run under
//! `taskgroup::testing::check_leaks`, so that a task still alive after the
//! test fails it with the tree of what is left.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ItemFn, MetaNameValue, Token};

use crate::diagnostics;

/// The test function, under `#[tokio::test]` through our re-export, with
/// its body run under the leak check. On an error, the user's item is kept
/// as it is, after the error.
///
/// ```text
/// #[taskgroup::test(start_paused = true, leak_bound = d)]
/// async fn fetches() { body }
/// ```
/// becomes
/// ```text
/// #[::taskgroup::__private::tokio::test(start_paused = true, crate = "::taskgroup::__private::tokio")]
/// async fn fetches() {
///     ::taskgroup::testing::check_leaks_within(d, async move { body }).await
/// }
/// ```
/// No snapshot: `src/tests/regressions.rs` (`test_attr_inner_attribute`) and
/// the workspace's `tests/test_attr.rs`.
pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let function: ItemFn = match syn::parse2(item.clone()) {
        Ok(function) => function,
        Err(error) => {
            let error = diagnostics::test_not_a_function(&error).to_compile_error();
            return quote!(#error #item);
        }
    };
    let (tokio_args, bound) = match split_args(args)
        .and_then(|split| misuse(&split.0, &function).map_or(Ok(split), Err))
    {
        Ok(split) => split,
        Err(error) => {
            let error = error.to_compile_error();
            return quote!(#error #item);
        }
    };
    let ItemFn {
        attrs,
        vis,
        sig,
        block,
    } = function;
    let bound = bound.map_or_else(
        || quote!(::taskgroup::testing::DEFAULT_BOUND),
        |bound| quote!(#bound),
    );
    // The call is spanned on the body, so that a type error in the body's
    // value points there.
    let body = quote_spanned! {block.span()=>
        ::taskgroup::testing::check_leaks_within(#bound, async move #block).await
    };
    let tokio_args = tokio_args.iter();
    // syn keeps the body's inner attributes (`#![allow(…)]`) with the
    // function's: they go back inside the braces.
    let (inner, outer): (Vec<_>, Vec<_>) = attrs
        .into_iter()
        .partition(|attr| matches!(attr.style, syn::AttrStyle::Inner(_)));
    quote! {
        #[::taskgroup::__private::tokio::test(#(#tokio_args,)* crate = "::taskgroup::__private::tokio")]
        #(#outer)*
        #vis #sig {
            #(#inner)*
            #body
        }
    }
}

/// `#[tokio::test]`'s arguments, and ours: `leak_bound = <Duration>`.
fn split_args(args: TokenStream) -> syn::Result<(Vec<MetaNameValue>, Option<Expr>)> {
    let parser = Punctuated::<MetaNameValue, Token![,]>::parse_terminated;
    let first = args.clone().into_iter().next().map(|token| token.span());
    let args = syn::parse::Parser::parse2(parser, args)
        .map_err(|error| diagnostics::test_arguments(first.unwrap_or_else(|| error.span())))?;
    let mut bound = None;
    let mut tokio_args = Vec::new();
    for arg in args {
        if arg.path.is_ident("leak_bound") {
            bound = Some(arg.value);
        } else {
            tokio_args.push(arg);
        }
    }
    Ok((tokio_args, bound))
}

/// A function the attribute cannot take, or a `crate = …` argument.
fn misuse(args: &[MetaNameValue], function: &ItemFn) -> Option<syn::Error> {
    if function.sig.asyncness.is_none() {
        return Some(diagnostics::test_not_async(function.sig.fn_token.span));
    }
    if let Some(input) = function.sig.inputs.first() {
        return Some(diagnostics::test_takes_arguments(input.span()));
    }
    let krate = args.iter().find(|arg| arg.path.is_ident("crate"))?;
    Some(diagnostics::test_crate_path(krate.path.span()))
}
