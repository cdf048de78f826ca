//! The live tasks of a scope, with their names, kinds and ages, for
//! `taskgroup::dump()`.
//!
//! Kept only by scopes opened once dumps are enabled: other scopes never
//! touch it. A task is listed when it is spawned and leaves the list when
//! its future (or closure) is gone, so what the dump shows is exactly what
//! still holds the scope open: a task running, one waiting, one told to
//! stop that has not yet, an aborted straggler whose blocking call has not
//! returned.

use std::sync::{Mutex, MutexGuard, PoisonError};

use slab::Slab;
use tokio::time::Instant;

use crate::cause::TaskInfo;

/// What a child is.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use taskgroup::{scope, TaskKind};
/// taskgroup::enable_dump();
/// scope!(name = "kinds"; {
///     spawn!(std::future::pending::<()>());
///     spawn_background!(std::future::pending::<()>());
///     let dump = taskgroup::dump();
///     let scope = dump.scopes.iter().find(|s| s.scope.name() == Some("kinds")).unwrap();
///     let kinds: Vec<TaskKind> = scope.tasks.iter().map(|task| task.kind).collect();
///     assert_eq!(kinds, [TaskKind::Task, TaskKind::Background]);
///     cancel!();
/// });
/// # }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskKind {
    /// `spawn!` / `try_spawn!` / `start!`: a tokio task, joined.
    Task,
    /// `spawn_background!`: a tokio task, cancelled once the body is done.
    Background,
    /// `spawn_blocking!`: a closure on tokio's blocking pool; it cannot be
    /// aborted, only asked to stop.
    Blocking,
}

impl TaskKind {
    /// `"task"`, `"background"` or `"blocking"`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use taskgroup::TaskKind;
    /// assert_eq!(TaskKind::Blocking.as_str(), "blocking");
    /// # }
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            TaskKind::Task => "task",
            TaskKind::Background => "background",
            TaskKind::Blocking => "blocking",
        }
    }
}

/// One listed child.
#[derive(Clone)]
pub(crate) struct Listed {
    pub(crate) task: TaskInfo,
    pub(crate) kind: TaskKind,
    pub(crate) since: Instant,
}

#[derive(Default)]
pub(crate) struct Listing(Mutex<Slab<Listed>>);

impl Listing {
    fn lock(&self) -> MutexGuard<'_, Slab<Listed>> {
        // A slab of plain data: consistent whatever panicked.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Lists a child that is starting; the key is for [`Listing::remove`].
    pub(crate) fn add(&self, task: &TaskInfo, kind: TaskKind) -> usize {
        self.lock().insert(Listed {
            task: task.clone(),
            kind,
            since: Instant::now(),
        })
    }

    /// The child has stopped.
    pub(crate) fn remove(&self, key: usize) {
        let mut listed = self.lock();
        if listed.contains(key) {
            drop(listed.remove(key));
        }
    }

    /// The children listed now, oldest first.
    pub(crate) fn snapshot(&self) -> Vec<Listed> {
        let mut tasks: Vec<Listed> = self.lock().iter().map(|(_, task)| task.clone()).collect();
        tasks.sort_by_key(|task| task.since);
        tasks
    }
}
