//! `scope! { … }` and `scope!(options; { … })`.

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use quote::quote;

use crate::args::{self, Errors};
use crate::expand::{imports, local_macros, scoped_parts, uses_scoped, Names};
use crate::scan::{self, Context};
use syn::parse::Parser;

/// Splits `options ; { body }` from a plain body. The options form is
/// recognised by its shape: it starts with `name =` (not `==`), has a `;`
/// at top level, and ends with a single brace-delimited block. A misspelt
/// option then gets "unknown option" with the list; the price is that a
/// body that is exactly `x = v; { … }` must be written differently.
fn split(input: TokenStream) -> (Option<TokenStream>, TokenStream) {
    let tokens: Vec<TokenTree> = input.clone().into_iter().collect();
    let starts_like_option = match (tokens.first(), tokens.get(1), tokens.get(2)) {
        (Some(TokenTree::Ident(_)), Some(TokenTree::Punct(eq)), next) => {
            eq.as_char() == '=' && !matches!(next, Some(TokenTree::Punct(p)) if p.as_char() == '=')
        }
        _ => false,
    };
    let semi = tokens
        .iter()
        .position(|token| matches!(token, TokenTree::Punct(p) if p.as_char() == ';'));
    match (starts_like_option, semi, tokens.last()) {
        (true, Some(semi), Some(TokenTree::Group(group)))
            if group.delimiter() == Delimiter::Brace && semi + 2 == tokens.len() =>
        {
            let options = tokens[..semi].iter().cloned().collect();
            (Some(options), group.stream())
        }
        _ => (None, input),
    }
}

/// `scope!(limit = 2 { … })`: options and a block without the `;`. Gives
/// the error and the block, which is still expanded as the body.
fn missing_semicolon(input: &TokenStream) -> Option<(syn::Error, TokenStream)> {
    let tokens: Vec<TokenTree> = input.clone().into_iter().collect();
    let looks_like_options = matches!(
        (tokens.first(), tokens.get(1)),
        (Some(TokenTree::Ident(_)), Some(TokenTree::Punct(eq))) if eq.as_char() == '='
    );
    let has_semicolon = tokens
        .iter()
        .any(|token| matches!(token, TokenTree::Punct(p) if p.as_char() == ';'));
    match tokens.last() {
        Some(TokenTree::Group(group))
            if looks_like_options && !has_semicolon && group.delimiter() == Delimiter::Brace =>
        {
            let error = syn::Error::new(
                group.span_open(),
                "options and the body of `scope!` are separated by `;`: \
                 write `scope!(limit = 8; { … })`",
            );
            Some((error, group.stream()))
        }
        _ => None,
    }
}

pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let is_a_body = syn::Block::parse_within.parse2(input.clone()).is_ok();
    if let Some((error, body)) = missing_semicolon(&input).filter(|_| !is_a_body) {
        errors.push(error);
        return expand_parts(None, body, errors);
    }
    let (options, body) = split(input);
    expand_parts(options, body, errors)
}

/// Scans the body (detached spawns, nested `fn` items); a body that does not
/// parse as statements is left for the compiler to report.
fn scanned(body: TokenStream, krate: &TokenStream, errors: &mut Errors) -> TokenStream {
    match syn::Block::parse_within.parse2(body.clone()) {
        Ok(mut stmts) => {
            scan::scan(&mut stmts, Context::Scope, krate, errors);
            quote!(#(#stmts)*)
        }
        Err(_) => body,
    }
}

fn expand_parts(
    options: Option<TokenStream>,
    body: TokenStream,
    mut errors: Errors,
) -> TokenStream {
    let args = match options {
        Some(options) => args::parse(options, &mut errors),
        None => args::Args::default(),
    };
    let body = scanned(body, &args.krate(), &mut errors);
    let names = Names::new();
    let Names {
        scope,
        body: body_name,
        ..
    } = &names;
    let krate = args.krate();
    let imports = imports(&krate);
    let scoped = uses_scoped(body.clone());
    let macros = local_macros(&args, &names, scoped);
    let options = args.options(quote!(#krate::__private::Location::caller()));
    let deadline_check = args.deadline_check(scope);
    let run = args.run_method();
    let run = args.run_call(
        &run,
        quote! {
            (&&&#krate::__private::ModeProbe::of(&#body_name))
                .__tg_mode()
                .#run(&#scope, #body_name)
        },
    );
    let errors = errors.to_compile_errors();
    let (scoped_set, wrapped) = scoped_parts(&krate, &names, quote!(async { #body }), scoped);
    quote! {{
        #errors
        #imports
        let #scope = #krate::__private::Scope::open(#options);
        #scoped_set
        #deadline_check
        #macros
        let #body_name = #wrapped;
        let #body_name = #run.await;
        #body_name
    }}
}
