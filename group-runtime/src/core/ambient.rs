//! The ambient scope: which scope the code running right now belongs to, so
//! that [`cancelled`], [`is_cancelled`] and [`cause`] need no context passed
//! by hand.
//!
//! A thread-local slot holds the current scope while a child task or a
//! scope's body is being polled; the poller moves its own `Arc` in and out
//! around each poll (as `tokio::task_local!` does), so reading it costs no
//! reference-count traffic.

use std::cell::Cell;
use std::future::Future;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::core::cause::{Cause, TaskInfo};
use crate::core::context;
use crate::core::state::Shared;

thread_local! {
    static CURRENT: Cell<Option<Arc<Shared>>> = const { Cell::new(None) };
    /// The code running now is a `spawn_blocking!` closure of `CURRENT`
    /// (not a body or a task polled by it).
    static IN_BLOCKING_CLOSURE: Cell<bool> = const { Cell::new(false) };
    /// The cause of the one task being dropped here, when it is not its
    /// scope's (a task cancelled by its handle): what `cause()` and
    /// `is_cancelled()` answer in its `Drop` impls.
    static TASK_CAUSE: std::cell::RefCell<Option<Cause>> = const { std::cell::RefCell::new(None) };
    /// The `spawn_blocking!` closure running on this thread: its handle's
    /// `cancel()` is a signal it reads with `is_cancelled()`.
    static BLOCKING_TASK: std::cell::RefCell<Option<TaskInfo>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f` with `value` in the thread-local `slot`, then puts back what
/// was there, also when `f` panics. (`try_with`: this runs in drop paths,
/// also during thread exit.)
fn with_slot<T: 'static, R>(
    slot: &'static std::thread::LocalKey<std::cell::RefCell<Option<T>>>,
    value: T,
    f: impl FnOnce() -> R,
) -> R {
    struct Restore<T: 'static> {
        slot: &'static std::thread::LocalKey<std::cell::RefCell<Option<T>>>,
        previous: Option<T>,
    }
    impl<T> Drop for Restore<T> {
        fn drop(&mut self) {
            let previous = self.previous.take();
            let _ = self.slot.try_with(|slot| *slot.borrow_mut() = previous);
        }
    }
    let previous = slot
        .try_with(|current| current.borrow_mut().replace(value))
        .ok()
        .flatten();
    let _restore = Restore { slot, previous };
    f()
}

/// Runs `task`'s blocking closure `f`: inside it, `is_cancelled()` and
/// `cause()` also answer its handle's `cancel()`.
pub(crate) fn blocking_task<R>(task: &TaskInfo, f: impl FnOnce() -> R) -> R {
    with_slot(&BLOCKING_TASK, task.clone(), f)
}

/// Whether the blocking closure running here was cancelled by its handle
/// (one thread-local read, and a lock only while a `cancel()` is pending).
fn blocking_task_cancelled() -> bool {
    let task = BLOCKING_TASK
        .try_with(|slot| slot.borrow().as_ref().map(TaskInfo::id))
        .ok()
        .flatten();
    task.is_some_and(|id| {
        with_current(|shared| shared.is_some_and(|shared| shared.is_cancelled_by_handle(id)))
    })
}

/// The cause of the blocking closure running here, if its handle
/// cancelled it.
fn blocking_task_cause() -> Option<Cause> {
    if !blocking_task_cancelled() {
        return None;
    }
    let task = BLOCKING_TASK
        .try_with(|slot| slot.borrow().clone())
        .ok()
        .flatten()?;
    Some(Cause::CancelledByHandle(task))
}

/// Whether the scope the current code belongs to is cancelled, looking
/// through a child's task scope (an ordered scope's child waiting for its
/// turn: its scope is cancelled, it is not yet). For supervision's
/// decisions (no restart once the scope is cancelled).
pub(crate) fn scope_is_cancelled() -> bool {
    with_current(|shared| {
        shared.is_some_and(|shared| {
            shared.is_cancelled()
                || (shared.transparent
                    && shared
                        .parent
                        .as_ref()
                        .is_some_and(|parent| parent.is_cancelled()))
        })
    })
}

/// The token of the scope the current code belongs to, looking through a
/// child's task scope (see [`scope_is_cancelled`]).
pub(crate) fn scope_token() -> Option<CancellationToken> {
    with_current(|shared| {
        shared.map(|shared| match (&shared.parent, shared.transparent) {
            (Some(parent), true) => parent.token().clone(),
            _ => shared.token().clone(),
        })
    })
}

/// Runs `f` (the drop of one task's future) with `cause` as what
/// [`cause()`] answers inside it.
pub(crate) fn with_task_cause<R>(cause: Cause, f: impl FnOnce() -> R) -> R {
    with_slot(&TASK_CAUSE, cause, f)
}

/// Whether the code running here is one task cancelled on its own
/// (without cloning the cause, for `is_cancelled()`).
fn task_cancelled() -> bool {
    TASK_CAUSE
        .try_with(|slot| slot.borrow().is_some())
        .unwrap_or(false)
        || blocking_task_cancelled()
}

fn task_cause() -> Option<Cause> {
    TASK_CAUSE
        .try_with(|slot| slot.borrow().clone())
        .ok()
        .flatten()
        .or_else(blocking_task_cause)
}

/// Runs `f` with `slot` as the current scope, then puts it back, also when
/// `f` panics. Nested calls (a scope inside a task) stack naturally.
pub(crate) fn enter<R>(slot: &mut Option<Arc<Shared>>, f: impl FnOnce() -> R) -> R {
    struct Restore<'a> {
        slot: &'a mut Option<Arc<Shared>>,
        previous: Option<Arc<Shared>>,
    }
    impl Drop for Restore<'_> {
        fn drop(&mut self) {
            let previous = self.previous.take();
            // `try_with`: never panic in a drop path, even during thread exit.
            if let Ok(mine) = CURRENT.try_with(|current| current.replace(previous)) {
                *self.slot = mine;
            }
        }
    }
    let previous = CURRENT
        .try_with(|current| current.replace(slot.take()))
        .unwrap_or(None);
    let _restore = Restore { slot, previous };
    in_blocking_closure_as(false, f)
}

/// Runs `f`, a `spawn_blocking!` closure, inside [`enter`]: a scope it
/// opens knows that it runs in a blocking closure of its parent.
pub(crate) fn blocking_closure<R>(f: impl FnOnce() -> R) -> R {
    in_blocking_closure_as(true, f)
}

fn in_blocking_closure_as<R>(yes: bool, f: impl FnOnce() -> R) -> R {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            let _ = IN_BLOCKING_CLOSURE.try_with(|flag| flag.set(self.0));
        }
    }
    let _restore = Restore(
        IN_BLOCKING_CLOSURE
            .try_with(|flag| flag.replace(yes))
            .unwrap_or(false),
    );
    f()
}

/// Whether the code running now is a `spawn_blocking!` closure of
/// `parent` (`None`: never).
pub(crate) fn in_blocking_closure_of(parent: Option<&Shared>) -> bool {
    let Some(parent) = parent else {
        return false;
    };
    IN_BLOCKING_CLOSURE.try_with(Cell::get).unwrap_or(false)
        && with_current(|current| current.is_some_and(|current| std::ptr::eq(current, parent)))
}

/// Looks at the current scope without touching its reference count.
pub(crate) fn with_current<R>(f: impl FnOnce(Option<&Shared>) -> R) -> R {
    let shared = CURRENT.try_with(Cell::take).unwrap_or(None);
    let result = f(shared.as_deref());
    let _ = CURRENT.try_with(|current| current.set(shared));
    result
}

/// The current scope, to become the parent of a scope opened now.
pub(crate) fn current() -> Option<Arc<Shared>> {
    CURRENT
        .try_with(|current| {
            let shared = current.take();
            let copy = shared.clone();
            current.set(shared);
            copy
        })
        .unwrap_or(None)
}

/// `true` once the scope the caller runs in (or any scope enclosing it) is
/// cancelled. Outside any scope: `false`.
///
/// Cheap (a few atomic loads): poll it in loops of blocking or CPU-bound
/// work.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use taskgroup::scope;
/// assert!(!taskgroup::is_cancelled());
/// scope! {
///     assert!(!taskgroup::is_cancelled());
///     cancel!();
///     assert!(taskgroup::is_cancelled());
/// };
/// # }
/// ```
pub fn is_cancelled() -> bool {
    with_current(|shared| shared.is_some_and(Shared::is_cancelled)) || task_cancelled()
}

/// Why the current scope was cancelled: `None` while it is not (or outside
/// any scope). See [`Cause`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use taskgroup::scope;
/// scope! {
///     assert!(taskgroup::cause().is_none());
///     cancel!();
///     println!("{}", taskgroup::cause().unwrap()); // cancel!() was called at …
/// };
/// # }
/// ```
pub fn cause() -> Option<Cause> {
    task_cause().or_else(|| with_current(|shared| shared.and_then(Shared::cause)))
}

/// Completes when the current scope (or an enclosing one) is cancelled, and
/// once the scope has returned. Outside any scope it never completes.
///
/// Children are aborted at once when their scope is cancelled (their future
/// is dropped at its next `.await`), so a child usually observes its
/// cancellation in a `Drop` impl, with [`cause`]. `cancelled()` is for code
/// that keeps running: the body after `cancel!()`, or a future that must
/// stop on its own, in `tokio::select!`. The future is `Send + 'static`.
///
/// The scope is the one current where `cancelled()` is *called*, not where
/// the future is first polled: `Shutdown::run(taskgroup::cancelled())`
/// calls it outside the service's scope (it never completes); write
/// `run(async { taskgroup::cancelled().await })`.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use taskgroup::scope;
/// let answer = scope! {
///     cancel!(); // we have what we need
///     tokio::select! {
///         () = taskgroup::cancelled() => "stopped",
///         () = std::future::pending() => unreachable!(),
///     }
/// };
/// assert_eq!(answer, "stopped");
/// # }
/// ```
pub fn cancelled() -> impl Future<Output = ()> + Send + 'static {
    let token = cancellation_token();
    async move {
        match token {
            Some(token) => token.cancelled_owned().await,
            None => std::future::pending().await,
        }
    }
}

