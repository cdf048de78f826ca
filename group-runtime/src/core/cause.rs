//! Why a scope was cancelled, and who the tasks involved are.

use std::fmt;
use std::panic::Location;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A process-unique task number, in spawn order.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use taskgroup::scope;
/// scope! {
///     let a = spawn!(async { 1 });
///     let b = spawn!(async { 2 });
///     assert!(a.info().id() < b.info().id());
/// };
/// # }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaskId(u64);

impl TaskId {
    pub(crate) fn next() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        TaskId(NEXT.fetch_add(1, Ordering::Relaxed))
    }

    /// The number itself.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use taskgroup::scope;
    /// scope! {
    ///     let task = spawn!(async {});
    ///     let id = task.info().id();
    ///     assert_eq!(format!("{id}"), format!("#{}", id.as_u64()));
    /// };
    /// # }
    /// ```
    pub fn as_u64(self) -> u64 {
        self.0
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// Who a task is: its id, its name if it was given one
/// (`spawn!(name = "fetch", fut)`), and where it was spawned.
///
/// `Display` prints `task #7 "fetch" spawned at src/main.rs:12:9`.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use taskgroup::scope;
/// scope! {
///     let fetch = spawn!(name = "fetch", async {});
///     let info = fetch.info().clone();
///     assert_eq!(info.name(), Some("fetch"));
///     assert_eq!(info.location().file(), file!());
///     let shown = format!("task {} \"fetch\" spawned at ", info.id());
///     assert!(info.to_string().starts_with(&shown));
/// };
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct TaskInfo {
    id: TaskId,
    name: Option<Arc<str>>,
    location: &'static Location<'static>,
}

impl TaskInfo {
    pub(crate) fn new(name: Option<Arc<str>>, location: &'static Location<'static>) -> Self {
        TaskInfo {
            id: TaskId::next(),
            name,
            location,
        }
    }

    /// The task's process-unique id.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use taskgroup::scope;
    /// scope! {
    ///     let (a, b) = (spawn!(async {}), spawn!(async {}));
    ///     assert!(a.info().id() < b.info().id(), "ids grow");
    /// };
    /// # }
    /// ```
    pub fn id(&self) -> TaskId {
        self.id
    }

    /// The name given with `spawn!(name = …, fut)`, if any.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use taskgroup::scope;
    /// scope! {
    ///     let page = spawn!(name = format!("page {}", 7), async {});
    ///     assert_eq!(page.info().name(), Some("page 7"));
    ///     assert_eq!(spawn!(async {}).info().name(), None);
    /// };
    /// # }
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Where the task was spawned (the `spawn!` call).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use taskgroup::scope;
    /// scope! {
    ///     let line = line!() + 1;
    ///     let task = spawn!(async {});
    ///     let at = task.info().location();
    ///     assert_eq!((at.file(), at.line()), (file!(), line));
    /// };
    /// # }
    /// ```
    pub fn location(&self) -> &'static Location<'static> {
        self.location
    }
}

impl fmt::Display for TaskInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "task {}", self.id)?;
        if let Some(name) = &self.name {
            write!(f, " {name:?}")?;
        }
        write!(f, " spawned at {}", self.location)
    }
}

/// Where a scope was opened (`#[nursery]` fn or `scope!`) and its name, if any.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use taskgroup::scope;
/// taskgroup::enable_dump();
/// scope!(name = "crawler"; {
///     let dump = taskgroup::dump();
///     let crawler = dump.scopes.iter().find(|s| s.scope.name() == Some("crawler"));
///     let info = &crawler.expect("listed").scope;
///     assert_eq!(info.location().file(), file!());
///     assert!(info.to_string().starts_with("scope \"crawler\" at "));
/// });
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct ScopeInfo {
    name: Option<Arc<str>>,
    location: &'static Location<'static>,
}

impl ScopeInfo {
    pub(crate) fn new(name: Option<Arc<str>>, location: &'static Location<'static>) -> Self {
        ScopeInfo { name, location }
    }

    /// The name given with `name = "…"`, if any (see [`ScopeInfo`]).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use taskgroup::scope;
    /// taskgroup::enable_dump();
    /// let found = scope!(name = "indexer"; {
    ///     let dump = taskgroup::dump();
    ///     let found = dump.scopes.iter().any(|s| s.scope.name() == Some("indexer"));
    ///     found
    /// });
    /// assert!(found);
    /// # }
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Where the scope is written (see [`ScopeInfo`]).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use taskgroup::scope;
    /// taskgroup::enable_dump();
    /// let line = line!() + 1;
    /// let at = scope!(name = "located"; {
    ///     let dump = taskgroup::dump();
    ///     let scope = dump.scopes.iter().find(|s| s.scope.name() == Some("located")).unwrap();
    ///     (scope.scope.location().file(), scope.scope.location().line())
    /// });
    /// assert_eq!(at, (file!(), line));
    /// # }
    /// ```
    pub fn location(&self) -> &'static Location<'static> {
        self.location
    }
}

impl fmt::Display for ScopeInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("scope")?;
        if let Some(name) = &self.name {
            write!(f, " {name:?}")?;
        }
        write!(f, " at {}", self.location)
    }
}

