//! Procedural macros of [taskgroup](https://docs.rs/taskgroup): `#[nursery]`
//! and `scope!`. Use them through the `taskgroup` crate; the generated code
//! calls `::taskgroup::__private`, and `::taskgroup::checks` for every bound
//! a user can miss (so that the compiler's notes name a documented item).
//!
//! Each entry point only converts the token streams; the work lives in one
//! layer per phase, all on `proc_macro2` so it is unit-testable. Each layer
//! imports only the layers listed after it:
//!
//! * `codegen/`: typed input → tokens, one module per macro (`nursery`,
//!   `scope`, `spawn` for the body of every `spawn!` & co., `test_attr`,
//!   `fallbacks` for `spawn!` where there is no scope) and what they share
//!   (`preamble`: imports, handle and local macros; `options`; `names`);
//! * `scan`: the syntactic checks before anything is generated (detached
//!   spawns and nested `fn` items in a body, a task reaching into its
//!   parent's scope);
//! * `parse/`: syntax → typed input (`options`, `scope_input`, `task`,
//!   `return_type`);
//! * `diagnostics`: the error collector and every message.
//!
//! `tests/` (unit tests only): expansion snapshots, the fuzzer, regressions.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod codegen;
mod diagnostics;
mod parse;
mod scan;

#[cfg(test)]
mod tests;

use proc_macro::TokenStream;

/// Makes the body of an `async fn` a scope: every task spawned inside with
/// `spawn!` / `try_spawn!` is joined before the function returns, the first
/// failure cancels the others, and panics are resumed after the join.
///
/// Options: `#[nursery(limit = n, timeout = d, grace = d, errors = all,
/// name = "…", crate = path)]`. See the `taskgroup` crate documentation.
///
/// ```
/// use taskgroup::nursery;
///
/// #[nursery(limit = 2)]
/// async fn parse_all(words: Vec<String>) -> Result<u32, std::num::ParseIntError> {
///     let mut handles = Vec::new();
///     for word in words {
///         // At most 2 at a time: `spawn!` waits for a free slot.
///         handles.push(spawn!(async move { word.parse::<u32>() }));
///     }
///     let mut total = 0;
///     for handle in handles {
///         total += handle.await;
///     }
///     Ok(total)
/// } // every task has stopped here
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// assert_eq!(parse_all(vec!["20".into(), "22".into()]).await, Ok(42));
/// assert!(parse_all(vec!["20".into(), "x".into()]).await.is_err()); // the first error
/// # }
/// ```
#[proc_macro_attribute]
pub fn nursery(args: TokenStream, item: TokenStream) -> TokenStream {
    codegen::nursery::expand(args.into(), item.into()).into()
}

/// An inline scope: an expression that runs its block as a scope and awaits
/// the join of every task spawned inside. `scope! { … }` or
/// `scope!(limit = 8; { … })`.
///
/// See the `taskgroup` crate documentation.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use taskgroup::scope;
///
/// let (a, b) = scope! {
///     let a = spawn!(async { 20 });
///     let b = spawn!(async { 22 });
///     (a.await, b.await)
/// }; // both tasks have stopped here
/// assert_eq!(a + b, 42);
///
/// let failed: Result<(), &str> = scope!(name = "checks", limit = 4; {
///     spawn!(async { Err::<(), _>("check 1 failed") }); // cancels the rest
///     spawn!(std::future::pending::<Result<(), &str>>());
///     Ok(())
/// });
/// assert_eq!(failed, Err("check 1 failed"));
/// # }
/// ```
#[proc_macro]
pub fn scope(input: TokenStream) -> TokenStream {
    codegen::scope::expand(input.into()).into()
}

/// `#[tokio::test]` with a leak check: the body runs under
/// `taskgroup::testing::check_leaks`, so that the test fails, printing the
/// tree of what is left, if a task it started is still alive after it.
/// Takes `#[tokio::test]`'s arguments (`flavor`, `worker_threads`,
/// `start_paused`), and `leak_bound = <Duration>` (5 s by default): how long
/// a task may outlive the test before it fails.
///
/// See the `taskgroup` crate documentation.
///
/// ```
/// # // A doc test cannot hold a `#[test]`: the same body, run by hand.
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// # taskgroup::testing::check_leaks(async {
/// // #[taskgroup::test(start_paused = true)]
/// // async fn fetches_in_parallel() {
///     let total = taskgroup::scope! {
///         let a = spawn!(async { 20 });
///         let b = spawn!(async { 22 });
///         a.await + b.await
///     };
///     assert_eq!(total, 42);
/// // }
/// # }).await;
/// # }
/// ```
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    codegen::test_attr::expand(args.into(), item.into()).into()
}

/// The body of the local `spawn!` / `try_spawn!` macros. Not a public API.
#[doc(hidden)]
#[proc_macro]
pub fn __spawn_task(input: TokenStream) -> TokenStream {
    codegen::spawn::expand(input.into()).into()
}

/// The error of `spawn!` & co. in a `fn` item nested in a scope's body. Not
/// a public API.
#[doc(hidden)]
#[proc_macro]
pub fn __misplaced(input: TokenStream) -> TokenStream {
    codegen::fallbacks::misplaced(input.into()).into()
}
