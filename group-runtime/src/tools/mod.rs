//! Tools built on scopes, for users: they open scopes and spawn tasks like
//! any caller of the macros would.
//!
//! | file | holds |
//! |---|---|
//! | `as_completed.rs` | `taskgroup::as_completed`: children's results in completion order |
//! | `pool.rs` | `taskgroup::pool`: `n` workers over an iterator |
//! | `first_ok.rs` | `taskgroup::first_ok`: the first success wins |
//! | `shutdown.rs` | `taskgroup::shutdown`: a service as a root scope, drained on a signal |
//! | `testing.rs` | `taskgroup::testing`: the leak check of `#[taskgroup::test]` |
//! | `dump.rs` | `taskgroup::dump()`: the live tree of scopes and tasks |
//!
//! May import: every layer below (`kinds/`, `scope/`, `policy/`, `core/`),
//! and files of this folder.

pub(crate) mod as_completed;
pub(crate) mod dump;
pub(crate) mod first_ok;
pub mod pool;
pub mod shutdown;
pub mod testing;
