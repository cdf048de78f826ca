//! The options of `#[nursery(…)]` and `scope!(…; { })`: `key = value`
//! tokens → [`ScopeOptions`]. What code they become is `codegen/options.rs`.

use proc_macro2::TokenStream;
use quote::quote;
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, Ident, Lit, Path, Token};

use crate::diagnostics::{self, Diagnostics};

/// The options of a scope, validated.
#[derive(Default)]
pub(crate) struct ScopeOptions {
    pub(crate) limit: Option<Expr>,
    pub(crate) timeout: Option<Expr>,
    pub(crate) grace: Option<Expr>,
    /// `errors = all` (`errors = first` is the default).
    pub(crate) errors_all: Option<Ident>,
    /// `errors = isolated`: every `spawn!` child's failure is its own.
    pub(crate) errors_isolated: Option<Ident>,
    /// `context = value` (any number): carried for every descendant.
    pub(crate) context: Vec<Expr>,
    /// `stop = reverse`: children stopped one at a time, the last started
    /// first (`stop = together`, the default, stops them all at once).
    pub(crate) stop_reverse: Option<Ident>,
    pub(crate) name: Option<Expr>,
    pub(crate) krate: Option<Path>,
}

/// One `key = value`.
struct KeyValue {
    key: Ident,
    value: Value,
}

enum Value {
    Expr(Expr),
    Path(Path),
}

impl Parse for KeyValue {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.peek(Token![crate]) {
            let token: Token![crate] = input.parse()?;
            let key = Ident::new("crate", token.span);
            input.parse::<Token![=]>()?;
            let path = Path::parse_mod_style(input)
                .map_err(|error| diagnostics::crate_not_a_path(error.span()))?;
            return Ok(KeyValue {
                key,
                value: Value::Path(path),
            });
        }
        let key: Ident = input
            .parse()
            .map_err(|error| diagnostics::expected_option_name(error.span()))?;
        if !input.peek(Token![=]) {
            return Err(diagnostics::expected_equals(&key, key.span()));
        }
        input.parse::<Token![=]>()?;
        let value: Expr = input.parse()?;
        Ok(KeyValue {
            key,
            value: Value::Expr(value),
        })
    }
}

impl ScopeOptions {
    /// Parses options; on any problem, records it and keeps what was valid,
    /// so that the body is still expanded (and type-checked) with defaults.
    pub(crate) fn parse(tokens: TokenStream, diagnostics: &mut Diagnostics) -> Self {
        let mut options = ScopeOptions::default();
        let mut seen_errors_first = false;
        let mut seen_stop_together = false;
        let parsed = match Punctuated::<KeyValue, Token![,]>::parse_terminated.parse2(tokens) {
            Ok(parsed) => parsed,
            Err(error) => {
                diagnostics.push(error);
                return options;
            }
        };
        for KeyValue { key, value } in parsed {
            let name = key.to_string();
            let slot_taken = match name.as_str() {
                "limit" => options.limit.is_some(),
                "timeout" => options.timeout.is_some(),
                "grace" => options.grace.is_some(),
                "errors" => {
                    options.errors_all.is_some()
                        || options.errors_isolated.is_some()
                        || seen_errors_first
                }
                "name" => options.name.is_some(),
                "crate" => options.krate.is_some(),
                "stop" => options.stop_reverse.is_some() || seen_stop_together,
                // Any number of values (of different types, or the last
                // given shadows).
                "context" => false,
                _ => {
                    diagnostics.push(diagnostics::unknown_option(&name, key.span()));
                    continue;
                }
            };
            if slot_taken {
                diagnostics.push(diagnostics::duplicate_option(&name, key.span()));
                continue;
            }
            match (name.as_str(), value) {
                ("crate", Value::Path(path)) => options.krate = Some(path),
                ("limit", Value::Expr(expr)) => {
                    if let Some(error) = zero_limit(&expr) {
                        diagnostics.push(error);
                    } else {
                        options.limit = Some(expr);
                    }
                }
                ("name", Value::Expr(expr)) => options.name = Some(expr),
                ("timeout", Value::Expr(expr)) => options.timeout = Some(expr),
                ("grace", Value::Expr(expr)) => options.grace = Some(expr),
                ("context", Value::Expr(expr)) => options.context.push(expr),
                ("stop", Value::Expr(expr)) => match bare_word(&expr, &["reverse", "together"]) {
                    Some(word) if word == "reverse" => options.stop_reverse = Some(word),
                    Some(_) => seen_stop_together = true,
                    None => diagnostics.push(diagnostics::stop_policy(expr.span())),
                },
                ("errors", Value::Expr(expr)) => match error_policy(&expr) {
                    Some(policy) if policy == "all" => options.errors_all = Some(policy),
                    Some(policy) if policy == "isolated" => options.errors_isolated = Some(policy),
                    Some(_) => seen_errors_first = true,
                    None => diagnostics.push(diagnostics::error_policy(expr.span())),
                },
                // `crate` always parses as a path, other keys as expressions.
                (_, value) => {
                    let span = match value {
                        Value::Expr(expr) => expr.span(),
                        Value::Path(path) => path.span(),
                    };
                    diagnostics.push(diagnostics::unexpected_value(span));
                }
            }
        }
        options
    }

    /// The path generated code uses to reach the runtime: `crate = …`, or
    /// `::taskgroup`.
    pub(crate) fn krate(&self) -> TokenStream {
        match &self.krate {
            Some(path) => quote!(#path),
            None => quote!(::taskgroup),
        }
    }
}

/// One of `words`, written as a bare word.
fn bare_word(expr: &Expr, words: &[&str]) -> Option<Ident> {
    let Expr::Path(path) = expr else {
        return None;
    };
    let ident = path.path.get_ident()?;
    words
        .iter()
        .any(|word| ident == word)
        .then(|| ident.clone())
}

/// `first` or `all`, written as a bare word.
fn error_policy(expr: &Expr) -> Option<Ident> {
    let Expr::Path(path) = expr else {
        return None;
    };
    let ident = path.path.get_ident()?;
    (ident == "all" || ident == "first" || ident == "isolated").then(|| ident.clone())
}

/// `limit = 0` is rejected at compile time; a runtime 0 panics when the
/// scope opens.
fn zero_limit(expr: &Expr) -> Option<syn::Error> {
    if let Expr::Lit(ExprLit {
        lit: Lit::Int(int), ..
    }) = expr
    {
        if int.base10_digits().chars().all(|digit| digit == '0') {
            return Some(diagnostics::zero_limit(int.span()));
        }
    }
    None
}
