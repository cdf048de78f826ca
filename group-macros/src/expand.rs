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
            SpawnBlockingResult as _, SpawnBlockingValue as _, SpawnResult as _, SpawnValue as _,
            StartResult as _, StartValue as _, ViaFallible as _, ViaPlain as _,
        };
    }
}

/// The macros that start a child, each forwarded to `spawn_task!`.
pub(crate) const SPAWNING: [&str; 5] = [
    "spawn",
    "try_spawn",
    "spawn_background",
    "spawn_blocking",
    "start",
];

/// `macro_rules! spawn` & co. and `cancel` bound to this scope. The
/// spawning ones forward to the hidden `spawn_task!` proc macro
/// (`spawn.rs`), which generates the code on the user's spans.
pub(crate) fn local_macros(args: &Args, names: &Names) -> TokenStream {
    let krate = args.krate();
    let scope = &names.scope;
    // With a limit, `spawn!` waits for a free slot (backpressure); without
    // one it never awaits, so it also works in non-async closures.
    let limited = args.limit.is_some();
    let spawning = SPAWNING.iter().map(|name| {
        let name = Ident::new(name, Span::call_site());
        quote! {
            #[allow(unused_macros)]
            macro_rules! #name {
                ($($tokens:tt)*) => {
                    #krate::__private::spawn_task! { [#krate] #scope #name #limited ; $($tokens)* }
                };
            }
        }
    });
    quote! {
        #(#spawning)*
        #[allow(unused_macros)]
        macro_rules! cancel {
            () => {
                #scope.__cancel(#krate::__private::Location::caller())
            };
        }
    }
}
