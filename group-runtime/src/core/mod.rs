//! The floor: a scope's lifecycle, with no notion of how a task is spawned.
//!
//! | file | holds |
//! |---|---|
//! | `state.rs` | `Shared`, the state machine of one scope: its state word, transitions, who records the first failure, counting and the join (the table of it is at the top of that file) |
//! | `cause.rs` | why a scope was cancelled ([`Cause`](cause::Cause)) and who a task or scope is |
//! | `ambient.rs` | the scope the running code belongs to, and the public `cancelled()`, `is_cancelled()`, `cause()`, `cancellation_token()` |
//! | `context.rs` | the values a scope carries for its descendants (`context = …`), read by `taskgroup::context::<T>()` |
//! | `parked.rs` | the wakers of parked children, woken when the scope aborts |
//! | `records.rs` | what scopes record for `dump()`: the registry of live scopes, each scope's live tasks |
//! | `trace.rs` | the `tracing` feature's spans and events (no-ops without it) |
//! | `sync.rs` | the atomics and locks that `loom` checks |
//! | `loom_tests.rs` | the loom models of the above (`--cfg taskgroup_loom`) |
//!
//! May import: files of this folder only. The layers above report through
//! values the core defines (a span, a record) rather than being called by
//! it.

pub(crate) mod ambient;
pub(crate) mod cause;
pub(crate) mod context;
#[cfg(all(test, taskgroup_loom))]
mod loom_tests;
pub(crate) mod parked;
pub(crate) mod records;
pub(crate) mod state;
pub(crate) mod sync;
pub(crate) mod trace;
