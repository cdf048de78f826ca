//! What scopes record for `taskgroup::dump()` (`tools/dump.rs` reads it):
//! the process-wide registry of live scopes, and each scope's list of live
//! tasks with their kinds and ages.
//!
//! Cheap when not used: until dumps are enabled ([`enable`]), a scope only
//! checks a flag; after, it registers itself once when it opens (one
//! uncontended lock of its thread's shard of the registry) and leaves when
//! it and everything below it have stopped.
//!
//! A task is listed when it is spawned and leaves the list when its future
//! (or closure) is gone, so what the dump shows is exactly what still holds
//! the scope open: a task running, one waiting, one told to stop that has
//! not yet, an aborted straggler whose blocking call has not returned.
//! Scopes opened before dumps were enabled keep no list.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

use slab::Slab;
use tokio::time::Instant;

use crate::core::cause::TaskInfo;

/// The registry's shards: a scope registers in its thread's shard, so
/// that threads opening scopes at the same time do not contend on one lock.
const SHARDS: usize = 16;

thread_local! {
    static SHARD: usize = {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        NEXT.fetch_add(1, Relaxed) % SHARDS
    };
}

/// The live scopes of the process (one `static` of them, in `state.rs`),
/// by weak reference: a scope enters when it opens, leaves when it and
/// everything below it have stopped.
pub(crate) struct Registry<T> {
    shards: [Mutex<Slab<Weak<T>>>; SHARDS],
}

impl<T> Registry<T> {
    pub(crate) const fn new() -> Self {
        Registry {
            shards: [const { Mutex::new(Slab::new()) }; SHARDS],
        }
    }

    fn lock(&self, shard: usize) -> MutexGuard<'_, Slab<Weak<T>>> {
        self.shards[shard]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds a scope that just opened; the key (shard and slot) is for
    /// [`Registry::leave`].
    pub(crate) fn enter(&self, scope: &Arc<T>) -> usize {
        let shard = SHARD.try_with(|shard| *shard).unwrap_or(0);
        let slot = self.lock(shard).insert(Arc::downgrade(scope));
        slot * SHARDS + shard
    }

    /// The scope and everything below it have stopped.
    pub(crate) fn leave(&self, key: usize) {
        let (slot, shard) = (key / SHARDS, key % SHARDS);
        let mut scopes = self.lock(shard);
        if scopes.contains(slot) {
            drop(scopes.remove(slot));
        }
    }

    /// Every registered scope still alive.
    pub(crate) fn live(&self) -> Vec<Arc<T>> {
        (0..SHARDS)
            .flat_map(|shard| {
                self.lock(shard)
                    .iter()
                    .filter_map(|(_, scope)| scope.upgrade())
                    .collect::<Vec<_>>()
            })
            .collect()
    }
}

/// Scopes register only once dumps are enabled: until then the registry
/// costs one relaxed load per scope.
static ENABLED: AtomicBool = AtomicBool::new(false);

/// Starts recording scopes (`taskgroup::enable_dump()`).
pub(crate) fn enable() {
    ENABLED.store(true, Relaxed);
}

/// Whether scopes are being recorded.
pub(crate) fn enabled() -> bool {
    ENABLED.load(Relaxed)
}

/// What a scope keeps for `taskgroup::dump()` (boxed: one pointer in scopes
/// opened while dumps are off).
pub(crate) struct Recorded {
    pub(crate) opened_at: Instant,
    pub(crate) tasks: Listing,
    /// How the scope's isolated children ended without a value of their
    /// own (`Exit`): panicked, timed out, cancelled.
    pub(crate) isolated: [AtomicU64; 3],
}

/// Which count of `Recorded::isolated`.
#[derive(Clone, Copy)]
pub(crate) enum IsolatedExit {
    Panicked = 0,
    TimedOut = 1,
    Cancelled = 2,
}

impl Recorded {
    pub(crate) fn isolated_exit(&self, exit: IsolatedExit) {
        self.isolated[exit as usize].fetch_add(1, Relaxed);
    }

    pub(crate) fn isolated_exits(&self, exit: IsolatedExit) -> u64 {
        self.isolated[exit as usize].load(Relaxed)
    }
}

impl Recorded {
    /// For a scope opening now, if dumps are enabled.
    pub(crate) fn if_enabled() -> Option<Box<Recorded>> {
        enabled().then(|| {
            Box::new(Recorded {
                opened_at: Instant::now(),
                tasks: Listing::default(),
                isolated: Default::default(),
            })
        })
    }
}

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

/// A supervised child's restarts (`spawn!(restart = …)`), kept by its
/// restart loop, read by `dump()`.
#[derive(Debug, Default)]
pub(crate) struct RestartStats {
    restarts: AtomicU64,
    last_failure: Mutex<Option<String>>,
}

impl RestartStats {
    pub(crate) fn restarts(&self) -> u64 {
        self.restarts.load(Relaxed)
    }

    pub(crate) fn last_failure(&self) -> Option<String> {
        self.last_failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// One more restart, after `failure` (none: it ended normally); the
    /// count so far.
    pub(crate) fn record(&self, failure: Option<String>) -> u64 {
        if let Some(failure) = failure {
            *self
                .last_failure
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = Some(failure);
        }
        self.restarts.fetch_add(1, Relaxed) + 1
    }
}

/// A supervised child's restart stats, handed by the macros from its
/// restart loop to its spawn (`Spawn::restarts`).
#[doc(hidden)]
#[derive(Clone, Debug, Default)]
pub struct RestartsSeen(pub(crate) Arc<RestartStats>);

/// One listed child.
#[derive(Clone)]
pub(crate) struct Listed {
    pub(crate) task: TaskInfo,
    pub(crate) kind: TaskKind,
    pub(crate) since: Instant,
    /// A supervised child's restarts.
    pub(crate) restarts: Option<Arc<RestartStats>>,
}

#[derive(Default)]
pub(crate) struct Listing(Mutex<Slab<Listed>>);

impl Listing {
    fn lock(&self) -> MutexGuard<'_, Slab<Listed>> {
        // A slab of plain data: consistent whatever panicked.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Lists a child that is starting; the key is for [`Listing::remove`].
    pub(crate) fn add(
        &self,
        task: &TaskInfo,
        kind: TaskKind,
        restarts: Option<Arc<RestartStats>>,
    ) -> usize {
        self.lock().insert(Listed {
            task: task.clone(),
            kind,
            since: Instant::now(),
            restarts,
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
