//! Runtime of [taskgroup](https://docs.rs/taskgroup): scopes, task handles,
//! cancellation. Use it through the `taskgroup` crate, whose macros
//! (`#[nursery]`, `scope!`) generate the calls into this one.
//!
//! # Layout
//!
//! Layers as folders, each importing only the folders below it (checked by
//! `tests/layers.rs`):
//!
//! | folder | what it is |
//! |---|---|
//! | `tools/` | built on scopes: `pool`, `first_ok`, `shutdown`, `testing`, `dump()` |
//! | `kinds/` | the kinds of task (parallel, blocking, scoped, `start!`), what their output becomes, and the compile-time dispatch that picks one |
//! | `scope/` | the scope itself: open, spawn a counted child, handles, the runner and what a scope returns |
//! | `policy/` | the rules a scope applies: time limits, `errors = all`, the bounds a task must meet |
//! | `core/` | a scope's lifecycle (the state machine), its cause, the ambient current scope, what it records for dumps and `tracing` |
//!
//! Beside them, at the root: this file (re-exports), `checks.rs` (the
//! public page of the compile-time checks) and `macros.rs` (the exported
//! macros: `spawn!` & co. outside a scope, `detached!`).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod checks;
mod core;
mod kinds;
mod macros;
mod policy;
mod scope;
mod tools;

pub use crate::core::ambient::{cancellation_token, cancelled, cause, context, is_cancelled};
pub use crate::core::cause::{Cause, ScopeInfo, TaskId, TaskInfo};
pub use crate::core::records::TaskKind;
pub use crate::kinds::isolated::{unobserved_panics, Exit, IsolatedHandle, Panic};
pub use crate::kinds::scoped::ScopedHandle;
pub use crate::kinds::start::{Ready, StartError};
pub use crate::policy::deadline::{deadline, Elapsed, IntoTimeout};
pub use crate::policy::errors_all::{Errors, Failure};
pub use crate::policy::restart::{Backoff, Restart};
pub use crate::scope::handle::TaskHandle;
pub use crate::scope::options::IntoLimit;
pub use crate::tools::as_completed::{as_completed, AsCompleted};
pub use crate::tools::dump::{dump, enable_dump, Dump, ScopeDump, TaskDump};
pub use crate::tools::first_ok::first_ok;
pub use crate::tools::{pool, shutdown, testing};

/// What the macros' generated code calls. Not a public API: it changes
/// without notice. The names here are what the macros write: keep them.
#[doc(hidden)]
pub mod __private {
    pub use crate::__scoped_unprepared as scoped_unprepared;
    pub use crate::core::records::RestartsSeen;
    pub use crate::kinds::dispatch::{
        blocking_probe, forever, scoped_probe, start_probe, task_probe, BlockingProbe, ModeProbe,
        ScopedProbe, StartProbe, TaskProbe, ViaFallible, ViaPlain,
    };
    pub use crate::kinds::isolated::spawn_isolated;
    pub use crate::kinds::scoped::{identity, with_scoped, ScopedSet, WithScoped};
    pub use crate::kinds::start::{call_with_ready, start_channel, StartedTask, Starting};
    pub use crate::scope::options::Options;
    pub use crate::scope::returns::{Fallible, Plain};
    pub use crate::scope::run::{Driven, IntoDriven};
    pub use crate::scope::{Scope, Slot, Spawn as Start};
    pub use core::panic::Location;
    pub use tokio;
}
