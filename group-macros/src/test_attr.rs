//! `#[taskgroup::test]`: `#[tokio::test]` with the body run under
//! `taskgroup::testing::check_leaks`, so that a task still alive after the
//! test fails it with the tree of what is left.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ItemFn, MetaNameValue, Token};

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let function: ItemFn = match syn::parse2(item.clone()) {
        Ok(function) => function,
        Err(error) => {
            let message = format!("`#[taskgroup::test]` goes on an `async fn` test: {error}");
            let error = syn::Error::new(error.span(), message).to_compile_error();
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
    let args = syn::parse::Parser::parse2(parser, args).map_err(|error| {
        syn::Error::new(
            first.unwrap_or_else(|| error.span()),
            "`#[taskgroup::test]` takes `#[tokio::test]`'s arguments (`flavor = \"…\"`, \
             `worker_threads = n`, `start_paused = true`) and `leak_bound = <Duration>`",
        )
    })?;
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

fn misuse(args: &[MetaNameValue], function: &ItemFn) -> Option<syn::Error> {
    if function.sig.asyncness.is_none() {
        return Some(syn::Error::new(
            function.sig.fn_token.span,
            "`#[taskgroup::test]` goes on an `async fn` (if this is a plain `#[test]`, \
             a glob import `use taskgroup::*` shadows the built-in `#[test]`: import \
             what you use instead)",
        ));
    }
    if let Some(input) = function.sig.inputs.first() {
        return Some(syn::Error::new(
            input.span(),
            "a `#[taskgroup::test]` function takes no arguments",
        ));
    }
    let krate = args.iter().find(|arg| arg.path.is_ident("crate"))?;
    Some(syn::Error::new(
        krate.path.span(),
        "`#[taskgroup::test]` picks tokio's crate path itself; pass only `flavor`, \
         `worker_threads`, `start_paused` and `leak_bound`",
    ))
}
