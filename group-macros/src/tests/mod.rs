//! Unit tests of the expansion, on `proc_macro2`: snapshots of what each
//! macro generates (`snapshots.rs`, files under `snapshots/`, regenerate with
//! `UPDATE_EXPECT=1 cargo test -p taskgroup-macros`), a deterministic fuzzer
//! of the entry points (`fuzz/`), the inputs it once broke
//! (`regressions.rs`), and the check that the crate's layers import one way
//! (`layers.rs`).

mod fuzz;
mod layers;
mod regressions;
mod snapshots;

use proc_macro2::{TokenStream, TokenTree};
use quote::quote;

/// `#[nursery(args)] item`.
fn nursery(args: TokenStream, item: TokenStream) -> TokenStream {
    crate::codegen::nursery::expand(args, item)
}

/// `scope!(input)`.
fn scope(input: TokenStream) -> TokenStream {
    crate::codegen::scope::expand(input)
}

/// `__spawn_task!(input)`, as the local `spawn!` / `try_spawn!` forward it.
fn spawn_task(input: TokenStream) -> TokenStream {
    crate::codegen::spawn::expand(input)
}

/// Whether `tokens` contain a `compile_error!` invocation, at any depth.
fn has_compile_error(tokens: &TokenStream) -> bool {
    let tokens: Vec<TokenTree> = tokens.clone().into_iter().collect();
    tokens.iter().enumerate().any(|(index, token)| match token {
        TokenTree::Ident(ident) => {
            ident == "compile_error"
                && matches!(tokens.get(index + 1), Some(TokenTree::Punct(bang)) if bang.as_char() == '!')
        }
        TokenTree::Group(group) => has_compile_error(&group.stream()),
        _ => false,
    })
}

/// The output of an attribute macro, as a file of items.
fn parse_items(tokens: &TokenStream) -> syn::Result<syn::File> {
    syn::parse2(tokens.clone())
}

/// The output of a function-like macro in expression position.
fn parse_expr(tokens: &TokenStream) -> syn::Result<syn::Expr> {
    syn::parse2(tokens.clone())
}

/// Pretty-printed items.
#[track_caller]
fn pretty_items(tokens: &TokenStream) -> String {
    match parse_items(tokens) {
        Ok(file) => prettyplease::unparse(&file),
        Err(error) => panic!("the expansion is not a list of items: {error}\n{tokens}"),
    }
}

/// Pretty-printed expression, as the body of a function (prettyplease only
/// prints files).
#[track_caller]
fn pretty_expr(tokens: &TokenStream) -> String {
    if let Err(error) = parse_expr(tokens) {
        panic!("the expansion is not an expression: {error}\n{tokens}");
    }
    pretty_items(&quote! {
        fn __snapshot() {
            #tokens;
        }
    })
}