/// Why a scope was cancelled: what [`cause()`](crate::cause) returns.
///
/// `Display` gives a sentence for logs; match on the variants to react.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use taskgroup::{scope, Cause};
/// scope! {
///     cancel!();
///     assert!(matches!(taskgroup::cause(), Some(Cause::Cancelled { .. })));
/// };
/// # }
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Cause {
    /// A child task returned `Err`.
    TaskFailed(TaskInfo),
    /// A child task panicked.
    TaskPanicked {
        /// The task that panicked.
        task: TaskInfo,
        /// The panic message, when the payload is a string.
        message: Option<Arc<str>>,
    },
    /// The scope's body returned `Err`.
    BodyFailed(ScopeInfo),
    /// The scope's body panicked.
    BodyPanicked {
        /// The scope whose body panicked.
        scope: ScopeInfo,
        /// The panic message, when the payload is a string.
        message: Option<Arc<str>>,
    },
    /// `cancel!()` was called.
    Cancelled {
        /// Where `cancel!()` was called.
        at: &'static Location<'static>,
    },
    /// An enclosing scope was cancelled; its own cause is inside.
    Parent(Arc<Cause>),
    /// The scope's future was dropped before it finished (its caller was
    /// cancelled, e.g. by `tokio::select!` or a timeout).
    Dropped(ScopeInfo),
    /// The scope's `timeout` elapsed.
    DeadlineExceeded {
        /// The scope whose deadline passed.
        scope: ScopeInfo,
        /// Its `timeout`.
        after: Duration,
    },
    /// A shutdown was requested (`taskgroup::shutdown`).
    Shutdown {
        /// `"SIGINT"`, `"SIGTERM"` or `"trigger"`.
        reason: &'static str,
    },
    /// Another task of a `taskgroup::first_ok` succeeded first.
    FirstOk {
        /// Where `first_ok` was called.
        at: &'static Location<'static>,
    },
    /// A task's own `timeout` (`spawn!(timeout = …, fut)`) elapsed.
    TaskTimedOut {
        /// Where the task was spawned.
        at: &'static Location<'static>,
        /// Its `timeout`.
        after: Duration,
    },
    /// This one task was cancelled through its handle (`handle.cancel()`);
    /// its scope goes on. Only the task itself sees this cause (in its
    /// `Drop`), and its isolated handle's [`Exit::Cancelled`](crate::Exit).
    CancelledByHandle(TaskInfo),
}

impl Cause {
    /// The innermost cause: follows [`Cause::Parent`] to the scope where the
    /// cancellation started.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use taskgroup::{scope, Cause};
    /// scope! {
    ///     spawn!(async {
    ///         scope! {
    ///             spawn!(async {
    ///                 taskgroup::cancelled().await;
    ///                 let cause = taskgroup::cause().unwrap();
    ///                 assert!(matches!(cause, Cause::Parent(_))); // from the outer scope
    ///                 assert!(matches!(cause.root(), Cause::Cancelled { .. })); // its cancel!()
    ///             });
    ///         };
    ///     });
    ///     tokio::task::yield_now().await;
    ///     cancel!();
    /// };
    /// # }
    /// ```
    pub fn root(&self) -> &Cause {
        match self {
            Cause::Parent(inner) => inner.root(),
            other => other,
        }
    }

    /// The task at the origin of the cancellation, if a task caused it.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use taskgroup::scope;
    /// let result: Result<(), &str> = scope! {
    ///     spawn!(name = "db", async { Err::<(), _>("down") });
    ///     spawn!(async {
    ///         taskgroup::cancelled().await;
    ///         let cause = taskgroup::cause().unwrap();
    ///         assert_eq!(cause.task().and_then(|task| task.name()), Some("db"));
    ///         Ok::<_, &str>(())
    ///     });
    ///     Ok(())
    /// };
    /// assert_eq!(result, Err("down"));
    /// # }
    /// ```
    pub fn task(&self) -> Option<&TaskInfo> {
        match self.root() {
            Cause::TaskFailed(task) | Cause::TaskPanicked { task, .. } => Some(task),
            _ => None,
        }
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cause::TaskFailed(task) => write!(f, "{task} failed"),
            Cause::TaskPanicked { task, message } => {
                write!(f, "{task} panicked")?;
                if let Some(message) = message {
                    write!(f, ": {message}")?;
                }
                Ok(())
            }
            Cause::BodyFailed(scope) => write!(f, "the body of the {scope} returned an error"),
            Cause::BodyPanicked { scope, message } => {
                write!(f, "the body of the {scope} panicked")?;
                if let Some(message) = message {
                    write!(f, ": {message}")?;
                }
                Ok(())
            }
            Cause::Cancelled { at } => write!(f, "cancel!() was called at {at}"),
            Cause::Parent(inner) => write!(f, "an enclosing scope was cancelled: {inner}"),
            Cause::Dropped(scope) => write!(f, "the future of the {scope} was dropped"),
            Cause::DeadlineExceeded { scope, after } => {
                write!(f, "the timeout of the {scope} ({after:?}) elapsed")
            }
            Cause::Shutdown { reason } => write!(f, "shutdown requested ({reason})"),
            Cause::FirstOk { at } => {
                write!(f, "another task of the first_ok at {at} succeeded first")
            }
            Cause::TaskTimedOut { at, after } => {
                write!(
                    f,
                    "the timeout ({after:?}) of the task spawned at {at} elapsed"
                )
            }
            Cause::CancelledByHandle(task) => write!(f, "{task} was cancelled by its handle"),
        }
    }
}

impl std::error::Error for Cause {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Cause::Parent(inner) => Some(&**inner),
            _ => None,
        }
    }
}

/// A panic's payload, or a task's error boxed as the scope's error type.
pub(crate) type Payload = Box<dyn std::any::Any + Send>;

/// The message of a panic payload, when it is a string.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> Option<Arc<str>> {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        Some(Arc::from(*s))
    } else {
        payload
            .downcast_ref::<String>()
            .map(|s| Arc::from(s.as_str()))
    }
}
