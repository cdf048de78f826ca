//! A task, as a local `spawn!` & co. forwards it to `__spawn_task!`:
//! `[krate] scope kind limited ; user tokens` → [`Forwarded`] and [`Call`];
//! the names of the macros a scope defines; the shape of the user's future.

use proc_macro2::TokenStream;
use syn::parse::{Parse, ParseStream};
use syn::{bracketed, Expr, Ident, LitBool, Token};

use crate::diagnostics;
use crate::parse::mentions;

/// The macros that start a child, each forwarded to `__spawn_task!`.
pub(crate) const SPAWNING: [&str; 5] = [
    "spawn",
    "try_spawn",
    "spawn_background",
    "spawn_blocking",
    "start",
];

/// Every macro a scope defines, in the order they are generated: the
/// spawning ones, `spawn_scoped!` and `cancel!`.
pub(crate) fn scope_macros() -> impl Iterator<Item = &'static str> {
    SPAWNING.into_iter().chain(["spawn_scoped", "cancel"])
}

/// Which macro forwarded the task.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Spawn,
    Try,
    Background,
    Blocking,
    Scoped,
    Start,
}

impl Kind {
    /// The kind of the macro `name`; `spawn!` for a name of none.
    pub(crate) fn of(name: &Ident) -> Kind {
        match name.to_string().as_str() {
            "try_spawn" => Kind::Try,
            "spawn_background" => Kind::Background,
            "spawn_blocking" => Kind::Blocking,
            "spawn_scoped" => Kind::Scoped,
            "start" => Kind::Start,
            _ => Kind::Spawn,
        }
    }
}

/// What the local macro passes: `[krate] scope kind limited ; tokens`.
pub(crate) struct Forwarded {
    pub(crate) krate: TokenStream,
    /// The hidden scope handle, in the hygiene of the scope's expansion.
    pub(crate) scope: Ident,
    /// The macro's name, as messages show it.
    pub(crate) name: Ident,
    pub(crate) kind: Kind,
    /// Whether the scope has a `limit` (then `spawn!` waits for a slot).
    pub(crate) limited: bool,
    /// What the user wrote between the parentheses.
    pub(crate) tokens: TokenStream,
}

impl Parse for Forwarded {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let content;
        bracketed!(content in input);
        let krate = content.parse()?;
        let scope = input.parse()?;
        let name: Ident = input.parse()?;
        let limited: LitBool = input.parse()?;
        input.parse::<Token![;]>()?;
        Ok(Forwarded {
            krate,
            scope,
            kind: Kind::of(&name),
            name,
            limited: limited.value,
            tokens: input.parse()?,
        })
    }
}

/// `isolated,` and `name = …, timeout = …, restart = …,` options (in any
/// order), then the future.
pub(crate) struct Call {
    pub(crate) name: Option<Expr>,
    pub(crate) timeout: Option<Expr>,
    /// `restart = policy`: the future is a factory, restarted per policy.
    pub(crate) restart: Option<Expr>,
    /// `isolated`: the child's failure is its own (its handle's outcome).
    pub(crate) isolated: Option<Ident>,
    pub(crate) future: Expr,
}

impl Parse for Call {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut name = None;
        let mut timeout = None;
        let mut restart = None;
        let mut isolated: Option<Ident> = None;
        // `errors = isolated` on the scope: its `spawn!` passes this marker
        // (no user can write it), merged with a written `isolated`.
        let mut scope_isolated = None;
        if input.peek(Token![@]) {
            input.parse::<Token![@]>()?;
            scope_isolated = Some(input.parse::<Ident>()?);
            input.parse::<Token![,]>()?;
        }
        loop {
            if input.peek(Ident) && input.peek2(Token![,]) {
                let fork = input.fork();
                let key: Ident = fork.parse()?;
                fork.parse::<Token![,]>()?;
                // `spawn!(isolated,)`: a future named `isolated` with a
                // trailing comma, not the flag.
                if key == "isolated" && !fork.is_empty() {
                    input.parse::<Ident>()?;
                    input.parse::<Token![,]>()?;
                    if isolated.is_some() {
                        return Err(diagnostics::task_duplicate_option(&key, key.span()));
                    }
                    isolated = Some(key);
                    continue;
                }
            }
            if !(input.peek(Ident) && input.peek2(Token![=]) && !input.peek2(Token![==])) {
                break;
            }
            let key: Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            let value: Expr = input.parse()?;
            input
                .parse::<Token![,]>()
                .map_err(|error| diagnostics::task_expected_comma(&key, error.span()))?;
            let slot = match key.to_string().as_str() {
                "name" => &mut name,
                "timeout" => &mut timeout,
                "restart" => &mut restart,
                other => return Err(diagnostics::task_unknown_option(other, key.span())),
            };
            if slot.is_some() {
                return Err(diagnostics::task_duplicate_option(&key, key.span()));
            }
            *slot = Some(value);
        }
        if input.is_empty() {
            return Err(input.error(diagnostics::task_missing_future()));
        }
        let future: Expr = input.parse()?;
        if input.peek(Token![,]) {
            input.parse::<Token![,]>()?;
        }
        if !input.is_empty() {
            // `spawn!(isolate, fut)`: a misspelt flag, not a future.
            if let Expr::Path(path) = &future {
                if let Some(flag) = path.path.get_ident() {
                    if flag == "isolated" {
                        return Err(diagnostics::task_expected_comma_after_flag(
                            flag,
                            flag.span(),
                        ));
                    }
                    return Err(diagnostics::task_unknown_option(
                        &flag.to_string(),
                        flag.span(),
                    ));
                }
            }
            return Err(input.error(diagnostics::task_trailing_tokens()));
        }
        Ok(Call {
            name,
            timeout,
            restart,
            isolated: isolated.or(scope_isolated),
            future,
        })
    }
}

/// The expression inside invisible groups and parentheses: an `async` block
/// reaches `spawn!` through a `macro_rules!` fragment (`$fut:expr`) as an
/// invisible group.
pub(crate) fn strip(expr: &Expr) -> &Expr {
    match expr {
        Expr::Group(group) => strip(&group.expr),
        Expr::Paren(paren) => strip(&paren.expr),
        other => other,
    }
}

/// An `async` block, also through a fragment or in parentheses.
pub(crate) fn is_async_block(expr: &Expr) -> bool {
    matches!(strip(expr), Expr::Async(_))
}

/// A closure literal, also through a fragment or in parentheses.
pub(crate) fn is_closure(expr: &Expr) -> bool {
    matches!(strip(expr), Expr::Closure(_))
}

/// An `async` block whose last statement is a `loop` with no `break` and no
/// `return` in it: it never returns a value (it ends by `?`, a panic or
/// cancellation). A `return` gives the block its output type. Any `break`
/// or `return` token counts, nested loops and closures included
/// (conservative).
pub(crate) fn runs_forever(expr: &Expr) -> bool {
    let Expr::Async(block) = strip(expr) else {
        return false;
    };
    match block.block.stmts.last() {
        Some(syn::Stmt::Expr(Expr::Loop(the_loop), _)) => !mentions(
            quote::ToTokens::to_token_stream(&the_loop.body),
            &["break", "return"],
        ),
        _ => false,
    }
}
