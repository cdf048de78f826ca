//! The syntactic checks on a scope's body, before it is expanded:
//!
//! * detached spawns (`tokio::spawn`, `tokio::task::spawn*`, `task::spawn*`,
//!   `std::thread::spawn`, `thread::spawn`, bare `spawn_local(…)` /
//!   `spawn_blocking(…)`, also inside other macros;
//!   `Handle::current().spawn*(…)` and `thread::Builder::new()….spawn(…)`
//!   outside macros) are errors pointing at the call, unless wrapped in
//!   `taskgroup::detached!(…)` (by that path or bare);
//! * `fn` items nested in the body get failing `spawn!` / `try_spawn!` /
//!   `cancel!` of their own: they are not part of the scope.
//!
//! The scan is syntactic: a spawn reached through an alias (`use tokio::spawn
//! as go;`) or another function escapes it. Clippy's `disallowed-methods`
//! extends the rule to a whole crate (see the README).

use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};
use quote::{quote, ToTokens};
use syn::visit_mut::{self, VisitMut};
use syn::{
    Expr, ExprCall, ExprMethodCall, ExprPath, Ident, ImplItemFn, ItemFn, Macro, Path, Stmt,
    TraitItemFn,
};

use crate::args::Errors;
use crate::expand::SPAWNING;

/// Where the body is, for messages: "`#[nursery]` body" or "`scope!` body".
#[derive(Clone, Copy)]
pub(crate) enum Context {
    Nursery,
    Scope,
}

impl Context {
    fn name(self) -> &'static str {
        match self {
            Context::Nursery => "a `#[nursery]` body",
            Context::Scope => "a `scope!` body",
        }
    }
}

/// Checks and prepares the statements of a scope's body.
pub(crate) fn scan(stmts: &mut [Stmt], context: Context, krate: &TokenStream, errors: &mut Errors) {
    let mut scanner = Scanner {
        context,
        krate,
        errors,
    };
    for stmt in stmts {
        scanner.visit_stmt_mut(stmt);
    }
}

struct Scanner<'a> {
    context: Context,
    krate: &'a TokenStream,
    errors: &'a mut Errors,
}

/// What a path names, if it is a detached spawn.
fn detached_spawn(segments: &[String], called: bool) -> Option<&'static str> {
    let (last, prefix) = segments.split_last()?;
    let prefix: Vec<&str> = prefix.iter().map(String::as_str).collect();
    let kind = match (prefix.as_slice(), last.as_str()) {
        (["tokio"] | ["tokio", "task"] | ["task"], "spawn" | "spawn_local" | "spawn_blocking") => {
            "task"
        }
        (["std", "thread"] | ["thread"], "spawn") => "thread",
        ([], "spawn_local" | "spawn_blocking") if called => "task",
        _ => return None,
    };
    Some(kind)
}

impl Scanner<'_> {
    fn report(&mut self, at: impl ToTokens, segments: &[String], kind: &str) {
        let call = segments.join("::");
        self.errors.push(syn::Error::new_spanned(
            at,
            format!(
                "`{call}` in {} starts a detached {kind} that the scope neither joins nor cancels; \
                 use `spawn!(…)` so the task belongs to the scope, or, if it really must outlive \
                 the scope, write `taskgroup::detached!({call}(…))`",
                self.context.name()
            ),
        ));
    }

    fn check_path(&mut self, path: &Path, called: bool) {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        if let Some(kind) = detached_spawn(&segments, called) {
            self.report(path, &segments, kind);
        }
    }

    /// Looks for `a::b::spawn` sequences in the tokens of another macro.
    fn scan_tokens(&mut self, tokens: TokenStream) {
        let tokens: Vec<TokenTree> = tokens.into_iter().collect();
        let mut index = 0;
        while index < tokens.len() {
            match &tokens[index] {
                TokenTree::Group(group) => {
                    self.scan_tokens(group.stream());
                    index += 1;
                }
                TokenTree::Ident(ident) => {
                    // `detached!(…)` and nested scopes (which scan themselves).
                    if is_macro_call(&tokens, index, &["detached", "scope"]) {
                        index += 3;
                        continue;
                    }
                    let start = index;
                    let mut segments = vec![ident.to_string()];
                    index += 1;
                    while let (
                        Some(TokenTree::Punct(a)),
                        Some(TokenTree::Punct(b)),
                        Some(TokenTree::Ident(next)),
                    ) = (
                        tokens.get(index),
                        tokens.get(index + 1),
                        tokens.get(index + 2),
                    ) {
                        if a.as_char() != ':' || b.as_char() != ':' {
                            break;
                        }
                        segments.push(next.to_string());
                        index += 3;
                    }
                    // `taskgroup::detached!(…)` and `taskgroup::scope!` by
                    // their full path: skip the `!` and the arguments.
                    if segments
                        .last()
                        .is_some_and(|last| last == "detached" || last == "scope")
                        && matches!(tokens.get(index), Some(TokenTree::Punct(bang)) if bang.as_char() == '!')
                        && matches!(tokens.get(index + 1), Some(TokenTree::Group(_)))
                    {
                        index += 2;
                        continue;
                    }
                    let called = matches!(tokens.get(index), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis);
                    if let Some(kind) = detached_spawn(&segments, called) {
                        let path: TokenStream = tokens[start..index].iter().cloned().collect();
                        self.report(path, &segments, kind);
                    }
                }
                TokenTree::Punct(_) | TokenTree::Literal(_) => index += 1,
            }
        }
    }
}

