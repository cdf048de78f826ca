//! The hidden names of generated locals, in one place.
//!
//! They have `Span::mixed_site()` hygiene: user code can neither name nor
//! shadow them, while the local `macro_rules!` defined next to them (same
//! hygiene context) can.

use proc_macro2::{Ident, Span};

/// The scope's set of `spawn_scoped!` children.
// (Named in a borrow-checker message about a `spawn_scoped!` child that
// borrows a local of the body: "… appears in the type of `scoped_children`".)
const SCOPED: &str = "scoped_children";

/// Hygienic names of the locals a scope's expansion declares.
pub(crate) struct Names {
    /// The scope handle the local macros reach.
    pub(crate) scope: Ident,
    /// The `spawn_scoped!` children's set (only when the body uses it).
    pub(crate) scoped: Ident,
    /// `#[nursery]`'s mode (fallible or plain, from the return type).
    pub(crate) mode: Ident,
    /// `scope!`'s body future, then its output.
    pub(crate) body: Ident,
    /// `#[nursery]`'s body value, then the function's.
    pub(crate) ret: Ident,
}

impl Names {
    pub(crate) fn new() -> Self {
        let hidden = |name: &str| Ident::new(name, Span::mixed_site());
        Names {
            scope: hidden("__tg_scope"),
            scoped: hidden(SCOPED),
            mode: hidden("__tg_mode"),
            body: hidden("__tg_body"),
            ret: hidden("__tg_ret"),
        }
    }

    /// The scoped set beside `scope`, the handle a local macro passed to
    /// `__spawn_task!`: `__spawn_task!` is an expansion of its own, and the
    /// handle's hygiene is the one under which the scope declared its set.
    pub(crate) fn scoped_beside(scope: &Ident) -> Ident {
        Ident::new(SCOPED, scope.span())
    }
}

/// A local of `__spawn_task!`'s own expansion, hidden from the user's code
/// and located at `span` (the user's future), where an error about it
/// belongs.
pub(crate) fn hidden_at(name: &str, span: Span) -> Ident {
    Ident::new(name, Span::mixed_site().located_at(span))
}
