//! # taskgroup
//!
//! Structured concurrency for tokio: every task spawned inside a
//! `#[nursery]` async fn or a `scope! { … }` block has stopped by the time
//! control leaves it — on success, error, panic or cancellation — and the
//! compiler rejects the ways a task or its handle could escape.
//!
//! ```
//! use taskgroup::nursery;
//!
//! #[derive(Debug)]
//! struct Error;
//!
//! async fn user(id: u64) -> Result<String, Error> { Ok(format!("user {id}")) }
//! async fn posts(id: u64) -> Result<Vec<String>, Error> { Ok(vec![format!("post of {id}")]) }
//!
//! #[nursery]
//! async fn profile(id: u64) -> Result<(String, Vec<String>), Error> {
//!     let user = spawn!(user(id));   // runs in parallel on tokio
//!     let posts = spawn!(posts(id));
//!     Ok((user.await, posts.await))
//! } // every task above has stopped here; the first error cancelled the rest
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let (user, posts) = profile(7).await.unwrap();
//! assert_eq!(user, "user 7");
//! assert_eq!(posts.len(), 1);
//! # }
//! ```
//!
//! ## A guided tour
//!
//! **Fan out** — above: `spawn!` starts a task of the scope and returns a
//! [`TaskHandle`]; the scope joins every task at its closing brace, awaited
//! or not. [`scope!`] is the same inline, as an expression.
//!
//! **Bound** — `limit = n`: at most `n` tasks at once, `spawn!` waits for a
//! slot (backpressure); [`try_spawn!`] does not wait (`None`: shed the load).
//! For the same work over many items, [`pool`] runs `n` workers over an
//! iterator, results in input order, much cheaper than a task per item.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use taskgroup::{pool, scope};
//! let pages: Vec<u32> = (1..=100).collect();
//! let sizes = pool::map(pages, 8, |page| async move { page * 1024 }).await;
//! assert_eq!(sizes[0], 1024);
//!
//! scope!(limit = 4; {
//!     for page in 1..=100u32 {
//!         spawn!(async move { page * 1024 }); // at most 4 at a time
//!     }
//! });
//! # }
//! ```
//!
//! **Cancel** — the first failure cancels the other tasks (errgroup's
//! `WithContext`); [`cancel!`] cancels them when the body has what it
//! needs. Cancellation is ambient: any code inside a task can ask
//! [`cancelled`], [`is_cancelled`], [`cause`] (why: which task failed,
//! where), with no context passed by hand, and it flows down nested scopes.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use taskgroup::scope;
//! let first = scope! {
//!     let (found, mut rx) = tokio::sync::mpsc::channel(1);
//!     for mirror in ["a", "b", "c"] {
//!         let found = found.clone();
//!         spawn!(async move { let _ = found.send(mirror).await; });
//!     }
//!     let first = rx.recv().await;
//!     cancel!(); // we have what we need: the other mirrors stop
//!     first
//! };
//! assert!(first.is_some());
//! # }
//! ```
//!
//! **Collect every error** — `errors = all` returns [`Errors`]: every
//! failure in order, each with the task's name and spawn location; nothing
//! is cancelled. [`first_ok`] is the opposite: the first success wins.
//!
//! **Time limits** — `timeout = d` on a scope or a task fails with
//! [`Elapsed`]; `grace = d` lets cancelled tasks finish their clean-up for
//! up to `d` before they are aborted.
//!
//! The options are the same on `#[nursery(…)]` and `scope!(…; { … })`:
//! `limit = n`, `timeout = d`, `grace = d`, `errors = all`, `name = "…"`
//! (shown in [`dump()`], [`Cause`] and panics), all at once here:
//! ```
//! use std::time::Duration;
//! use taskgroup::{scope, Elapsed, Errors};
//!
//! #[derive(Debug)]
//! enum Error {
//!     Down(u32),
//!     TimedOut,
//! }
//! impl From<Elapsed> for Error {
//!     fn from(_: Elapsed) -> Self {
//!         Error::TimedOut
//!     }
//! }
//!
//! async fn check(host: u32) -> Result<(), Error> {
//!     tokio::time::sleep(Duration::from_millis(10 * u64::from(host))).await;
//!     if host % 2 == 0 { Err(Error::Down(host)) } else { Ok(()) }
//! }
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! let report: Result<(), Errors<Error>> = scope!(
//!     errors = all, limit = 2, timeout = Duration::from_secs(1), grace = Duration::from_millis(100);
//!     {
//!         for host in 1..=4 {
//!             spawn!(name = format!("host {host}"), check(host));
//!         }
//!         Ok(())
//!     }
//! );
//! let down: Vec<String> = report
//!     .unwrap_err()
//!     .iter()
//!     .map(|failure| failure.task().and_then(|task| task.name()).unwrap_or("?").to_owned())
//!     .collect();
//! assert_eq!(down, ["host 2", "host 4"]);
//! # }
//! ```
//!
//! **Kinds of task** — [`spawn!`] (parallel, `Send + 'static`),
//! [`spawn_scoped!`] (borrows from the body, polled with it),
//! [`spawn_blocking!`] (a closure on tokio's blocking pool),
//! [`spawn_background!`] (cancelled, not awaited, when the body is done),
//! [`start!`] (waits until the task says it is ready).
//!
//! **Test for leaks** — `#[taskgroup::test]` is `#[tokio::test]` with the
//! [`testing`] leak check: the test fails, printing the task tree, if
//! anything it started outlives it.
//!
//! **Shut down** — [`shutdown::Shutdown`] runs a service as a root scope:
//! SIGINT, SIGTERM or a trigger cancel it, in-flight work drains for a
//! bounded time, what is left is aborted and printed, and the exit status
//! says which happened. [`dump()`] prints the live tree of scopes and tasks
//! at any time (after [`enable_dump`]).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use std::time::Duration;
//! use taskgroup::shutdown::{Outcome, Shutdown};
//!
//! let shutdown = Shutdown::new(Duration::from_secs(10));
//! # let shutdown = shutdown.without_signals();
//! # shutdown.trigger().shutdown();
//! let outcome = shutdown
//!     .run(async {
//!         // accept connections until `taskgroup::cancelled()` completes …
//!         taskgroup::cancelled().await;
//!     })
//!     .await;
//! assert!(matches!(outcome, Outcome::Drained { .. }));
//! let status = outcome.exit_code(); // what `main` returns: 1 if work was aborted
//! # assert_eq!(status, std::process::ExitCode::SUCCESS);
//! # }
//! ```
//!
//! **Compile-time checks** — the compiler rejects a task that is not
//! `Send + 'static`, an error type that does not convert, a `timeout`
//! without `From<Elapsed>`, …; [`checks`] explains each check behind those
//! messages and what to write instead.
//!
//! ## Guides
//!
//! The guides in the repository's `docs/` folder go further than this
//! page; each is linked from the README:
//!
//! * `docs/tasks.md` — every kind of task and every option;
//! * `docs/errors.md` — `errors = first` / `all`, `first_ok`, panics;
//! * `docs/cancellation.md` — the ambient API, `Cause`, `timeout`, `grace`;
//! * `docs/pool.md` — [`pool`] in detail;
//! * `docs/observability.md` — [`dump()`] and the `tracing` feature;
//! * `docs/testing.md` — `#[taskgroup::test]` and [`testing`];
//! * `docs/shutdown.md` — [`shutdown::Shutdown`] and an HTTP service;
//! * `docs/migration.md` — from Go's errgroup, Trio / asyncio, `JoinSet` /
//!   `TaskTracker`, Kotlin, Java and Scala Ox;
//! * `docs/compile-time-checks.md` — what the compiler rejects, with the
//!   message, and the `clippy.toml` that extends the detached-spawn check;
//! * `docs/semantics.md` — the rules a scope follows, which the tests cite;
//! * `docs/guarantees.md` — how the guarantees are tested;
//! * `docs/design.md` — the design notes;
//! * `docs/performance.md` — the benchmarks.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use taskgroup_macros::{nursery, scope, test};
pub use taskgroup_runtime::{
    as_completed, cancel, cancellation_token, cancelled, cause, checks, context, deadline,
    detached, dump, enable_dump, first_ok, is_cancelled, pool, shutdown, spawn, spawn_background,
    spawn_blocking, spawn_scoped, start, testing, try_spawn, unobserved_panics, Backoff, Cause,
    Dump, Elapsed, Errors, Exit, Failure, IntoLimit, IntoTimeout, IsolatedHandle, Panic, Ready,
    Restart, ScopeDump, ScopeInfo, ScopedHandle, StartError, TaskDump, TaskHandle, TaskId,
    TaskInfo, TaskKind,
};

/// The README's and the guides' code blocks, compiled and run by
/// `cargo test --doc -p taskgroup` (never part of the API).
#[cfg(doctest)]
mod guides {
    #[doc = include_str!("../README.md")]
    struct Readme;
    #[doc = include_str!("../docs/tasks.md")]
    struct Tasks;
    #[doc = include_str!("../docs/supervision.md")]
    struct Supervision;
    #[doc = include_str!("../docs/errors.md")]
    struct Errors;
    #[doc = include_str!("../docs/cancellation.md")]
    struct Cancellation;
    #[doc = include_str!("../docs/pool.md")]
    struct Pool;
    #[doc = include_str!("../docs/observability.md")]
    struct Observability;
    #[doc = include_str!("../docs/testing.md")]
    struct Testing;
    #[doc = include_str!("../docs/shutdown.md")]
    struct Shutdown;
    #[doc = include_str!("../docs/migration.md")]
    struct Migration;
    #[doc = include_str!("../docs/compile-time-checks.md")]
    struct CompileTimeChecks;
    #[doc = include_str!("../docs/guarantees.md")]
    struct Guarantees;
    #[doc = include_str!("../docs/design.md")]
    struct Design;
    #[doc = include_str!("../docs/performance.md")]
    struct Performance;
}

#[doc(hidden)]
pub mod __private {
    pub use taskgroup_macros::__misplaced as misplaced;
    pub use taskgroup_macros::__spawn_task as spawn_task;
    pub use taskgroup_runtime::__private::*;
}
