//! `scope!`'s input: `scope! { body }` or `scope!(options; { body })` →
//! [`ScopeInput`].

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use syn::parse::Parser;

use crate::diagnostics::{self, Diagnostics};
use crate::parse::options::ScopeOptions;

/// The options (defaults for a plain body) and the body's tokens.
pub(crate) struct ScopeInput {
    pub(crate) options: ScopeOptions,
    pub(crate) body: TokenStream,
}

impl ScopeInput {
    /// Splits the options from the body. Options and a block without the
    /// `;` between them are reported, and the block is still the body.
    pub(crate) fn parse(input: TokenStream, diagnostics: &mut Diagnostics) -> Self {
        let is_a_body = syn::Block::parse_within.parse2(input.clone()).is_ok();
        if let Some((error, body)) = missing_semicolon(&input).filter(|_| !is_a_body) {
            diagnostics.push(error);
            return ScopeInput {
                options: ScopeOptions::default(),
                body,
            };
        }
        let (options, body) = split(input);
        let options = match options {
            Some(options) => ScopeOptions::parse(options, diagnostics),
            None => ScopeOptions::default(),
        };
        ScopeInput { options, body }
    }
}

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
            let error = diagnostics::scope_missing_semicolon(group.span_open());
            Some((error, group.stream()))
        }
        _ => None,
    }
}
