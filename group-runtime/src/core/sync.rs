//! The atomics and the lock whose interleavings `loom` checks: loom's under
//! `--cfg taskgroup_loom` (see `loom_tests.rs`), std's otherwise. Only the
//! lock-free state uses them: a scope's live count, state word and record
//! (`state.rs`) and the parked wakers (`parked.rs`).

#[cfg(taskgroup_loom)]
pub(crate) use loom::sync::atomic::{fence, AtomicBool, AtomicUsize};
#[cfg(taskgroup_loom)]
pub(crate) use loom::sync::{Mutex, MutexGuard};

#[cfg(not(taskgroup_loom))]
pub(crate) use std::sync::atomic::{fence, AtomicBool, AtomicUsize};
#[cfg(not(taskgroup_loom))]
pub(crate) use std::sync::{Mutex, MutexGuard};
