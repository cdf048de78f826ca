//! Runtime of [taskgroup](https://docs.rs/taskgroup): scopes, task handles,
//! cancellation. Use it through the `taskgroup` crate, whose macros
//! (`#[nursery]`, `scope!`) generate the calls into this one.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod ambient;
mod blocking;
mod bounds;
mod cause;
pub mod checks;
mod child;
mod deadline;
mod detached;
mod dump;
mod errors;
mod fallback;
mod handle;
mod listing;
#[cfg(all(test, taskgroup_loom))]
mod loom_tests;
mod mode;
mod options;
mod parked;
pub mod pool;
mod probe;
mod race;
mod run;
mod scope;
mod scoped;
pub mod shutdown;
mod start;
mod state;
mod sync;
pub mod testing;
mod trace;

pub use ambient::{cancellation_token, cancelled, cause, is_cancelled};
pub use cause::{Cause, ScopeInfo, TaskId, TaskInfo};
pub use deadline::{deadline, Elapsed, IntoTimeout};
pub use dump::{dump, enable_dump, Dump, ScopeDump, TaskDump};
pub use errors::{Errors, Failure};
pub use handle::TaskHandle;
pub use listing::TaskKind;
pub use options::IntoLimit;
pub use race::first_ok;
pub use scoped::ScopedHandle;
pub use start::{Ready, StartError};

/// What the macros' generated code calls. Not a public API: it changes
/// without notice.
#[doc(hidden)]
pub mod __private {
    pub use crate::__scoped_unprepared as scoped_unprepared;
    pub use crate::blocking::{blocking_probe, BlockingProbe};
    pub use crate::mode::{Fallible, ModeProbe, Plain, ViaFallible, ViaPlain};
    pub use crate::options::Options;
    pub use crate::probe::{forever, task_probe, TaskProbe};
    pub use crate::run::{Driven, IntoDriven};
    pub use crate::scope::{Scope, Slot, Start};
    pub use crate::scoped::{
        identity, scoped_probe, with_scoped, ScopedProbe, ScopedSet, WithScoped,
    };
    pub use crate::start::{
        call_with_ready, start_channel, start_probe, StartProbe, StartedTask, Starting,
    };
    pub use core::panic::Location;
    pub use tokio;
}
