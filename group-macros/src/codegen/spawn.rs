//! `__spawn_task!`, the body of the local `spawn!` / `try_spawn!` & co. Each
//! local macro forwards its tokens here (with the hidden scope handle), so
//! that the generated calls carry the user's spans: a future that is not
//! `Send`, borrows a local, or fails with an error the scope cannot take is
//! reported on the future itself, not on the whole `#[nursery]` or `scope!`.

use proc_macro2::{Ident, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::parse::{Parse, Parser};
use syn::spanned::Spanned;
use syn::Expr;

use crate::codegen::names::{hidden_at, Names};
use crate::codegen::options::{deadline_check, into_timeout};
use crate::codegen::respan;
use crate::diagnostics;
use crate::parse::task::{is_async_block, is_closure, runs_forever, strip, Call, Forwarded, Kind};
use crate::scan::reaches_into_parent;

/// One task: the forwarded prefix and the user's tokens are parsed, checked,
/// and become the code that starts the child. A mistake in the user's
/// tokens gives one error, in expression position.
///
/// ```text
/// spawn!(fetch(id))
/// ```
/// reaches here as `[::taskgroup] __tg_scope spawn false; fetch(id)` and
/// becomes
/// ```text
/// {
///     let __tg_name = ::core::option::Option::None;
///     let __tg_future = ::taskgroup::checks::parallel_task(fetch(id));
///     let __tg_slot = __tg_scope.__slot_now();      // with a limit: __slot_wait().await
///     (&&&::taskgroup::__private::task_probe(&__tg_future))
///         .spawn_task(&__tg_scope, Start::new(__tg_slot, __tg_name, Location::caller()), __tg_future)
/// }
/// ```
/// Snapshot: `src/tests/snapshots/spawn_call_unlimited.rs` (and every
/// `spawn_*.rs`, `try_spawn_*.rs`, `start_listener.rs`).
pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let forwarded = match syn::parse2::<Forwarded>(input) {
        Ok(forwarded) => forwarded,
        Err(error) => return error.to_compile_error(),
    };
    let Forwarded {
        krate,
        scope,
        name,
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
    if kind != Kind::Scoped {
        if let Some(error) = reaches_into_parent(&call.future.to_token_stream(), &name) {
            let error = error.to_compile_error();
            return quote!({ #error; ::core::unreachable!() });
        }
    }
    if let Some(flag) = &call.isolated {
        if !matches!(kind, Kind::Spawn | Kind::Try) {
            return diagnostics::isolated_misplaced(&name, flag.span()).to_compile_error();
        }
    }
    if let Some(policy) = &call.restart {
        if !matches!(kind, Kind::Spawn | Kind::Try | Kind::Background) {
            return diagnostics::restart_misplaced(&name, policy.span()).to_compile_error();
        }
        if let Some(timeout) = &call.timeout {
            return diagnostics::restart_with_timeout(timeout.span()).to_compile_error();
        }
    }
    match (kind, &call.timeout) {
        (Kind::Start, _) => start(&krate, &scope, limited, call),
        (Kind::Blocking, Some(timeout)) => {
            diagnostics::blocking_timeout(timeout.span()).to_compile_error()
        }
        _ => generate(&krate, &scope, kind, limited, &call),
    }
}

/// `start!(|ready| fut)`: the child is built by calling the closure with a
/// `Ready`, wrapped so that an error before the signal goes to `start!`,
/// spawned like `spawn!`; `start!` then awaits the signal.
///
/// ```text
/// start!(|ready| async move { ready.send(addr); serve().await })
/// ```
/// becomes
/// ```text
/// {
///     let (__tg_ready, __tg_signalled, __tg_error, __tg_starting) = start_channel();
///     let __tg_start_future = call_with_ready(|ready| async move { … }, __tg_ready);
///     let __tg_start_future = (&&&start_probe(&__tg_start_future))
///         .starting_inline(&__tg_scope, __tg_error, __tg_signalled, __tg_start_future);
///     ::core::mem::drop({ /* spawn!(__tg_start_future), as in `expand` */ });
///     __tg_starting.wait().await
/// }
/// ```
/// Snapshot: `src/tests/snapshots/start_listener.rs`.
fn start(krate: &TokenStream, scope: &Ident, limited: bool, call: Call) -> TokenStream {
    let Expr::Closure(closure) = strip(&call.future) else {
        return diagnostics::start_not_a_closure(call.future.span()).to_compile_error();
    };
    if closure.inputs.len() != 1 {
        return diagnostics::start_closure_arity(closure.or1_token.span).to_compile_error();
    }
    let span = call.future.span();
    let (ready, signalled, error, starting, future) = (
        hidden_at("__tg_ready", span),
        hidden_at("__tg_signalled", span),
        hidden_at("__tg_error", span),
        hidden_at("__tg_starting", span),
        hidden_at("__tg_start_future", span),
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
            restart: None,
            isolated: None,
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

/// The code that starts one child of `kind`: the name first (read left to
/// right), the future checked where the user wrote it, a slot, then the
/// dispatch on the future's output (`spawn_inline` for an inline `async`
/// block or a `spawn_blocking!` closure, which take the scope's error
/// type).
///
/// ```text
/// try_spawn!(name = "n", timeout = d, async { … })
/// ```
/// becomes
/// ```text
/// {
///     let __tg_name = Some(::taskgroup::checks::IntoName::into_name("n"));
///     let __tg_slot = __tg_scope.__slot_try();
///     match __tg_slot {
///         Some(__tg_slot) => {
///             ::taskgroup::checks::deadline_error(&__tg_scope);
///             let __tg_future = ::taskgroup::checks::parallel_task(async { … });
///             Some((&&&task_probe(&__tg_future)).spawn_inline(&__tg_scope,
///                 Start::new(__tg_slot, __tg_name, Location::caller()).timeout(…),
///                 __tg_future))
///         }
///         None => None,
///     }
/// }
/// ```
/// Snapshot: `src/tests/snapshots/try_spawn_block.rs`, `spawn_with_timeout.rs`,
/// `spawn_blocking_closure.rs`, `spawn_background_loop.rs`,
/// `spawn_scoped_borrow.rs`, `spawn_isolated.rs`, `spawn_restarted.rs`.
fn generate(
    krate: &TokenStream,
    scope: &Ident,
    kind: Kind,
    limited: bool,
    call: &Call,
) -> TokenStream {
    let span = call.future.span();
    let located_krate = respan(krate, span);
    let (future_var, slot_var, name_var) = (
        hidden_at("__tg_future", span),
        hidden_at("__tg_slot", span),
        hidden_at("__tg_name", span),
    );
    let future = &call.future;
    // An inline `async` block (or closure, for `spawn_blocking!`; or a
    // restart factory `|| async { … }`) takes the scope's error type as its
    // own.
    let inline = match (kind, &call.restart) {
        (Kind::Blocking, _) => is_closure(future),
        (_, Some(_)) => match strip(future) {
            Expr::Closure(closure) => is_async_block(&closure.body),
            _ => false,
        },
        _ => is_async_block(future),
    };
    let method = if inline {
        Ident::new("spawn_inline", span)
    } else {
        Ident::new("spawn_task", span)
    };
    let name = match &call.name {
        Some(name) => {
            quote_spanned!(name.span()=> ::core::option::Option::Some(#krate::checks::IntoName::into_name(#name)))
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
                let value = into_timeout(krate, timeout);
                quote_spanned!(timeout.span()=> .timeout(#value))
            },
            // An isolated child's timeout is its own outcome.
            if call.isolated.is_some() {
                TokenStream::new()
            } else {
                deadline_check(krate, scope, timeout.span())
            },
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
    // A scoped child goes into the scope's set of scoped children.
    let set = match kind {
        Kind::Scoped => {
            let set = Names::scoped_beside(scope);
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
    // A restarted child's future is its restart loop around the factory;
    // the dump shows its restarts.
    let seen_var = hidden_at("__tg_restarts", span);
    let (future, restarts, seen) = match &call.restart {
        Some(policy) => (
            quote_spanned! {span=>
                #located_krate::checks::restart_factory(#policy, #future, &#seen_var)
            },
            quote!(.restarts(&#seen_var)),
            quote!(let #seen_var = #krate::__private::RestartsSeen::default();),
        ),
        None => (future, TokenStream::new(), TokenStream::new()),
    };
    let bind = quote_spanned! {span=>
        #deadline_check
        #seen
        let #future_var = #located_krate::#check(#future);
    };
    let background = match kind {
        Kind::Background => quote!(.background()),
        _ => TokenStream::new(),
    };
    let how = quote! {
        #krate::__private::Start::new(#slot_var, #name_var, #location)#background #timeout #restarts
    };
    // An isolated child's output is not read for an `Err` (its handle
    // has it); an inline block still takes the scope's error type.
    let start = if call.isolated.is_some() && inline {
        quote_spanned! {span=>
            (&&&#located_krate::__private::#probe(&#future_var))
                .spawn_isolated_inline(&#scope, #how, #future_var)
        }
    } else if call.isolated.is_some() {
        quote_spanned! {span=>
            #located_krate::__private::spawn_isolated(&#scope, #how, #future_var)
        }
    } else {
        quote_spanned! {span=>
            (&&&#located_krate::__private::#probe(&#future_var))
                .#method(&#scope, #set #how, #future_var)
        }
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