/// The current scope's [`CancellationToken`], for libraries that take one.
/// It is cancelled with the scope (and with every enclosing scope);
/// cancelling it yourself does not cancel the scope.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use taskgroup::scope;
/// assert!(taskgroup::cancellation_token().is_none()); // outside any scope
/// scope! {
///     let token = taskgroup::cancellation_token().expect("inside a scope");
///     spawn!(async move {
///         // A library that takes a token stops with the scope.
///         token.cancelled().await;
///     });
///     tokio::task::yield_now().await;
///     cancel!();
/// };
/// # }
/// ```
pub fn cancellation_token() -> Option<CancellationToken> {
    with_current(|shared| shared.map(|s| s.token().child_token()))
}

/// The value of type `T` the current scope (or the nearest enclosing one
/// that has one) carries; `None` outside any scope or if none does.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use taskgroup::scope;
/// #[derive(Debug, PartialEq)]
/// struct RequestId(u64);
/// scope!(context = RequestId(7); {
///     spawn!(async {
///         // A task, on any thread: no argument passed by hand.
///         assert_eq!(*taskgroup::context::<RequestId>().unwrap(), RequestId(7));
///     });
///     spawn_blocking!(|| assert!(taskgroup::context::<RequestId>().is_some()));
///     scope!(context = RequestId(8); {
///         // A nested scope's value of the same type shadows its parent's.
///         assert_eq!(taskgroup::context::<RequestId>().unwrap().0, 8);
///     });
/// });
/// assert!(taskgroup::context::<RequestId>().is_none()); // outside any scope
/// # }
/// ```
pub fn context<T: std::any::Any + Send + Sync>() -> Option<Arc<T>> {
    with_current(|shared| shared.and_then(|shared| context::find(&shared.context)))
}
