//! What `#[nursery]` and `scope!` both generate before the body: the
//! imports, the hidden scope handle, and the local `spawn!` / `try_spawn!` /
//! `cancel!` & co. that reach it.
//!
//! The handle's name is hidden (`names.rs`); the local `macro_rules!`
//! defined next to it share its hygiene and can name it. Because the macros
//! are local, they resolve inside closures, `println!`, `tokio::select!` and
//! any other macro, and bind to the innermost scope when scopes nest. They
//! are also visible in a `fn` item nested in the body, where the handle is
//! not: the scan gives such a function failing macros of its own, with a
//! message of ours (`codegen/fallbacks.rs`).

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::codegen::names::Names;
use crate::codegen::options::{builder, scope_deadline_check};
use crate::parse::mentions;
use crate::parse::options::ScopeOptions;
use crate::parse::task::SPAWNING;

/// How the scope opens.
pub(crate) enum Open {
    /// `scope!`: `Scope::open(…)`; the mode (fallible or plain) is probed
    /// later from the body's own type.
    Scope,
    /// `#[nursery]`: the mode comes first, from the declared return type (so
    /// that the scope's error type is known while the body is type-checked),
    /// and opens the scope.
    Mode(TokenStream),
}

/// Everything before the body, shared by `#[nursery]` and `scope!`.
///
/// ```text
/// #[nursery(limit = 4, timeout = d)]          scope!(limit = 4, timeout = d; { … })
/// ```
/// both become, before the body:
/// ```text
/// use ::taskgroup::checks::{SpawnResult as _, …};       // see `imports`
/// let __tg_mode = (&&&ModeProbe::<Ret>::new()).__tg_mode(); // Open::Mode only
/// let __tg_scope = __tg_mode.open(                      // Open::Scope: Scope::open(
///     Options::new(Location::caller()).limit(4).timeout(…));
/// let scoped_children = ScopedSet::new();                   // if the body names spawn_scoped!
/// ::taskgroup::checks::deadline_error(&__tg_scope);     // with a timeout
/// macro_rules! spawn { … }  …  macro_rules! cancel { … } // see `local_macros`
/// ```
/// Snapshot: `src/tests/snapshots/nursery_fallible.rs` (`Open::Mode`),
/// `scope_plain.rs` (`Open::Scope`), `nursery_errors_all.rs` (a timeout),
/// `scope_spawn_scoped.rs` (the scoped set).
pub(crate) fn preamble(
    options: &ScopeOptions,
    names: &Names,
    open: Open,
    location: TokenStream,
    scoped: bool,
) -> TokenStream {
    let Names {
        scope,
        scoped: scoped_set,
        mode,
        ..
    } = names;
    let krate = options.krate();
    let imports = imports(&krate);
    let builder = builder(options, location);
    let open = match open {
        Open::Scope => quote!(let #scope = #krate::__private::Scope::open(#builder);),
        Open::Mode(mode_value) => quote! {
            let #mode = #mode_value;
            let #scope = #mode.open(#builder);
        },
    };
    // After the scope's declaration, so that the set is dropped first.
    let scoped_set = if scoped {
        quote!(let #scoped_set = #krate::__private::ScopedSet::new();)
    } else {
        TokenStream::new()
    };
    let deadline_check = scope_deadline_check(options, scope);
    let macros = local_macros(options, names, scoped);
    quote! {
        #imports
        #open
        #scoped_set
        #deadline_check
        #macros
    }
}

/// Whether the body names `spawn_scoped` (also inside other macros' tokens):
/// then the scope makes the set of scoped children, which makes its future
/// `!Send`. Asked of the body as the user wrote it, before the scan gives
/// nested `fn` items their fallbacks (which define a `spawn_scoped!`).
pub(crate) fn uses_scoped(body: TokenStream) -> bool {
    mentions(body, &["spawn_scoped"])
}

/// With `spawn_scoped!`, the body's future polls the scoped children too.
///
/// ```text
/// async { body }
/// ```
/// becomes
/// ```text
/// ::taskgroup::__private::with_scoped(&__tg_scope, &scoped_children, async { body })
/// ```
/// Snapshot: `src/tests/snapshots/scope_spawn_scoped.rs`.
pub(crate) fn with_scoped(
    krate: &TokenStream,
    names: &Names,
    body: TokenStream,
    scoped: bool,
) -> TokenStream {
    if !scoped {
        return body;
    }
    let Names { scope, scoped, .. } = names;
    quote!(#krate::__private::with_scoped(&#scope, &#scoped, #body))
}

/// The trait imports the dispatch needs (only one of each pair is used by a
/// given expansion, hence the `allow`), and the hidden `spawn_task!` under
/// the name the local macros call it by. The traits whose methods carry the
/// bounds a user can miss come from the public `checks` module, so that the
/// compiler's notes name `taskgroup::checks::…`, documented, and not a
/// hidden path.
///
/// ```text
/// crate = ::taskgroup
/// ```
/// becomes
/// ```text
/// #[allow(unused_imports)]
/// use ::taskgroup::checks::{SpawnBlockingResult as _, …, StartValue as _};
/// #[allow(unused_imports)]
/// use ::taskgroup::__private::{ViaFallible as _, ViaPlain as _};
/// #[allow(unused_imports)]
/// use ::taskgroup::__private::spawn_task as taskgroup_spawn;
/// ```
/// Snapshot: the top of every `src/tests/snapshots/nursery_*.rs` and `scope_*.rs`.
fn imports(krate: &TokenStream) -> TokenStream {
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

/// `macro_rules! spawn` & co. and `cancel` bound to this scope. The
/// spawning ones forward to the hidden `spawn_task!` proc macro
/// (`codegen/spawn.rs`), which generates the code on the user's spans.
///
/// ```text
/// limit = 4
/// ```
/// becomes
/// ```text
/// macro_rules! spawn {
///     ($($tokens:tt)*) => { taskgroup_spawn! { [::taskgroup] __tg_scope spawn true; $($tokens)* } };
/// }
/// // … try_spawn, spawn_background, spawn_blocking, start: the same
/// macro_rules! spawn_scoped { … }   // forwards, or `scoped_unprepared!()` if unused
/// macro_rules! cancel { () => { __tg_scope.__cancel(Location::caller()) }; }
/// ```
/// Snapshot: `src/tests/snapshots/scope_plain.rs` (no limit),
/// `scope_options.rs` (a limit), `scope_spawn_scoped.rs` (`spawn_scoped!`),
/// `scope_errors_isolated.rs` (`errors = isolated`).
fn local_macros(options: &ScopeOptions, names: &Names, scoped: bool) -> TokenStream {
    let krate = options.krate();
    let scope = &names.scope;
    // With a limit, `spawn!` waits for a free slot (backpressure); without
    // one it never awaits, so it also works in non-async closures.
    let limited = options.limit.is_some();
    let spawning = SPAWNING.iter().map(|name| {
        // `errors = isolated`: `spawn!` and `try_spawn!` children are
        // isolated (`@isolated,`, a marker no user can write).
        let isolated = (options.errors_isolated.is_some()
            && matches!(*name, "spawn" | "try_spawn"))
        .then(|| quote!(@isolated,));
        let name = Ident::new(name, Span::call_site());
        let forward = forward(quote!([#krate] #scope #name #limited ; #isolated $($tokens)*));
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