/// `name ! (…)` at `index` with `name` among `names`.
fn is_macro_call(tokens: &[TokenTree], index: usize, names: &[&str]) -> bool {
    matches!(
        (tokens.get(index), tokens.get(index + 1), tokens.get(index + 2)),
        (Some(TokenTree::Ident(name)), Some(TokenTree::Punct(bang)), Some(TokenTree::Group(_)))
            if bang.as_char() == '!' && names.iter().any(|n| name == n)
    )
}

fn last_segment_is(path: &Path, names: &[&str]) -> bool {
    path.segments
        .last()
        .is_some_and(|segment| names.iter().any(|name| segment.ident == name))
}

/// Failing `spawn!` & co. for a `fn` item nested in the body. They forward
/// their tokens to `__misplaced!`, which reports the error on those tokens
/// (an error raised by a `macro_rules!` defined here would point at the
/// whole `#[nursery]` / `scope!`).
fn nested_fn_fallbacks(context: Context, krate: &TokenStream, function: &Ident) -> Vec<Stmt> {
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
    let message = format!(
        "`{name}!` cannot be used in a `fn` item nested in {context}: that function is not part \
         of the scope. Use a closure or an `async` block in the body instead, or make the nested \
         function a `#[nursery]` of its own"
    );
    let error = if rest.is_empty() {
        syn::Error::new(function.span(), message)
    } else {
        syn::Error::new_spanned(rest, message)
    };
    error.to_compile_error()
}

fn prepend(stmts: &mut Vec<Stmt>, context: Context, krate: &TokenStream, function: &Ident) {
    let mut with = nested_fn_fallbacks(context, krate, function);
    with.append(stmts);
    *stmts = with;
}

/// `Handle::current().spawn(…)` / `.spawn_blocking(…)` and
/// `thread::Builder::new()….spawn(…)`: a method chain whose root is a call
/// of one of those paths. A handle or builder kept in a variable is not
/// resolved (the clippy configuration in the README catches those).
fn detached_method(call: &ExprMethodCall) -> Option<(String, &'static str)> {
    let method = call.method.to_string();
    let mut receiver = &*call.receiver;
    let mut chained = false;
    loop {
        match receiver {
            Expr::MethodCall(inner) => {
                receiver = &inner.receiver;
                chained = true;
            }
            Expr::Paren(inner) => receiver = &inner.expr,
            Expr::Call(root) => {
                let Expr::Path(ExprPath { path, .. }) = &*root.func else {
                    return None;
                };
                let segments: Vec<String> =
                    path.segments.iter().map(|s| s.ident.to_string()).collect();
                let names: Vec<&str> = segments.iter().map(String::as_str).collect();
                let kind = match (names.as_slice(), method.as_str()) {
                    ([.., "Handle", "current"], "spawn" | "spawn_blocking") => "task",
                    ([.., "thread", "Builder", "new"], "spawn") => "thread",
                    _ => return None,
                };
                let between = if chained { "…" } else { "" };
                return Some((format!("{}(){between}.{method}", segments.join("::")), kind));
            }
            _ => return None,
        }
    }
}

impl VisitMut for Scanner<'_> {
    fn visit_expr_method_call_mut(&mut self, call: &mut ExprMethodCall) {
        if let Some((shown, kind)) = detached_method(call) {
            let message = format!(
                "`{shown}(…)` in {} starts a detached {kind} that the scope neither joins nor \
                 cancels; use `spawn!(…)` so the task belongs to the scope, or, if it really \
                 must outlive the scope, wrap the call in `taskgroup::detached!(…)`",
                self.context.name()
            );
            self.errors
                .push(syn::Error::new(call.method.span(), message));
        }
        visit_mut::visit_expr_method_call_mut(self, call);
    }

    fn visit_expr_call_mut(&mut self, call: &mut ExprCall) {
        if let Expr::Path(ExprPath { path, .. }) = &*call.func {
            self.check_path(path, true);
            for arg in &mut call.args {
                self.visit_expr_mut(arg);
            }
            return;
        }
        visit_mut::visit_expr_call_mut(self, call);
    }

    fn visit_expr_path_mut(&mut self, path: &mut ExprPath) {
        self.check_path(&path.path, false);
    }

    fn visit_macro_mut(&mut self, mac: &mut Macro) {
        if last_segment_is(&mac.path, &["detached", "scope"]) {
            return;
        }
        self.scan_tokens(mac.tokens.clone());
    }

    fn visit_item_fn_mut(&mut self, item: &mut ItemFn) {
        prepend(
            &mut item.block.stmts,
            self.context,
            self.krate,
            &item.sig.ident,
        );
    }

    fn visit_impl_item_fn_mut(&mut self, item: &mut ImplItemFn) {
        prepend(
            &mut item.block.stmts,
            self.context,
            self.krate,
            &item.sig.ident,
        );
    }

    fn visit_trait_item_fn_mut(&mut self, item: &mut TraitItemFn) {
        if let Some(block) = &mut item.default {
            prepend(&mut block.stmts, self.context, self.krate, &item.sig.ident);
        }
    }
}

/// Stand-ins for `spawn!` & co. in a function that could not be expanded
/// (not async): they keep the one real error from drowning in "cannot find
/// macro `spawn`".
pub(crate) fn stub_macros() -> TokenStream {
    every_scope_macro(|_| quote!(::core::unreachable!()))
}

/// A local `macro_rules!` for each macro of a scope, expanding to
/// `body(name)` whatever its input.
fn every_scope_macro(body: impl Fn(&Ident) -> TokenStream) -> TokenStream {
    let macros = SPAWNING
        .iter()
        .chain(&["spawn_scoped", "cancel"])
        .map(|name| {
            let name = Ident::new(name, Span::call_site());
            let body = body(&name);
            quote! {
                #[allow(unused_macros)]
                macro_rules! #name { ($($tokens:tt)*) => { #body }; }
            }
        });
    quote!(#(#macros)*)
}
