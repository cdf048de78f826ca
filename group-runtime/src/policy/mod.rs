//! The rules a scope applies, above its lifecycle and below the scope that
//! applies them: time limits, `errors = all`, and the bounds a task must
//! meet, with the messages a user gets when one is not met.
//!
//! | file | holds |
//! |---|---|
//! | `deadline.rs` | `timeout = …`: [`Elapsed`](deadline::Elapsed), `DeadlineError`, `IntoTimeout`, `deadline()`, a task's own timer |
//! | `errors_all.rs` | `errors = all`: [`Errors`](errors_all::Errors), `Failure`, and the check `errors_all` |
//! | `restart.rs` | `restart = …`: [`Restart`](restart::Restart), [`Backoff`](restart::Backoff), the intensity window |
//! | `task_bounds.rs` | what `spawn!` & co. can run, and how a task's error becomes the scope's |
//!
//! May import: `core/`, and files of this folder.

pub(crate) mod deadline;
pub(crate) mod errors_all;
pub(crate) mod restart;
pub(crate) mod task_bounds;
