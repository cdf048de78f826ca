//! Typed input → tokens: one module per macro, and the pieces they share.
//!
//! * `nursery.rs`: `#[nursery]`; `scope.rs`: `scope!`; both open the scope
//!   with `preamble.rs` (imports, the hidden handle, the local `spawn!` &
//!   co.) and name their locals with `names.rs`;
//! * `spawn.rs`: `__spawn_task!`, the body of every local `spawn!` & co.;
//! * `options.rs`: the options' code (`Options::new(…).limit(…)`, `run` or
//!   `run_all`, the `timeout` checks);
//! * `fallbacks.rs`: the failing `spawn!` & co. of nested `fn` items and of
//!   a function that is not `async`, and `__misplaced!`;
//! * `test_attr.rs`: `#[taskgroup::test]`.
//!
//! Every expansion function shows its input and output above it, and names
//! the snapshot (`src/tests/snapshots/*.rs`) that holds the whole expansion.
//! Imports `scan`, `parse` and `diagnostics`.

pub(crate) mod fallbacks;
pub(crate) mod names;
pub(crate) mod nursery;
pub(crate) mod options;
pub(crate) mod preamble;
pub(crate) mod scope;
pub(crate) mod spawn;
pub(crate) mod test_attr;

use proc_macro2::{Span, TokenStream};

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
