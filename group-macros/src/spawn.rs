//! The body of the local `spawn!` / `try_spawn!` macros. Each local macro
//! forwards its tokens here (with the hidden scope handle), so that the
//! generated calls carry the user's spans: a future that is not `Send`,
//! borrows a local, or fails with an error the scope cannot take is
//! reported on the future itself, not on the whole `#[nursery]` or `scope!`.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::parse::{Parse, ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{bracketed, Expr, Ident, LitBool, Token};

/// What the local macro passes: `[krate] scope kind limited ; tokens`.
struct Forwarded {
    krate: TokenStream,
    scope: Ident,
    kind: Ident,
    limited: bool,
    tokens: TokenStream,
}

impl Parse for Forwarded {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let content;
        bracketed!(content in input);
        let krate = content.parse()?;
        let scope = input.parse()?;
        let kind = input.parse()?;
        let limited: LitBool = input.parse()?;
        input.parse::<Token![;]>()?;
        Ok(Forwarded {
            krate,
            scope,
            kind,
            limited: limited.value,
            tokens: input.parse()?,
        })
    }
}

const USAGE: &str = "write `spawn!(future)` or `spawn!(name = \"…\", timeout = d, future)`, \
                     e.g. `spawn!(fetch(id))` or `spawn!(async move { … })`";

/// `name = …, timeout = …,` options, then the future.
struct Call {
    name: Option<Expr>,
    timeout: Option<Expr>,
    future: Expr,
}

impl Parse for Call {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut name = None;
        let mut timeout = None;
        while input.peek(Ident) && input.peek2(Token![=]) && !input.peek2(Token![==]) {
            let key: Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            let value: Expr = input.parse()?;
            input.parse::<Token![,]>().map_err(|error| {
                syn::Error::new(
                    error.span(),
                    format!("expected `,` after `{key} = …`; {USAGE}"),
                )
            })?;
            match key.to_string().as_str() {
                "name" if name.is_none() => name = Some(value),
                "timeout" if timeout.is_none() => timeout = Some(value),
                "name" | "timeout" => {
                    return Err(syn::Error::new(
                        key.span(),
                        format!("duplicate option `{key}`"),
                    ))
                }
                other => {
                    return Err(syn::Error::new(
                        key.span(),
                        format!(
                            "unknown task option `{other}`; accepted: `name = \"…\"`, \
                             `timeout = <Duration>`"
                        ),
                    ))
                }
            }
        }
        if input.is_empty() {
            return Err(input.error(format!("missing future: {USAGE}")));
        }
        let future = input.parse()?;
        if input.peek(Token![,]) {
            input.parse::<Token![,]>()?;
        }
        if !input.is_empty() {
            return Err(input.error(format!("unexpected tokens after the future; {USAGE}")));
        }
        Ok(Call {
            name,
            timeout,
            future,
        })
    }
}

pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let forwarded = match syn::parse2::<Forwarded>(input) {
        Ok(forwarded) => forwarded,
        Err(error) => return error.to_compile_error(),
    };
    let Forwarded {
        krate,
        scope,
        kind,
        limited,
        tokens,
    } = forwarded;
    let call = match Call::parse.parse2(tokens) {
        Ok(call) => call,
        // A placeholder of any type, so one mistake gives one error.
        Err(error) => {
            let error = error.to_compile_error();
            return quote!({ #error; ::core::unreachable!() });
        }
    };
    if kind != "spawn_scoped" {
        if let Some(error) = reaches_into_parent(&call.future.to_token_stream(), &kind) {
            return quote!({ #error; ::core::unreachable!() });
        }
    }
    let kind = match kind.to_string().as_str() {
        "try_spawn" => Kind::Try,
        "spawn_background" => Kind::Background,
        "spawn_blocking" => Kind::Blocking,
        "spawn_scoped" => Kind::Scoped,
        "start" => return start(&krate, &scope, limited, call),
        _ => Kind::Spawn,
    };
    if let (Kind::Blocking, Some(timeout)) = (kind, &call.timeout) {
        return syn::Error::new(
            timeout.span(),
            "a `spawn_blocking!` task cannot be aborted, so it takes no `timeout`: put the \
             `timeout` on the scope, and check `taskgroup::is_cancelled()` in the closure",
        )
        .to_compile_error();
    }
    generate(&krate, &scope, kind, limited, &call)
}

/// `start!(|ready| fut)`: the child is built by calling the closure with a
/// `Ready`, wrapped so that an error before the signal goes to `start!`,
/// spawned like `spawn!`; `start!` then awaits the signal.
fn start(krate: &TokenStream, scope: &Ident, limited: bool, call: Call) -> TokenStream {
    let Expr::Closure(closure) = strip(&call.future) else {
        return syn::Error::new(
            call.future.span(),
            "`start!` takes a closure that receives the `Ready` signal: \
             `start!(|ready| async move { …; ready.send(value); … })`",
        )
        .to_compile_error();
    };
    if closure.inputs.len() != 1 {
        return syn::Error::new(
            closure.or1_token.span,
            "the `start!` closure takes one argument, the `Ready` signal: `|ready| …`",
        )
        .to_compile_error();
    }
    let span = call.future.span();
    let hidden = |name: &str| Ident::new(name, Span::mixed_site().located_at(span));
    let (ready, signalled, error, starting, future) = (
        hidden("__tg_ready"),
        hidden("__tg_signalled"),
        hidden("__tg_error"),
        hidden("__tg_starting"),
        hidden("__tg_start_future"),
    );
    // An `async` block as the closure's body takes the scope's error type.
    let wrap = if is_async_block(&closure.body) {
        quote_spanned!(span=> starting_inline(&#scope, #error, #signalled, #future))
    } else {
        quote_spanned!(span=> starting(#error, #signalled, #future))
    };
    // A body that ends in a `break`-less loop (a server) gets the scope's
    // `Result<(), E>`, as in `spawn!`.
    let call_closure = quote_spanned!(span=> #krate::__private::call_with_ready(#closure, #ready));
    let child = if runs_forever(&closure.body) {
        quote_spanned!(span=> #krate::__private::forever(&#scope, #call_closure))
    } else {
        call_closure
    };
    let spawned = generate(
        krate,
        scope,
        Kind::Spawn,
        limited,
        &Call {
            name: call.name,
            timeout: call.timeout,
            future: syn::parse_quote_spanned!(span=> #future),
        },
    );
    quote_spanned! {span=>
        {
            let (#ready, #signalled, #error, #starting) = #krate::__private::start_channel();
            let #future = #child;
            let #future = (&&&#krate::__private::start_probe(&#future)).#wrap;
            ::core::mem::drop(#spawned);
            #starting.wait().await
        }
    }
}

/// The expression inside invisible groups and parentheses.
fn strip(expr: &Expr) -> &Expr {
    match expr {
        Expr::Group(group) => strip(&group.expr),
        Expr::Paren(paren) => strip(&paren.expr),
        other => other,
    }
}

/// Which macro: `spawn!`, `try_spawn!`, `spawn_background!`,
/// `spawn_blocking!`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Spawn,
    Try,
    Background,
    Blocking,
    Scoped,
}

/// The same tokens, located at `span`: a call whose path keeps the outer
/// macro's span would be reported on the whole `#[nursery]` / `scope!`.
pub(crate) fn respan(tokens: &TokenStream, span: Span) -> TokenStream {
    tokens
        .clone()
        .into_iter()
        .map(|mut token| {
            token.set_span(token.span().located_at(span));
            token
        })
        .collect()
}

fn generate(
    krate: &TokenStream,
    scope: &Ident,
    kind: Kind,
    limited: bool,
    call: &Call,
) -> TokenStream {
    let span = call.future.span();
    let located_krate = respan(krate, span);
    let hidden = |name: &str| Ident::new(name, Span::mixed_site().located_at(span));
    let (future_var, slot_var, name_var) = (
        hidden("__tg_future"),
        hidden("__tg_slot"),
        hidden("__tg_name"),
    );
    let future = &call.future;
    // An inline `async` block (or closure, for `spawn_blocking!`) takes the
    // scope's error type as its own.
    let inline = match kind {
        Kind::Blocking => is_closure(future),
        _ => is_async_block(future),
    };
    let method = if inline {
        Ident::new("spawn_inline", span)
    } else {
        Ident::new("spawn_task", span)
    };
    let name = match &call.name {
        Some(name) => {
            quote_spanned!(name.span()=> ::core::option::Option::Some(::core::convert::Into::into(#name)))
        }
        None => quote!(::core::option::Option::None),
    };
    let location = quote!(#krate::__private::Location::caller());
    // Read left to right: `spawn!(name = url.clone(), fetch(url))`.
    let bind_name = quote!(let #name_var = #name;);
    // A task's own `timeout` goes with its start; the scope's error type
    // must be buildable from `Elapsed` (checked on the `timeout` value).
    let (timeout, deadline_check) = match &call.timeout {
        Some(timeout) => (
            {
                let value = crate::args::into_timeout(krate, timeout);
                quote_spanned!(timeout.span()=> .timeout(#value))
            },
            crate::args::deadline_check(krate, scope, timeout.span()),
        ),
        None => (TokenStream::new(), TokenStream::new()),
    };
    let future = quote!(#future);
    // The bound checked where the user wrote the task (public, so that a
    // note names `taskgroup::checks::…`).
    let (check, probe) = match kind {
        Kind::Blocking => (quote!(checks::blocking_task), quote!(blocking_probe)),
        Kind::Scoped => (quote!(__private::identity), quote!(scoped_probe)),
        _ => (quote!(checks::parallel_task), quote!(task_probe)),
    };
    // A scoped child goes into the scope's set of scoped children, named
    // like the scope's handle (same hygiene).
    let set = match kind {
        Kind::Scoped => {
            let set = Ident::new("__tg_scoped", scope.span());
            quote!(&#set,)
        }
        _ => TokenStream::new(),
    };
    // A block that only ends by failing or being cancelled: give it the
    // scope's `Result<(), E>` as output (there is no other to infer).
    let future = if kind != Kind::Blocking && runs_forever(&call.future) {
        quote_spanned!(span=> #located_krate::__private::forever(&#scope, #future))
    } else {
        future
    };
    let bind = quote_spanned! {span=>
        #deadline_check
        let #future_var = #located_krate::#check(#future);
    };
    let background = match kind {
        Kind::Background => quote!(.background()),
        _ => TokenStream::new(),
    };
    let how = quote! {
        #krate::__private::Start::new(#slot_var, #name_var, #location)#background #timeout
    };
    let start = quote_spanned! {span=>
        (&&&#located_krate::__private::#probe(&#future_var))
            .#method(&#scope, #set #how, #future_var)
    };
    if kind == Kind::Try {
        // Like Go's `TryGo`: without a free slot the future is not even
        // built, so what it would capture is still the caller's.
        quote! {{
            #bind_name
            let #slot_var = #scope.__slot_try();
            match #slot_var {
                ::core::option::Option::Some(#slot_var) => {
                    #bind
                    ::core::option::Option::Some(#start)
                }
                ::core::option::Option::None => ::core::option::Option::None,
            }
        }}
    } else {
        // A background child (a heartbeat, a reporter) is not work the
        // limit bounds: it takes no slot, or it would hold one all along.
        let slot = if limited && kind != Kind::Background {
            quote!(#scope.__slot_wait().await)
        } else {
            quote!(#scope.__slot_now())
        };
        quote! {{
            #bind_name
            #bind
            let #slot_var = #slot;
            #start
        }}
    }
}

/// A `spawn!` & co. (or `cancel!()`) written inside a parallel task's own
/// future, outside a scope of its own: it would reach into the parent's
/// scope, which a task that runs on its own (`Send + 'static`) cannot
/// borrow. Skips nested `scope!` invocations (their macros are theirs).
fn reaches_into_parent(tokens: &TokenStream, outer: &Ident) -> Option<TokenStream> {
    let tokens: Vec<proc_macro2::TokenTree> = tokens.clone().into_iter().collect();
    let mut index = 0;
    while index < tokens.len() {
        match &tokens[index] {
            proc_macro2::TokenTree::Group(group) => {
                if let Some(error) = reaches_into_parent(&group.stream(), outer) {
                    return Some(error);
                }
            }
            // A `fn` item in the task is not part of it (its own
            // `#[nursery]`, or the nested-fn errors): skip to its body's end.
            proc_macro2::TokenTree::Ident(ident) if ident == "fn" => {
                while index < tokens.len()
                    && !matches!(&tokens[index], proc_macro2::TokenTree::Group(g) if g.delimiter() == proc_macro2::Delimiter::Brace)
                {
                    index += 1;
                }
            }
            proc_macro2::TokenTree::Ident(ident) => {
                let bang = matches!(tokens.get(index + 1), Some(proc_macro2::TokenTree::Punct(p)) if p.as_char() == '!');
                let args = matches!(
                    tokens.get(index + 2),
                    Some(proc_macro2::TokenTree::Group(_))
                );
                if bang && args {
                    let name = ident.to_string();
                    if name == "scope" {
                        // A scope of the task's own is fine, unless it
                        // borrows through `spawn_scoped!`: then it is not
                        // `Send`, and rustc's errors name our internals.
                        if let (Some(proc_macro2::TokenTree::Group(inner)), true) =
                            (tokens.get(index + 2), outer != "spawn_blocking")
                        {
                            if let Some(at) = find_macro(&inner.stream(), "spawn_scoped") {
                                let message = format!(
                                    "a scope that uses `spawn_scoped!` is not `Send` (its scoped \
                                     children live inside the scope's own future), so it cannot \
                                     run inside a `{outer}!` task, which may move between \
                                     threads. In the task's scope, use `spawn!` (move or `Arc` \
                                     what it needs), or run the task on a `tokio::task::LocalSet` \
                                     instead of `{outer}!`"
                                );
                                return Some(syn::Error::new(at, message).to_compile_error());
                            }
                        }
                        index += 3;
                        continue;
                    }
                    if crate::expand::SPAWNING.contains(&name.as_str())
                        || name == "spawn_scoped"
                        || name == "cancel"
                    {
                        let outer = outer.to_string();
                        let message = if name == "cancel" {
                            format!(
                                "`cancel!()` inside a `{outer}!` task cannot reach the enclosing \
                                 scope: the task runs on its own (`Send + 'static`). Return an \
                                 `Err` from the task to stop its siblings, or call `cancel!()` \
                                 in the body"
                            )
                        } else if outer == "spawn_blocking" {
                            format!(
                                "`{name}!` inside a `spawn_blocking!` closure cannot reach the \
                                 enclosing scope: the closure runs on its own thread \
                                 (`Send + 'static`). Return the value for the body to spawn, or \
                                 open a scope of the closure's own: \
                                 `tokio::runtime::Handle::current().block_on(async {{ scope! {{ … }} }})`"
                            )
                        } else {
                            format!(
                                "`{name}!` inside a `{outer}!` task cannot reach the enclosing \
                                 scope: the task runs on its own (`Send + 'static`) and cannot \
                                 borrow it. Open a scope inside the task: \
                                 `{outer}!(async move {{ scope! {{ {name}!(…); }} }})`"
                            )
                        };
                        return Some(syn::Error::new(ident.span(), message).to_compile_error());
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
    let tokens: Vec<proc_macro2::TokenTree> = tokens.clone().into_iter().collect();
    tokens.iter().enumerate().find_map(|(index, token)| match token {
        proc_macro2::TokenTree::Group(group) => find_macro(&group.stream(), name),
        proc_macro2::TokenTree::Ident(ident)
            if ident == name
                && matches!(tokens.get(index + 1), Some(proc_macro2::TokenTree::Punct(p)) if p.as_char() == '!') =>
        {
            Some(ident.span())
        }
        _ => None,
    })
}

/// An `async` block whose last statement is a `loop` with no `break` and no
/// `return` in it: it never returns a value (it ends by `?`, a panic or
/// cancellation). A `return` gives the block its output type.
fn runs_forever(expr: &Expr) -> bool {
    let block = match expr {
        Expr::Async(block) => &block.block,
        Expr::Group(group) => return runs_forever(&group.expr),
        Expr::Paren(paren) => return runs_forever(&paren.expr),
        _ => return false,
    };
    match block.stmts.last() {
        Some(syn::Stmt::Expr(Expr::Loop(the_loop), _)) => {
            !has_exit(the_loop.body.to_token_stream())
        }
        _ => false,
    }
}

/// Any `break` or `return` token, nested loops and closures included
/// (conservative).
fn has_exit(tokens: TokenStream) -> bool {
    tokens.into_iter().any(|token| match token {
        proc_macro2::TokenTree::Ident(ident) => ident == "break" || ident == "return",
        proc_macro2::TokenTree::Group(group) => has_exit(group.stream()),
        _ => false,
    })
}

/// A closure literal, also through a fragment or in parentheses.
fn is_closure(expr: &Expr) -> bool {
    match expr {
        Expr::Closure(_) => true,
        Expr::Group(group) => is_closure(&group.expr),
        Expr::Paren(paren) => is_closure(&paren.expr),
        _ => false,
    }
}

/// An `async` block, also when it reached `spawn!` through a `macro_rules!`
/// fragment (`$fut:expr` arrives as an invisible group) or in parentheses.
fn is_async_block(expr: &Expr) -> bool {
    match expr {
        Expr::Async(_) => true,
        Expr::Group(group) => is_async_block(&group.expr),
        Expr::Paren(paren) => is_async_block(&paren.expr),
        _ => false,
    }
}
