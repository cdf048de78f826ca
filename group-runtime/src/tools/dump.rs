//! `taskgroup::dump()`: the live tree of scopes and their tasks, for a
//! service that hangs at shutdown or a test that leaks.
//!
//! This file builds and prints the tree; what it reads (the registry of
//! live scopes, each scope's list of tasks) is recorded by the core
//! (`core/records.rs`) once [`enable_dump`] has been called.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use crate::core::cause::{ScopeInfo, TaskInfo};
use crate::core::records::{self, IsolatedExit, TaskKind};
use crate::core::state::Shared;

/// Starts recording scopes for [`dump`] (from now on; call it at
/// startup). `taskgroup::shutdown::Shutdown` and
/// `taskgroup::testing::check_leaks` call it themselves. Costs one lock of a
/// per-thread shard when a scope opens and when it stops.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use taskgroup::scope;
/// taskgroup::enable_dump(); // first thing in main()
/// scope!(name = "recorded"; {
///     assert!(taskgroup::dump().to_string().contains("scope \"recorded\""));
/// });
/// # }
/// ```
pub fn enable_dump() {
    records::enable();
}

/// A live task of a scope.
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::time::Duration;
/// use taskgroup::scope;
/// taskgroup::enable_dump();
/// scope!(name = "server"; {
///     spawn!(name = "accept", std::future::pending::<()>());
///     tokio::time::sleep(Duration::from_secs(2)).await;
///     let dump = taskgroup::dump();
///     let server = dump.scopes.iter().find(|s| s.scope.name() == Some("server")).unwrap();
///     let accept = &server.tasks[0];
///     assert_eq!(accept.task.name(), Some("accept"));
///     assert_eq!((accept.state, accept.age), ("running", Duration::from_secs(2)));
///     cancel!();
/// });
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct TaskDump {
    /// Id, name, spawn location.
    pub task: TaskInfo,
    /// Async task, background task or blocking closure.
    pub kind: TaskKind,
    /// `running` (its scope runs; it may be waiting), `cancelling` (told to
    /// stop, in its scope's grace period), `aborted, not stopped yet` (a
    /// straggler: stuck in a synchronous call, or a blocking closure that
    /// has not returned).
    pub state: &'static str,
    /// Since it was spawned.
    pub age: Duration,
    /// A supervised child (`spawn!(restart = …)`): how many times it was
    /// restarted so far; 0 for any other.
    pub restarts: u64,
    /// A supervised child's last failure that led to a restart (`returned
    /// Err(…)` with the error's `Debug`, or `panicked: …`).
    pub last_failure: Option<String>,
}

/// One live scope, with its tasks and its nested scopes.
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::time::Duration;
/// use taskgroup::scope;
/// taskgroup::enable_dump();
/// scope!(name = "server"; {
///     spawn!(name = "accept", std::future::pending::<()>());
///     tokio::time::sleep(Duration::from_secs(2)).await;
///     let dump = taskgroup::dump();
///     let server = dump.scopes.iter().find(|s| s.scope.name() == Some("server")).unwrap();
///     assert_eq!((server.state, server.children), ("running", 1));
///     assert_eq!(server.age, Duration::from_secs(2));
///     assert!(server.scopes.is_empty()); // no nested scope
///     cancel!();
/// });
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct ScopeDump {
    /// Name and location.
    pub scope: ScopeInfo,
    /// Since the scope opened.
    pub age: Duration,
    /// `running`, `cancelling` (signalled, in its grace period), `aborting`,
    /// `joining` (the body is done, children are awaited) or `finished`
    /// (returned, aborted children not yet stopped).
    pub state: &'static str,
    /// Children not yet stopped (tasks and nested scopes).
    pub children: usize,
    /// The tasks not yet stopped, oldest first.
    pub tasks: Vec<TaskDump>,
    /// Nested scopes.
    pub scopes: Vec<ScopeDump>,
    /// Isolated children (`spawn!(isolated, …)`) that ended with a panic,
    /// their own timeout, or cancelled (their handles have the `Exit`).
    pub isolated_panicked: u64,
    /// See `isolated_panicked`.
    pub isolated_timed_out: u64,
    /// See `isolated_panicked`.
    pub isolated_cancelled: u64,
}

