//! The options of `#[nursery(...)]` and `scope!(...; { })`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned, ToTokens};
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, Ident, Lit, Path, Token};

/// What the accepted options are, for error messages.
pub(crate) const ACCEPTED: &str =
    "accepted options: `limit = <usize>` (a literal or any expression), `timeout = <Duration>`, `grace = <Duration>`, `errors = all`, `name = \"…\"`, `crate = <path>`";

/// The options, validated.
#[derive(Default)]
pub(crate) struct Args {
    pub(crate) limit: Option<Expr>,
    pub(crate) timeout: Option<Expr>,
    pub(crate) grace: Option<Expr>,
    /// `errors = all` (`errors = first` is the default).
    pub(crate) errors_all: Option<Ident>,
    pub(crate) name: Option<Expr>,
    pub(crate) krate: Option<Path>,
}

/// One `key = value`.
struct Arg {
    key: Ident,
    value: ArgValue,
}

enum ArgValue {
    Expr(Expr),
    Path(Path),
}

impl Parse for Arg {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.peek(Token![crate]) {
            let token: Token![crate] = input.parse()?;
            let key = Ident::new("crate", token.span);
            input.parse::<Token![=]>()?;
            let path = Path::parse_mod_style(input).map_err(|error| {
                syn::Error::new(
                    error.span(),
                    "`crate = …` takes a path, e.g. `crate = ::taskgroup`",
                )
            })?;
            return Ok(Arg {
                key,
                value: ArgValue::Path(path),
            });
        }
        let key: Ident = input.parse().map_err(|error| {
            syn::Error::new(error.span(), format!("expected an option name; {ACCEPTED}"))
        })?;
        if !input.peek(Token![=]) {
            return Err(syn::Error::new(
                key.span(),
                format!("expected `=` after `{key}`; {ACCEPTED}"),
            ));
        }
        input.parse::<Token![=]>()?;
        let value: Expr = input.parse()?;
        Ok(Arg {
            key,
            value: ArgValue::Expr(value),
        })
    }
}

/// Accumulates errors so the user sees all of them at once.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(errors) => errors.combine(error),
            None => self.0 = Some(error),
        }
    }

    pub(crate) fn to_compile_errors(&self) -> TokenStream {
        self.0
            .as_ref()
            .map(syn::Error::to_compile_error)
            .unwrap_or_default()
    }
}

/// Parses options; on any problem, records it and keeps what was valid, so
/// that the body is still expanded (and type-checked) with defaults.
pub(crate) fn parse(tokens: TokenStream, errors: &mut Errors) -> Args {
    let mut args = Args::default();
    let mut seen_errors_first = false;
    let parsed = match Punctuated::<Arg, Token![,]>::parse_terminated.parse2(tokens) {
        Ok(parsed) => parsed,
        Err(error) => {
            errors.push(error);
            return args;
        }
    };
    for Arg { key, value } in parsed {
        let name = key.to_string();
        let slot_taken = match name.as_str() {
            "limit" => args.limit.is_some(),
            "timeout" => args.timeout.is_some(),
            "grace" => args.grace.is_some(),
            "errors" => args.errors_all.is_some() || seen_errors_first,
            "name" => args.name.is_some(),
            "crate" => args.krate.is_some(),
            _ => {
                errors.push(syn::Error::new(
                    key.span(),
                    format!("unknown option `{name}`; {ACCEPTED}"),
                ));
                continue;
            }
        };
        if slot_taken {
            errors.push(syn::Error::new(
                key.span(),
                format!("duplicate option `{name}`: give it once"),
            ));
            continue;
        }
        match (name.as_str(), value) {
            ("crate", ArgValue::Path(path)) => args.krate = Some(path),
            ("limit", ArgValue::Expr(expr)) => {
                if let Some(error) = zero_limit(&expr) {
                    errors.push(error);
                } else {
                    args.limit = Some(expr);
                }
            }
            ("name", ArgValue::Expr(expr)) => args.name = Some(expr),
            ("timeout", ArgValue::Expr(expr)) => args.timeout = Some(expr),
            ("grace", ArgValue::Expr(expr)) => args.grace = Some(expr),
            ("errors", ArgValue::Expr(expr)) => match error_policy(&expr) {
                Some(policy) if policy == "all" => args.errors_all = Some(policy),
                Some(_) => seen_errors_first = true,
                None => errors.push(syn::Error::new(
                    expr.span(),
                    "`errors = …` is `first` (the default: the first failure cancels the rest) \
                     or `all` (collect every error, cancel nothing)",
                )),
            },
            // `crate` always parses as a path, other keys as expressions.
            (_, value) => {
                let span = match value {
                    ArgValue::Expr(expr) => expr.span(),
                    ArgValue::Path(path) => path.span(),
                };
                errors.push(syn::Error::new(
                    span,
                    format!("unexpected value; {ACCEPTED}"),
                ));
            }
        }
    }
    args
}

