//! The kinds of task a scope can have, each built on `scope/`: how it is
//! started, what runs around the user's code, what its output becomes,
//! and the compile-time dispatch that picks the right start for a child.
//!
//! | file | holds |
//! |---|---|
//! | `parallel.rs` | `spawn!`, `try_spawn!`, `spawn_background!`: a tokio task, and its future (the per-task hot path) |
//! | `blocking.rs` | `spawn_blocking!`: a closure on tokio's blocking pool |
//! | `scoped.rs` | `spawn_scoped!`: children polled inside the scope's own future, which may borrow |
//! | `isolated.rs` | `spawn!(isolated, …)`: a child whose failure is its own ([`Exit`](isolated::Exit), [`IsolatedHandle`](isolated::IsolatedHandle)) |
//! | `restart.rs` | `spawn!(restart = …, factory)`: the restart loop of a supervised child |
//! | `start.rs` | `start!`: a child that signals it is ready ([`Ready`](start::Ready)) |
//! | `output.rs` | what a child's output becomes: the handle's value, or the scope's failure |
//! | `dispatch.rs` | autoref dispatch on a type, explained once: the probes and the traits the macros call |
//!
//! May import: `scope/`, `policy/`, `core/`, and files of this folder.

pub(crate) mod blocking;
pub(crate) mod dispatch;
pub(crate) mod isolated;
pub(crate) mod output;
pub(crate) mod parallel;
pub(crate) mod restart;
pub(crate) mod scoped;
pub(crate) mod start;