/// The live scopes of the process, as trees (see [`dump`]).
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::time::Duration;
/// use taskgroup::scope;
/// taskgroup::enable_dump();
/// scope!(name = "server"; {
///     spawn!(name = "accept", std::future::pending::<()>());
///     tokio::time::sleep(Duration::from_secs(2)).await;
///     let dump = taskgroup::dump();
///     print!("{dump}"); // the indented tree
///     assert!(dump.to_string().contains("\"accept\" spawned at"));
///     cancel!();
/// });
/// # }
/// ```
#[derive(Clone, Debug, Default)]
pub struct Dump {
    /// Outermost scopes.
    pub scopes: Vec<ScopeDump>,
}

impl Dump {
    /// No scope is alive.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use taskgroup::scope;
    /// taskgroup::enable_dump();
    /// let dump_inside = scope! { taskgroup::dump() };
    /// assert!(!dump_inside.is_empty()); // this scope, at least
    /// # }
    /// ```
    pub fn is_empty(&self) -> bool {
        self.scopes.is_empty()
    }
}

/// The live scopes and their tasks, as an indented tree by
/// `Display`. Scopes are recorded once [`enable_dump`] has been called.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use taskgroup::scope;
/// taskgroup::enable_dump(); // at startup
/// scope!(name = "server"; {
///     spawn!(name = "accept", std::future::pending::<()>());
///     tokio::task::yield_now().await; // let it start and wait
///     let tree = taskgroup::dump().to_string();
///     assert!(tree.contains("scope \"server\""), "{tree}");
///     assert!(tree.contains("\"accept\""), "{tree}");
///     cancel!();
/// });
/// # }
/// ```
pub fn dump() -> Dump {
    let live = Shared::live_scopes();
    let is_live = |shared: &Arc<Shared>| live.iter().any(|other| Arc::ptr_eq(other, shared));
    let now = Instant::now();
    let scopes = live
        .iter()
        .filter(|shared| !shared.visible_parent().is_some_and(is_live))
        .map(|root| build(root, &live, now))
        .collect();
    Dump { scopes }
}

/// The tree below one scope (for the leak check).
pub(crate) fn dump_of(root: &Arc<Shared>) -> Dump {
    Dump {
        scopes: vec![build(root, &Shared::live_scopes(), Instant::now())],
    }
}

/// Scopes below `root` whose future was leaked (`mem::forget`): still
/// registered, never returned nor dropped, after `root` itself returned.
pub(crate) fn leaked_below(root: &Arc<Shared>) -> Vec<ScopeInfo> {
    Shared::live_scopes()
        .into_iter()
        .filter(|shared| !Arc::ptr_eq(shared, root) && !shared.is_finished())
        .filter(|shared| {
            let mut above = shared.parent.as_ref();
            while let Some(parent) = above {
                if Arc::ptr_eq(parent, root) {
                    return true;
                }
                above = parent.parent.as_ref();
            }
            false
        })
        .map(|shared| shared.info.clone())
        .collect()
}

fn build(shared: &Arc<Shared>, live: &[Arc<Shared>], now: Instant) -> ScopeDump {
    let scopes = live
        .iter()
        .filter(|other| {
            other
                .visible_parent()
                .is_some_and(|parent| Arc::ptr_eq(parent, shared))
        })
        .map(|nested| build(nested, live, now))
        .collect();
    let state = shared.state();
    let task_state = match state {
        "running" | "joining" => "running",
        "cancelling" => "cancelling",
        _ => "aborted, not stopped yet",
    };
    let (age, tasks) = match &shared.recorded {
        None => (Duration::ZERO, Vec::new()),
        Some(recorded) => (
            now.saturating_duration_since(recorded.opened_at),
            recorded
                .tasks
                .snapshot()
                .into_iter()
                .map(|listed| TaskDump {
                    restarts: listed.restarts.as_ref().map_or(0, |stats| stats.restarts()),
                    last_failure: listed
                        .restarts
                        .as_ref()
                        .and_then(|stats| stats.last_failure()),
                    task: listed.task,
                    kind: listed.kind,
                    state: task_state,
                    age: now.saturating_duration_since(listed.since),
                })
                .collect(),
        ),
    };
    let isolated = |exit| {
        shared
            .recorded
            .as_ref()
            .map_or(0, |recorded| recorded.isolated_exits(exit))
    };
    ScopeDump {
        scope: shared.info.clone(),
        age,
        state,
        children: shared.children(),
        tasks,
        scopes,
        isolated_panicked: isolated(IsolatedExit::Panicked),
        isolated_timed_out: isolated(IsolatedExit::TimedOut),
        isolated_cancelled: isolated(IsolatedExit::Cancelled),
    }
}