/// `first` or `all`, written as a bare word.
fn error_policy(expr: &Expr) -> Option<Ident> {
    let Expr::Path(path) = expr else {
        return None;
    };
    let ident = path.path.get_ident()?;
    (ident == "all" || ident == "first").then(|| ident.clone())
}

/// `limit = 0` is rejected at compile time; a runtime 0 panics when the
/// scope opens.
fn zero_limit(expr: &Expr) -> Option<syn::Error> {
    if let Expr::Lit(ExprLit {
        lit: Lit::Int(int), ..
    }) = expr
    {
        if int.base10_digits().chars().all(|digit| digit == '0') {
            return Some(syn::Error::new(
                int.span(),
                "`limit = 0` would never let a task start: use a limit of at least 1, \
                 or leave `limit` out for no limit",
            ));
        }
    }
    None
}

impl Args {
    /// The path generated code uses to reach the runtime.
    pub(crate) fn krate(&self) -> TokenStream {
        match &self.krate {
            Some(path) => quote!(#path),
            None => quote!(::taskgroup),
        }
    }

    /// `Options::new(location).name(…).limit(…)`; `location` is an
    /// expression giving the scope's `&'static Location`.
    pub(crate) fn options(&self, location: TokenStream) -> TokenStream {
        let krate = self.krate();
        let mut options = quote!(#krate::__private::Options::new(#location));
        if let Some(name) = &self.name {
            options = quote_spanned!(name.span()=> #options.name(#name));
        }
        if let Some(limit) = &self.limit {
            options = quote_spanned!(limit.span()=> #options.limit(#limit));
        }
        if let Some(timeout) = &self.timeout {
            let value = into_timeout(&krate, timeout);
            options = quote_spanned!(timeout.span()=> #options.timeout(#value));
        }
        if let Some(grace) = &self.grace {
            let value = into_timeout(&krate, grace);
            options = quote_spanned!(grace.span()=> #options.grace(#value));
        }
        if let Some(all) = &self.errors_all {
            options = quote_spanned!(all.span()=> #options.collect_all());
        }
        options
    }

    /// The runner's method: `run`, or `run_all` with `errors = all` (located
    /// on `all`, where an error about it belongs).
    pub(crate) fn run_method(&self) -> Ident {
        match &self.errors_all {
            Some(all) => Ident::new("run_all", all.span()),
            None => Ident::new("run", proc_macro2::Span::call_site()),
        }
    }

    /// `mode.run(&scope, body)`, or with `errors = all`
    /// `checks::errors_all(mode.run_all(&scope, body))`: the body must
    /// return a `Result` (reported on `all`).
    pub(crate) fn run_call(&self, run: &Ident, call: TokenStream) -> TokenStream {
        if run != "run_all" {
            return call;
        }
        let krate = self.krate();
        quote_spanned!(run.span()=> #krate::checks::errors_all(#call))
    }

    /// With a `timeout`, the check that the scope's error type can be built
    /// from `Elapsed` (reported on the `timeout` value).
    pub(crate) fn deadline_check(&self, scope: &Ident) -> TokenStream {
        match &self.timeout {
            Some(timeout) => deadline_check(&self.krate(), scope, timeout.span()),
            None => TokenStream::new(),
        }
    }
}

/// `IntoTimeout::into_timeout(value)`: a `timeout = …` or `grace = …` value
/// is checked by the public trait, so that an error names it rather than a
/// hidden method.
pub(crate) fn into_timeout(krate: &TokenStream, value: &impl ToTokens) -> TokenStream {
    let span = value.span();
    let krate = crate::spawn::respan(krate, span);
    quote_spanned!(span=> #krate::IntoTimeout::into_timeout(#value))
}

/// `checks::deadline_error(&scope);`: the scope's error type must be buildable
/// from `Elapsed`. The argument's tokens share the hidden name's hygiene and
/// are located at `span` (the `timeout` value), so that an error is reported
/// there rather than on the whole macro.
pub(crate) fn deadline_check(
    krate: &TokenStream,
    scope: &Ident,
    span: proc_macro2::Span,
) -> TokenStream {
    let located = scope.span().located_at(span);
    let scope = Ident::new(&scope.to_string(), located);
    let argument = quote_spanned!(located=> &#scope);
    quote_spanned!(span=> #krate::checks::deadline_error(#argument);)
}
