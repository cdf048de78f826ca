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
    /// The `spawn_scoped!` children's set (only when the body uses it).
    pub(crate) scoped: Ident,
    pub(crate) mode: Ident,
    pub(crate) body: Ident,
    pub(crate) ret: Ident,
}

impl Names {
    pub(crate) fn new() -> Self {
        let hidden = |name: &str| Ident::new(name, Span::mixed_site());
        Names {
            scope: hidden("__tg_scope"),
            scoped: hidden("__tg_scoped"),
            mode: hidden("__tg_mode"),
            body: hidden("__tg_body"),
            ret: hidden("__tg_ret"),
        }
    }
}

/// The trait imports the dispatch needs (only one of each pair is used by a
/// given expansion, hence the `allow`), and the hidden `spawn_task!` under
/// the name the local macros call it by. The traits whose methods carry the
/// bounds a user can miss come from the public `checks` module, so that the
/// compiler's notes name `taskgroup::checks::…`, documented, and not a
/// hidden path.
pub(crate) fn imports(krate: &TokenStream) -> TokenStream {
    quote! {
        #[allow(unused_imports)]
        use #krate::checks::{
            SpawnBlockingResult as _, SpawnBlockingValue as _, SpawnResult as _, SpawnValue as _,
            ScopedResult as _, ScopedValue as _, StartResult as _, StartValue as _,
        };
        #[allow(unused_imports)]
        use #krate::__private::{ViaFallible as _, ViaPlain as _};
        #[allow(unused_imports)]
        use #krate::__private::spawn_task as taskgroup_spawn;
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
pub(crate) fn local_macros(args: &Args, names: &Names, scoped: bool) -> TokenStream {
    let krate = args.krate();
    let scope = &names.scope;
    // With a limit, `spawn!` waits for a free slot (backpressure); without
    // one it never awaits, so it also works in non-async closures.
    let limited = args.limit.is_some();
    let spawning = SPAWNING.iter().map(|name| {
        let name = Ident::new(name, Span::call_site());
        let forward = forward(quote!([#krate] #scope #name #limited ; $($tokens)*));
        quote! {
            #[allow(unused_macros)]
            macro_rules! #name {
                ($($tokens:tt)*) => { #forward };
            }
        }
    });
    // `spawn_scoped!` needs the scoped set, made only when the body names
    // the macro (the set makes the scope's future `!Send`).
    let spawn_scoped = if scoped {
        let forward = forward(quote!([#krate] #scope spawn_scoped #limited ; $($tokens)*));
        quote! {
            #[allow(unused_macros)]
            macro_rules! spawn_scoped {
                ($($tokens:tt)*) => { #forward };
            }
        }
    } else {
        quote! {
            #[allow(unused_macros)]
            macro_rules! spawn_scoped {
                ($($tokens:tt)*) => {
                    #krate::__private::scoped_unprepared!()
                };
            }
        }
    };
    quote! {
        #(#spawning)*
        #spawn_scoped
        #[allow(unused_macros)]
        macro_rules! cancel {
            () => {
                #scope.__cancel(#krate::__private::Location::caller())
            };
        }
    }
}

/// `taskgroup_spawn! { args }`: the hidden `spawn_task!` by the name
/// [`imports`] gives it, so that the compiler's "this error originates in the
/// macro …" does not name a hidden path.
fn forward(args: TokenStream) -> TokenStream {
    quote!(taskgroup_spawn! { #args })
}

/// Whether the body names `spawn_scoped` (also inside other macros' tokens).
pub(crate) fn uses_scoped(tokens: TokenStream) -> bool {
    tokens.into_iter().any(|token| match token {
        proc_macro2::TokenTree::Ident(ident) => ident == "spawn_scoped",
        proc_macro2::TokenTree::Group(group) => uses_scoped(group.stream()),
        _ => false,
    })
}

/// With `spawn_scoped!`: the set's declaration (after the scope's, so it is
/// dropped first) and the body wrapped to poll the scoped children.
pub(crate) fn scoped_parts(
    krate: &TokenStream,
    names: &Names,
    body: TokenStream,
    scoped: bool,
) -> (TokenStream, TokenStream) {
    if !scoped {
        return (TokenStream::new(), body);
    }
    let Names { scope, scoped, .. } = names;
    (
        quote!(let #scoped = #krate::__private::ScopedSet::new();),
        quote!(#krate::__private::with_scoped(&#scope, &#scoped, #body)),
    )
}