impl fmt::Display for Dump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.scopes.is_empty() {
            if !records::enabled() {
                return writeln!(
                    f,
                    "no scope recorded: call taskgroup::enable_dump() at startup"
                );
            }
            return writeln!(f, "no live scope");
        }
        for scope in &self.scopes {
            scope.write(f, 0)?;
        }
        Ok(())
    }
}

impl ScopeDump {
    fn write(&self, f: &mut fmt::Formatter<'_>, depth: usize) -> fmt::Result {
        let indent = "  ".repeat(depth);
        let plural = if self.children == 1 { "" } else { "ren" };
        writeln!(
            f,
            "{indent}{} — {}, {} child{plural}, open {:.1?}",
            self.scope, self.state, self.children, self.age
        )?;
        for task in &self.tasks {
            let kind = match task.kind {
                TaskKind::Task => String::new(),
                other => format!("{}, ", other.as_str()),
            };
            write!(
                f,
                "{indent}  {} — {kind}{}, age {:.1?}",
                task.task, task.state, task.age
            )?;
            if task.restarts > 0 {
                write!(f, ", restarted {}×", task.restarts)?;
                if let Some(failure) = &task.last_failure {
                    write!(f, " (last: {failure})")?;
                }
            }
            writeln!(f)?;
        }
        if self.isolated_panicked + self.isolated_timed_out + self.isolated_cancelled > 0 {
            writeln!(
                f,
                "{indent}  isolated children ended: {} panicked, {} timed out, {} cancelled",
                self.isolated_panicked, self.isolated_timed_out, self.isolated_cancelled
            )?;
        }
        // Nested scopes opened before `enable_dump()` are counted, not listed.
        let unlisted = self
            .children
            .saturating_sub(self.tasks.len() + self.scopes.len());
        if unlisted > 0 {
            writeln!(f, "{indent}  {unlisted} more, not recorded")?;
        }
        for scope in &self.scopes {
            scope.write(f, depth + 1)?;
        }
        Ok(())
    }
}

/// JSON (or any serde format) of the dump, with the `serde` feature:
/// `{"scopes": [{"name", "location", "state", "children", "age_ms",
/// "tasks": [{"id", "name", "location", "kind", "state", "age_ms"}],
/// "scopes": […]}]}`.
#[cfg(feature = "serde")]
mod serialize {
    use serde::ser::{Serialize, SerializeStruct, Serializer};

    use super::{Dump, ScopeDump, TaskDump};

    impl Serialize for Dump {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let mut dump = serializer.serialize_struct("Dump", 1)?;
            dump.serialize_field("scopes", &self.scopes)?;
            dump.end()
        }
    }

    impl Serialize for ScopeDump {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let mut scope = serializer.serialize_struct("ScopeDump", 10)?;
            scope.serialize_field("name", &self.scope.name())?;
            scope.serialize_field("location", &self.scope.location().to_string())?;
            scope.serialize_field("state", self.state)?;
            scope.serialize_field("children", &self.children)?;
            scope.serialize_field("age_ms", &self.age.as_millis())?;
            scope.serialize_field("tasks", &self.tasks)?;
            scope.serialize_field("scopes", &self.scopes)?;
            scope.serialize_field("isolated_panicked", &self.isolated_panicked)?;
            scope.serialize_field("isolated_timed_out", &self.isolated_timed_out)?;
            scope.serialize_field("isolated_cancelled", &self.isolated_cancelled)?;
            scope.end()
        }
    }

    impl Serialize for TaskDump {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let mut task = serializer.serialize_struct("TaskDump", 8)?;
            task.serialize_field("id", &self.task.id().as_u64())?;
            task.serialize_field("name", &self.task.name())?;
            task.serialize_field("location", &self.task.location().to_string())?;
            task.serialize_field("kind", self.kind.as_str())?;
            task.serialize_field("state", self.state)?;
            task.serialize_field("age_ms", &self.age.as_millis())?;
            task.serialize_field("restarts", &self.restarts)?;
            task.serialize_field("last_failure", &self.last_failure)?;
            task.end()
        }
    }
}
