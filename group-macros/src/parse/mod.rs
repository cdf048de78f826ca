//! Syntax → typed input: what the user wrote, validated, before any code is
//! generated. Problems are recorded in [`Diagnostics`](crate::diagnostics)
//! and parsing goes on with defaults, so that the body is still expanded.
//!
//! * `options.rs`: `limit = …, timeout = …` → `ScopeOptions`;
//! * `scope_input.rs`: `scope!`'s `options; { body }` or plain body;
//! * `task.rs`: what a local `spawn!` & co. forwards (`Forwarded`, `Call`,
//!   `Kind`), the names of the scope's macros, the shape of a future;
//! * `return_type.rs`: the `#[nursery]` function's return type (`impl
//!   Trait`, `Errors<E>`, a borrowed error type).
//!
//! Imports only `diagnostics`.

pub(crate) mod options;
pub(crate) mod return_type;
pub(crate) mod scope_input;
pub(crate) mod task;

use proc_macro2::{TokenStream, TokenTree};

/// Whether `tokens` hold an identifier among `names`, at any depth (also
/// inside other macros' tokens).
pub(crate) fn mentions(tokens: TokenStream, names: &[&str]) -> bool {
    tokens.into_iter().any(|token| match token {
        TokenTree::Ident(ident) => names.iter().any(|name| ident == name),
        TokenTree::Group(group) => mentions(group.stream(), names),
        _ => false,
    })
}
