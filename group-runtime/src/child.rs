//! What runs inside each spawned tokio task: the user's future, wrapped so
//! that it stops when the scope is cancelled, its panic is caught and
//! recorded, and the scope's count of live children drops only when the
//! future is really gone.

use std::future::{poll_fn, Future};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::Poll;

use tokio::sync::OwnedSemaphorePermit;

use crate::ambient;
use crate::cause::TaskInfo;
use crate::shared::{Shared, Who};

/// Owned by the task; dropping it (on completion, abort or runtime shutdown)
/// frees the concurrency slot and counts the child as stopped.
pub(crate) struct ChildGuard {
    pub(crate) shared: Arc<Shared>,
    pub(crate) permit: Option<OwnedSemaphorePermit>,
}

impl Drop for ChildGuard {
    fn drop(&mut self) {
        drop(self.permit.take());
        self.shared.task_stopped();
    }
}

/// Drops the user's future in place, inside the ambient scope (so a `Drop`
/// impl can ask [`crate::cause`] why), recording a panic raised by its `Drop`.
fn discard<F>(
    mut future: Pin<&mut Option<F>>,
    ambient: &mut Option<Arc<Shared>>,
    shared: &Shared,
    task: &TaskInfo,
) {
    let dropped = catch_unwind(AssertUnwindSafe(|| {
        ambient::enter(ambient, || future.set(None));
    }));
    if let Err(payload) = dropped {
        shared.fail_with_panic(payload, Who::Task(task));
    }
}

/// The body of a child task. `finish` turns the future's output into the
/// handle's value, recording a failure in the scope (`None`).
pub(crate) async fn run<F, T>(
    guard: ChildGuard,
    task: TaskInfo,
    future: F,
    finish: impl FnOnce(F::Output, &Shared, &TaskInfo) -> Option<T>,
) -> Option<T>
where
    F: Future,
{
    let shared = &*guard.shared;
    let mut ambient = Some(guard.shared.clone());
    // Created before the first look at the flag: a `notify_waiters` issued
    // after this point reaches it even if it is polled later.
    let mut stop = pin!(shared.stop_children.notified());
    let mut future = pin!(Some(future));
    let output = poll_fn(|cx| {
        // The whole chain: an enclosing scope's cancellation stops this
        // child even before this scope's runner has passed it on.
        if shared.is_cancelled() {
            discard(future.as_mut(), &mut ambient, shared, &task);
            return Poll::Ready(None);
        }
        let Some(running) = future.as_mut().as_pin_mut() else {
            return Poll::Ready(None);
        };
        let polled = catch_unwind(AssertUnwindSafe(|| {
            ambient::enter(&mut ambient, || running.poll(cx))
        }));
        match polled {
            Ok(Poll::Ready(output)) => {
                discard(future.as_mut(), &mut ambient, shared, &task);
                Poll::Ready(Some(output))
            }
            Ok(Poll::Pending) => {
                if stop.as_mut().poll(cx).is_ready() {
                    discard(future.as_mut(), &mut ambient, shared, &task);
                    Poll::Ready(None)
                } else {
                    Poll::Pending
                }
            }
            Err(payload) => {
                discard(future.as_mut(), &mut ambient, shared, &task);
                shared.fail_with_panic(payload, Who::Task(&task));
                Poll::Ready(None)
            }
        }
    })
    .await;
    output.and_then(|output| finish(output, shared, &task))
}
