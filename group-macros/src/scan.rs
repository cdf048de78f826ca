//! The syntactic checks, before anything is generated: on a scope's body
//! ([`scan`]), and on a parallel task's own future ([`reaches_into_parent`]).
//!
//! * detached spawns (`tokio::spawn`, `tokio::task::spawn*`, `task::spawn*`,
//!   `std::thread::spawn`, `thread::spawn`, bare `spawn_local(…)` /
//!   `spawn_blocking(…)`, also inside other macros;
//!   `Handle::current().spawn*(…)` and `thread::Builder::new()….spawn(…)`
//!   outside macros) are errors pointing at the call, unless wrapped in
//!   `taskgroup::detached!(…)` (by that path or bare);
//! * `fn` items nested in the body are handed to the caller, which gives
//!   them failing `spawn!` / `try_spawn!` / `cancel!` of their own
//!   (`codegen/fallbacks.rs`): they are not part of the scope;
//! * a `spawn!` & co. written inside a parallel task's future, which would
//!   reach into the parent's scope, is an error on that macro.
//!
//! The scan is syntactic: a spawn reached through an alias (`use tokio::spawn
//! as go;`) or another function escapes it. Clippy's `disallowed-methods`
//! extends the rule to a whole crate (see docs/compile-time-checks.md).
//!
//! Imports `parse` (the macros' names) and `diagnostics`.

use proc_macro2::{Delimiter, Ident, Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::visit_mut::{self, VisitMut};
use syn::{
    Expr, ExprCall, ExprMethodCall, ExprPath, ImplItemFn, ItemFn, Macro, Path, Stmt, TraitItemFn,
};

use crate::diagnostics::{self, Context, Diagnostics};
use crate::parse::task::scope_macros;

/// Checks the statements of a scope's body, recording each problem; puts
/// `nested_fn(name)` at the top of the body of each `fn` item nested in it.
pub(crate) fn scan(
    stmts: &mut [Stmt],
    context: Context,
    diagnostics: &mut Diagnostics,
    nested_fn: &dyn Fn(&Ident) -> Vec<Stmt>,
) {
    let mut scanner = Scanner {
        context,
        diagnostics,
        nested_fn,
    };
    for stmt in stmts {
        scanner.visit_stmt_mut(stmt);
    }
}

struct Scanner<'a> {
    context: Context,
    diagnostics: &'a mut Diagnostics,
    nested_fn: &'a dyn Fn(&Ident) -> Vec<Stmt>,
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
        self.diagnostics
            .push(diagnostics::detached_spawn(at, &call, kind, self.context));
    }

    /// `nested_fn(name)` before the statements of a nested `fn` item.
    fn prepend(&self, stmts: &mut Vec<Stmt>, function: &Ident) {
        let mut with = (self.nested_fn)(function);
        with.append(stmts);
        *stmts = with;
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

/// `Handle::current().spawn(…)` / `.spawn_blocking(…)` and
/// `thread::Builder::new()….spawn(…)`: a method chain whose root is a call
/// of one of those paths. A handle or builder kept in a variable is not
/// resolved (the clippy configuration of docs/compile-time-checks.md catches those).
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
            self.diagnostics.push(diagnostics::detached_method(
                call.method.span(),
                &shown,
                kind,
                self.context,
            ));
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
        self.prepend(&mut item.block.stmts, &item.sig.ident);
    }

    fn visit_impl_item_fn_mut(&mut self, item: &mut ImplItemFn) {
        self.prepend(&mut item.block.stmts, &item.sig.ident);
    }

    fn visit_trait_item_fn_mut(&mut self, item: &mut TraitItemFn) {
        if let Some(block) = &mut item.default {
            self.prepend(&mut block.stmts, &item.sig.ident);
        }
    }
}

/// A `spawn!` & co. (or `cancel!()`) written inside a parallel task's own
/// future, outside a scope of its own: it would reach into the parent's
/// scope, which a task that runs on its own (`Send + 'static`) cannot
/// borrow. Skips nested `scope!` invocations (their macros are theirs).
pub(crate) fn reaches_into_parent(tokens: &TokenStream, outer: &Ident) -> Option<syn::Error> {
    let tokens: Vec<TokenTree> = tokens.clone().into_iter().collect();
    let mut index = 0;
    while index < tokens.len() {
        match &tokens[index] {
            TokenTree::Group(group) => {
                if let Some(error) = reaches_into_parent(&group.stream(), outer) {
                    return Some(error);
                }
            }
            // A `fn` item in the task is not part of it (its own
            // `#[nursery]`, or the nested-fn errors): skip to its body's end.
            TokenTree::Ident(ident) if ident == "fn" => {
                while index < tokens.len()
                    && !matches!(&tokens[index], TokenTree::Group(g) if g.delimiter() == Delimiter::Brace)
                {
                    index += 1;
                }
            }
            TokenTree::Ident(ident) => {
                let bang = matches!(tokens.get(index + 1), Some(TokenTree::Punct(p)) if p.as_char() == '!');
                let args = matches!(tokens.get(index + 2), Some(TokenTree::Group(_)));
                if bang && args {
                    let name = ident.to_string();
                    if name == "scope" {
                        // A scope of the task's own is fine, unless it
                        // borrows through `spawn_scoped!`: then it is not
                        // `Send`, and rustc's errors name our internals.
                        if let (Some(TokenTree::Group(inner)), true) =
                            (tokens.get(index + 2), outer != "spawn_blocking")
                        {
                            if let Some(at) = find_macro(&inner.stream(), "spawn_scoped") {
                                return Some(diagnostics::scoped_scope_in_task(at, outer));
                            }
                        }
                        index += 3;
                        continue;
                    }
                    if scope_macros().any(|scope_macro| name == scope_macro) {
                        let outer = outer.to_string();
                        let span = ident.span();
                        return Some(if name == "cancel" {
                            diagnostics::cancel_in_task(span, &outer)
                        } else if outer == "spawn_blocking" {
                            diagnostics::spawn_in_blocking(span, &name)
                        } else {
                            diagnostics::spawn_in_task(span, &name, &outer)
                        });
                    }
                }
            }
            _ => {}
        }
        index += 1;
    }
    None
}

/// The span of the first `name!` invocation in `tokens`, at any depth.
fn find_macro(tokens: &TokenStream, name: &str) -> Option<Span> {
    let tokens: Vec<TokenTree> = tokens.clone().into_iter().collect();
    tokens.iter().enumerate().find_map(|(index, token)| match token {
        TokenTree::Group(group) => find_macro(&group.stream(), name),
        TokenTree::Ident(ident)
            if ident == name
                && matches!(tokens.get(index + 1), Some(TokenTree::Punct(p)) if p.as_char() == '!') =>
        {
            Some(ident.span())
        }
        _ => None,
    })
}
