//! Procedural macros of [taskgroup](https://docs.rs/taskgroup): `#[nursery]`
//! and `scope!`. Use them through the `taskgroup` crate; the generated code
//! calls `::taskgroup::__private`.
//!
//! Each entry point only converts the token streams; the work lives in one
//! module per phase, all on `proc_macro2` so it is unit-testable:
//! `args` (options), `scan` (detached spawns, nested `fn` items),
//! `nursery` (the attribute), `scope_block` (`scope!`),
//! `expand` (the code both generate), `spawn` (the body of `spawn!`).

#![forbid(unsafe_code)]

mod args;
mod expand;
mod nursery;
mod scan;
mod scope_block;
mod spawn;
mod test_attr;

#[cfg(test)]
mod tests;

use proc_macro::TokenStream;

/// Makes the body of an `async fn` a scope: every task spawned inside with
/// `spawn!` / `try_spawn!` is joined before the function returns, the first
/// failure cancels the others, and panics are resumed after the join.
///
/// Options: `#[nursery(limit = n, name = "…", crate = path)]`.
/// See the `taskgroup` crate documentation.
#[proc_macro_attribute]
pub fn nursery(args: TokenStream, item: TokenStream) -> TokenStream {
    nursery::expand(args.into(), item.into()).into()
}

/// An inline scope: an expression that runs its block as a scope and awaits
/// the join of every task spawned inside. `scope! { … }` or
/// `scope!(limit = 8; { … })`.
///
/// See the `taskgroup` crate documentation.
#[proc_macro]
pub fn scope(input: TokenStream) -> TokenStream {
    scope_block::expand(input.into()).into()
}

/// `#[tokio::test]` with a leak check: the body runs under
/// `taskgroup::testing::check_leaks`, so that the test fails, printing the
/// tree of what is left, if a task it started is still alive after it.
/// Takes `#[tokio::test]`'s arguments (`flavor`, `worker_threads`,
/// `start_paused`).
///
/// See the `taskgroup` crate documentation.
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    test_attr::expand(args.into(), item.into()).into()
}

/// The body of the local `spawn!` / `try_spawn!` macros. Not a public API.
#[doc(hidden)]
#[proc_macro]
pub fn __spawn_task(input: TokenStream) -> TokenStream {
    spawn::expand(input.into()).into()
}

/// The error of `spawn!` & co. in a `fn` item nested in a scope's body. Not
/// a public API.
#[doc(hidden)]
#[proc_macro]
pub fn __misplaced(input: TokenStream) -> TokenStream {
    scan::misplaced(input.into()).into()
}
