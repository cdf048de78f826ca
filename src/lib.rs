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
//! For the same work over many items, [`pool`] runs a fixed number of worker
//! tasks over an iterator, with the same error, panic and cancellation
//! semantics, and returns the results in input order.
//!
//! Options, the same on `#[nursery(…)]` and `scope!(…; { … })`: `limit = n`
//! (at most `n` children at once), `timeout = d` (fails with [`Elapsed`]),
//! `grace = d` (cancellation waits up to `d` for children to finish on
//! their own), `errors = all` (collect every error in [`Errors`] instead of
//! cancelling), `name = "…"`. Task kinds: [`spawn!`], [`try_spawn!`],
//! [`spawn_scoped!`] (borrowing), [`spawn_blocking!`], [`spawn_background!`],
//! [`start!`]; [`first_ok`] races attempts.
//!
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
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub use taskgroup_macros::{nursery, scope, test};
pub use taskgroup_runtime::{
    cancel, cancellation_token, cancelled, cause, deadline, detached, dump, enable_dump, first_ok,
    is_cancelled, pool, shutdown, spawn, spawn_background, spawn_blocking, spawn_scoped, start,
    testing, try_spawn, Cause, Dump, Elapsed, Errors, Failure, IntoLimit, IntoTimeout, Ready,
    ScopeDump, ScopeInfo, ScopedHandle, StartError, TaskDump, TaskHandle, TaskId, TaskInfo,
    TaskKind,
};

#[doc(hidden)]
pub mod __private {
    pub use taskgroup_macros::__misplaced as misplaced;
    pub use taskgroup_macros::__spawn_task as spawn_task;
    pub use taskgroup_runtime::__private::*;
}
