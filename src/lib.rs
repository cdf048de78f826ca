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
#![forbid(unsafe_code)]

pub use taskgroup_macros::{nursery, scope};
pub use taskgroup_runtime::{
    cancel, cancellation_token, cancelled, cause, deadline, detached, first_ok, is_cancelled, pool,
    spawn, spawn_background, spawn_blocking, spawn_scoped, start, try_spawn, Cause, Elapsed,
    Errors, Failure, IntoLimit, IntoTimeout, Ready, ScopeInfo, StartError, TaskHandle, TaskId,
    TaskInfo,
};

#[doc(hidden)]
pub mod __private {
    pub use taskgroup_macros::__misplaced as misplaced;
    pub use taskgroup_macros::__spawn_task as spawn_task;
    pub use taskgroup_runtime::__private::*;
}
