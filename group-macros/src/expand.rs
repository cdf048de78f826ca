//! The code `#[nursery]` and `scope!` both generate: the hidden scope
//! handle and the local `spawn!` / `try_spawn!` / `cancel!` macros that
//! reach it.
//!
//! The handle's name has `Span::mixed_site()` hygiene: user code can neither
//! name nor shadow it, while the local `macro_rules!` defined next to it
//! (same hygiene context) can. Because the macros are local, they resolve
//! inside closures, `println!`, `tokio::select!` and any other macro, and
//! bind to the innermost scope when scopes nest. (They are also visible in a
//! nested `fn` item, where the hidden handle is not: that use fails to
//! compile, though not yet with a message of ours.)

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::args::Args;

/// Hygienic names of the generated locals.
pub(crate) struct Names {
    pub(crate) scope: Ident,
    pub(crate) mode: Ident,
    pub(crate) body: Ident,
    pub(crate) ret: Ident,
}

impl Names {
    pub(crate) fn new() -> Self {
        let hidden = |name: &str| Ident::new(name, Span::mixed_site());
        Names {
            scope: hidden("__tg_scope"),
            mode: hidden("__tg_mode"),
            body: hidden("__tg_body"),
            ret: hidden("__tg_ret"),
        }
    }
}

/// The trait imports the dispatch needs (only one of each pair is used by a
/// given expansion, hence the `allow`).
pub(crate) fn imports(krate: &TokenStream) -> TokenStream {
    quote! {
        #[allow(unused_imports)]
        use #krate::__private::{
            SpawnResult as _, SpawnValue as _, ViaFallible as _, ViaPlain as _,
        };
    }
}

/// `macro_rules! spawn`, `try_spawn`, `cancel` bound to this scope.
pub(crate) fn local_macros(args: &Args, names: &Names) -> TokenStream {
    let krate = args.krate();
    let scope = &names.scope;
    // With a limit, `spawn!` waits for a free slot (backpressure); without
    // one it never awaits, so it also works in non-async closures.
    let slot = if args.limit.is_some() {
        quote!(#scope.__slot_wait().await)
    } else {
        quote!(#scope.__slot_now())
    };
    let location = quote!(#krate::__private::Location::caller());
    let some_name = quote!(::core::option::Option::Some(::core::convert::Into::into($name)));
    let no_name = quote!(::core::option::Option::None);
    // One arm per shape; an inline `async` block dispatches through
    // `__tg_spawn_block`, which gives the block the scope's error type.
    let spawn_arm = |name: &TokenStream, method: &str, future: TokenStream| {
        let method = Ident::new(method, Span::call_site());
        quote! {{
            let __tg_future = #future;
            let __tg_slot = #slot;
            (&&&#krate::__private::task_probe(&__tg_future))
                .#method(&#scope, __tg_slot, #name, #location, __tg_future)
        }}
    };
    let try_arm = |name: &TokenStream, method: &str, future: TokenStream| {
        let method = Ident::new(method, Span::call_site());
        quote! {{
            let __tg_future = #future;
            match #scope.__slot_try() {
                ::core::option::Option::Some(__tg_slot) => ::core::option::Option::Some(
                    (&&&#krate::__private::task_probe(&__tg_future))
                        .#method(&#scope, __tg_slot, #name, #location, __tg_future),
                ),
                ::core::option::Option::None => ::core::option::Option::None,
            }
        }}
    };
    let block = quote!(async $($block)+);
    let future = quote!($future);
    let spawn_named_block = spawn_arm(&some_name, "__tg_spawn_block", block.clone());
    let spawn_named = spawn_arm(&some_name, "__tg_spawn", future.clone());
    let spawn_block = spawn_arm(&no_name, "__tg_spawn_block", block.clone());
    let spawn_plain = spawn_arm(&no_name, "__tg_spawn", future.clone());
    let try_named_block = try_arm(&some_name, "__tg_spawn_block", block.clone());
    let try_named = try_arm(&some_name, "__tg_spawn", future.clone());
    let try_block = try_arm(&no_name, "__tg_spawn_block", block);
    let try_plain = try_arm(&no_name, "__tg_spawn", future);
    quote! {
        #[allow(unused_macros)]
        macro_rules! spawn {
            (name = $name:expr, async $($block:tt)+) => { #spawn_named_block };
            (name = $name:expr, $future:expr $(,)?) => { #spawn_named };
            (async $($block:tt)+) => { #spawn_block };
            ($future:expr $(,)?) => { #spawn_plain };
        }
        #[allow(unused_macros)]
        macro_rules! try_spawn {
            (name = $name:expr, async $($block:tt)+) => { #try_named_block };
            (name = $name:expr, $future:expr $(,)?) => { #try_named };
            (async $($block:tt)+) => { #try_block };
            ($future:expr $(,)?) => { #try_plain };
        }
        #[allow(unused_macros)]
        macro_rules! cancel {
            () => {
                #scope.__cancel(#location)
            };
        }
    }
}
