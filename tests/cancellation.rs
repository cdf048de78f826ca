//! Cancellation: what cancels a scope, how far it reaches, and what the ambient API reports.
//!
//! Cancellation: what cancels a scope (a child's failure, the body's
//! failure, `cancel!()`, the scope's future being dropped), that it reaches
//! every child at once, and what the ambient API (`is_cancelled`,
//! `cancelled`, `cause`) reports. Several tests port CPython's
//! `test_taskgroups.py` (child error cancels siblings and body, body error
//! cancels children, outer cancellation cancels children).

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{boom, catch_unwind, forever, on_drop, panic_message, Alive, Tracker};
use taskgroup::{nursery, scope, Cause};
use tokio::sync::{mpsc, oneshot, Notify};

/// A child that waits forever, holding `alive`; when it is dropped, it
/// records what `cause()` said at that moment.
async fn wait_forever(alive: Alive, causes: Arc<Mutex<Vec<Option<Cause>>>>) {
    let _alive = alive;
    let _record = on_drop(move || causes.lock().unwrap().push(taskgroup::cause()));
    forever::<()>().await
}

type Causes = Arc<Mutex<Vec<Option<Cause>>>>;

fn causes() -> Causes {
    Arc::new(Mutex::new(Vec::new()))
}

/// A panic whose output type is spelled out (`()`), for scope bodies.
fn explode(message: &str) {
    panic!("{message}")
}

fn reached(flag: &AtomicBool) {
    flag.store(true, SeqCst);
}

/// CPython `test_taskgroup_02`-style: one child fails, its siblings and the
/// body (which is waiting) are cancelled; the scope returns the error.
#[taskgroup::test]
async fn child_error_cancels_siblings_and_body() {
    let tracker = Tracker::new();
    let causes = causes();
    let body_resumed = AtomicBool::new(false);
    let result: Result<(), &str> = scope! {
        for _ in 0..5 {
            spawn!(wait_forever(tracker.alive(), causes.clone()));
        }
        spawn!(name = "failing", async {
            tokio::task::yield_now().await;
            Err::<(), _>("child failed")
        });
        forever::<()>().await;
        reached(&body_resumed);
        Ok(())
    };
    assert_eq!(result, Err("child failed"));
    assert!(!body_resumed.load(SeqCst));
    assert_eq!(tracker.started(), 5);
    assert_eq!(tracker.finished(), 0);
    assert_eq!(tracker.live(), 0);
    let causes = causes.lock().unwrap();
    assert_eq!(causes.len(), 5);
    for cause in causes.iter() {
        assert_eq!(
            cause.as_ref().and_then(Cause::task).and_then(|t| t.name()),
            Some("failing"),
            "{cause:?}"
        );
    }
}

/// CPython: an error in the body cancels the children.
#[taskgroup::test]
async fn body_error_cancels_children() {
    let tracker = Tracker::new();
    let causes = causes();
    let result: Result<(), &str> = scope!(name = "loader"; {
        for _ in 0..3 {
            spawn!(wait_forever(tracker.alive(), causes.clone()));
        }
        tokio::task::yield_now().await; // the children are running
        Err("body failed")
    });
    let scope_line = line!() - 7;
    assert_eq!(result, Err("body failed"));
    assert_eq!(tracker.finished(), 0);
    assert_eq!(tracker.live(), 0);
    for cause in causes.lock().unwrap().iter() {
        let Some(Cause::BodyFailed(info)) = cause else {
            panic!("expected BodyFailed, got {cause:?}");
        };
        assert_eq!(info.name(), Some("loader"));
        assert_eq!(info.location().line(), scope_line);
        assert!(cause.as_ref().unwrap().to_string().contains("\"loader\""));
    }
}

/// A cancelled child is dropped at its next poll, even when it was woken
/// for another reason: it never runs past the await it was parked on.
#[taskgroup::test]
async fn cancelled_child_is_dropped_not_resumed() {
    let tracker = Tracker::new();
    let notify = Arc::new(Notify::new());
    let resumed = Arc::new(AtomicBool::new(false));
    scope! {
        let (notify2, resumed2, alive) = (notify.clone(), resumed.clone(), tracker.alive());
        spawn!(async move {
            notify2.notified().await;
            reached(&resumed2);
            alive.finish();
        });
        tokio::task::yield_now().await; // the child is parked on `notified`
        notify.notify_one(); // woken...
        cancel!(); // ...and cancelled before it runs again
    };
    assert!(!resumed.load(SeqCst));
    assert_eq!(tracker.finished(), 0);
    assert_eq!(tracker.live(), 0);
}

/// CPython: cancelling the task that runs the group (here: dropping the
/// scope's future, as `timeout` does) cancels every child. The children
/// stop at their next poll; `cause()` in their `Drop` says the scope was
/// dropped, and which scope.
#[taskgroup::test(start_paused = true)]
async fn scope_future_dropped_by_timeout_cancels_children() {
    let tracker = Tracker::new();
    let causes = causes();
    let scope_line = line!() + 2;
    let timed_out = tokio::time::timeout(Duration::from_secs(1), async {
        scope!(name = "fetcher"; {
            for _ in 0..4 {
                spawn!(wait_forever(tracker.alive(), causes.clone()));
            }
            forever::<()>().await
        })
    })
    .await;
    assert!(timed_out.is_err());
    tracker.wait_idle().await;
    assert_eq!(tracker.started(), 4);
    assert_eq!(tracker.live(), 0);
    let causes = causes.lock().unwrap();
    assert_eq!(causes.len(), 4);
    for cause in causes.iter() {
        let Some(Cause::Dropped(info)) = cause else {
            panic!("expected Dropped, got {cause:?}");
        };
        assert_eq!(info.name(), Some("fetcher"));
        assert_eq!(info.location().line(), scope_line);
        assert!(info.location().file().ends_with("cancellation.rs"));
    }
}

#[nursery(name = "crawler")]
async fn crawl(tracker: Tracker, causes: Causes, started: mpsc::UnboundedSender<()>) {
    for _ in 0..3 {
        let (alive, causes, started) = (tracker.alive(), causes.clone(), started.clone());
        spawn!(async move {
            started.send(()).unwrap();
            wait_forever(alive, causes).await
        });
    }
    forever::<()>().await
}
const CRAWL_LINE: u32 = line!() - 11;

/// The future of a `#[nursery]` fn dropped by `select!` once its children
/// are provably running (each sent a message): they are all cancelled.
#[taskgroup::test(flavor = "multi_thread", worker_threads = 2)]
async fn nursery_future_dropped_by_select_cancels_children() {
    let tracker = Tracker::new();
    let causes = causes();
    let (started_tx, mut started_rx) = mpsc::unbounded_channel();
    tokio::select! {
        () = crawl(tracker.clone(), causes.clone(), started_tx) => unreachable!(),
        () = async { for _ in 0..3 { started_rx.recv().await.unwrap(); } } => {}
    }
    tokio::time::timeout(Duration::from_secs(10), tracker.wait_idle())
        .await
        .expect("children still alive after their scope was dropped");
    assert_eq!(tracker.started(), 3);
    assert_eq!(tracker.finished(), 0);
    let causes = causes.lock().unwrap();
    assert_eq!(causes.len(), 3);
    for cause in causes.iter() {
        let Some(Cause::Dropped(info)) = cause else {
            panic!("expected Dropped, got {cause:?}");
        };
        assert_eq!(info.name(), Some("crawler"));
        assert_eq!(info.location().line(), CRAWL_LINE);
    }
}

/// `cancel!()`: the children are cancelled and joined, the body goes on and
/// its value is the scope's value; no new child starts afterwards.
#[taskgroup::test]
async fn cancel_stops_children_and_the_body_goes_on() {
    let tracker = Tracker::new();
    let late_child_ran = Arc::new(AtomicBool::new(false));
    let value = scope! {
        let done = spawn!(async { 7 });
        for _ in 0..3 {
            spawn!(wait_forever(tracker.alive(), causes()));
        }
        let seven = done.await; // finished before the cancel: keeps its value
        assert!(!taskgroup::is_cancelled());
        cancel!();
        assert!(taskgroup::is_cancelled());
        assert!(try_spawn!(async {}).is_none());
        let flag = late_child_ran.clone();
        let late = spawn!(async move { reached(&flag) });
        assert!(late.is_finished(), "a refused child is never running");
        drop(late);
        tokio::task::yield_now().await;
        format!("body went on, got {seven}")
    };
    assert_eq!(value, "body went on, got 7");
    assert!(!late_child_ran.load(SeqCst));
    assert_eq!(tracker.finished(), 0);
    assert_eq!(tracker.live(), 0);
}

/// `cancel!()` in a fallible scope is not a failure: `Ok` comes through.
#[taskgroup::test]
async fn cancel_in_a_fallible_scope_returns_the_body_value() {
    let tracker = Tracker::new();
    let result: Result<u8, String> = scope! {
        spawn!(wait_forever(tracker.alive(), causes()));
        cancel!();
        cancel!(); // idempotent
        Ok(1)
    };
    assert_eq!(result, Ok(1));
    assert_eq!(tracker.live(), 0);
}

/// The body waits for its children to have been dropped by `cancel!()`: it
/// can `await` the join of the rest with `cancelled()` (ready at once).
#[taskgroup::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_on_multi_thread_joins_running_children() {
    let tracker = Tracker::new();
    let (started_tx, mut started_rx) = mpsc::unbounded_channel();
    let value = scope! {
        for _ in 0..8 {
            let (alive, started) = (tracker.alive(), started_tx.clone());
            spawn!(async move {
                let _alive = alive;
                started.send(()).unwrap();
                forever::<()>().await
            });
        }
        for _ in 0..8 {
            started_rx.recv().await.unwrap();
        }
        cancel!();
        taskgroup::cancelled().await;
        "stopped"
    };
    assert_eq!(value, "stopped");
    assert_eq!(tracker.started(), 8);
    assert_eq!(tracker.live(), 0);
}

#[taskgroup::test]
async fn awaiting_the_handle_of_a_child_stopped_by_cancel_panics_clearly() {
    let tracker = Tracker::new();
    let outcome = catch_unwind(async {
        scope! {
            let alive = tracker.alive();
            let handle = spawn!(name = "slow", async move {
                let _alive = alive;
                forever::<u32>().await
            });
            cancel!();
            handle.await
        }
    })
    .await;
    let payload = outcome.expect_err("no value exists for a cancelled child");
    let message = panic_message(&*payload).expect("a string message");
    assert!(message.contains("cannot be awaited"), "{message}");
    assert!(message.contains("\"slow\""), "{message}");
    assert_eq!(tracker.live(), 0);
}

// `#[tokio::test]`, not `#[taskgroup::test]`: this checks what happens outside any scope.
#[tokio::test]
async fn is_cancelled_is_false_outside_and_before_true_after() {
    assert!(!taskgroup::is_cancelled());
    assert!(taskgroup::cause().is_none());
    assert!(taskgroup::cancellation_token().is_none());
    let seen_in_child = Arc::new(Mutex::new(Vec::new()));
    scope! {
        assert!(!taskgroup::is_cancelled());
        assert!(taskgroup::cause().is_none());
        let seen = seen_in_child.clone();
        spawn!(async move { seen.lock().unwrap().push(taskgroup::is_cancelled()) }).await;
        cancel!();
        assert!(taskgroup::is_cancelled());
        assert!(taskgroup::cancellation_token().unwrap().is_cancelled());
    };
    // Back outside: the ambient scope is gone.
    assert!(!taskgroup::is_cancelled());
    assert!(taskgroup::cause().is_none());
    assert_eq!(*seen_in_child.lock().unwrap(), [false]);
}

#[taskgroup::test]
async fn cause_of_cancel_names_where_it_was_called() {
    let causes = causes();
    let tracker = Tracker::new();
    let (line, in_body) = scope! {
        spawn!(wait_forever(tracker.alive(), causes.clone()));
        tokio::task::yield_now().await;
        cancel!();
        (line!() - 1, taskgroup::cause())
    };
    let Some(Cause::Cancelled { at }) = in_body else {
        panic!("expected Cancelled, got {in_body:?}");
    };
    assert_eq!(at.line(), line);
    assert!(at.file().ends_with("cancellation.rs"));
    let from_child = causes.lock().unwrap().pop().flatten();
    assert!(
        matches!(from_child, Some(Cause::Cancelled { at }) if at.line() == line),
        "{from_child:?}"
    );
    assert_eq!(tracker.live(), 0);
}

#[taskgroup::test]
async fn cause_of_a_child_panic_names_the_task_and_message() {
    let causes = causes();
    let tracker = Tracker::new();
    let outcome = catch_unwind(async {
        scope! {
            spawn!(wait_forever(tracker.alive(), causes.clone()));
            tokio::task::yield_now().await;
            spawn!(name = "exploder", boom());
        }
    })
    .await;
    assert!(outcome.is_err());
    let cause = causes.lock().unwrap().pop().flatten();
    let Some(Cause::TaskPanicked { task, message }) = &cause else {
        panic!("expected TaskPanicked, got {cause:?}");
    };
    assert_eq!(task.name(), Some("exploder"));
    assert_eq!(message.as_deref(), Some("boom"));
    assert_eq!(
        cause.as_ref().unwrap().task().unwrap().name(),
        Some("exploder")
    );
    assert_eq!(tracker.live(), 0);
}

#[taskgroup::test]
async fn cause_of_a_body_panic() {
    let causes = causes();
    let tracker = Tracker::new();
    let outcome = catch_unwind(async {
        scope!(name = "panicky"; {
            spawn!(wait_forever(tracker.alive(), causes.clone()));
            tokio::task::yield_now().await;
            explode("body exploded");
        })
    })
    .await;
    assert_eq!(panic_message(&*outcome.unwrap_err()), Some("body exploded"));
    let cause = causes.lock().unwrap().pop().flatten();
    let Some(Cause::BodyPanicked { scope, message }) = &cause else {
        panic!("expected BodyPanicked, got {cause:?}");
    };
    assert_eq!(scope.name(), Some("panicky"));
    assert_eq!(message.as_deref(), Some("body exploded"));
    assert!(cause.as_ref().unwrap().task().is_none());
    assert_eq!(tracker.live(), 0);
}

/// `cancelled()` is `Send + 'static`: taken inside the scope, it can be
/// awaited anywhere, and completes when the scope is cancelled.
#[taskgroup::test]
async fn cancelled_future_completes_when_the_scope_fails() {
    let (tx, rx) = oneshot::channel();
    let (go_tx, go_rx) = oneshot::channel::<()>();
    let woke = Arc::new(AtomicBool::new(false));
    let watcher = {
        let woke = woke.clone();
        async move {
            let cancelled = rx.await.unwrap();
            go_tx.send(()).unwrap();
            cancelled.await;
            reached(&woke);
        }
    };
    let (result, ()) = tokio::join!(
        async {
            let result: Result<(), &str> = scope! {
                tx.send(taskgroup::cancelled()).ok().unwrap();
                spawn!(async move {
                    go_rx.await.unwrap();
                    Err::<(), _>("failed")
                });
                Ok(())
            };
            result
        },
        watcher,
    );
    assert_eq!(result, Err("failed"));
    assert!(woke.load(SeqCst));
}

#[taskgroup::test(start_paused = true)]
async fn cancelled_never_completes_outside_a_scope_or_in_a_live_one() {
    let outside = tokio::time::timeout(Duration::from_secs(60), taskgroup::cancelled()).await;
    assert!(outside.is_err());
    let inside = scope! {
        tokio::time::timeout(Duration::from_secs(60), taskgroup::cancelled()).await
    };
    assert!(inside.is_err());
}

/// A child of a nested scope (opened inside a task) wakes from
/// `cancelled()` when a task of the *outer* scope fails, and sees the cause
/// as `Cause::Parent` wrapping the outer failure. Single-threaded: the
/// grandchild runs as soon as the token is cancelled, before the task that
/// hosts the nested scope is dropped.
#[taskgroup::test(flavor = "current_thread")]
async fn nested_child_sees_parent_cancellation_as_cause_parent() {
    let seen = Arc::new(Mutex::new(None));
    let tracker = Tracker::new();
    let mut failing_line = 0;
    let result: Result<(), &str> = scope! {
        let (seen, alive) = (seen.clone(), tracker.alive());
        spawn!(async move {
            scope! {
                spawn!(async move {
                    let _alive = alive;
                    assert!(!taskgroup::is_cancelled());
                    // Aborted at this await; the guard's `Drop` observes.
                    let _observe = common::on_drop(move || {
                        assert!(taskgroup::is_cancelled());
                        *seen.lock().unwrap() = taskgroup::cause();
                    });
                    std::future::pending::<()>().await;
                });
            };
            Ok::<(), &str>(())
        });
        tokio::task::yield_now().await; // the grandchild waits
        spawn!(name = "outer-failure", async { Err::<(), _>("outer") });
        failing_line = line!() - 1;
        Ok(())
    };
    assert_eq!(result, Err("outer"));
    let cause = seen.lock().unwrap().take();
    let Some(Cause::Parent(parent)) = &cause else {
        panic!("expected Cause::Parent, got {cause:?}");
    };
    assert!(matches!(&**parent, Cause::TaskFailed(t) if t.name() == Some("outer-failure")));
    let task = cause.as_ref().unwrap().task().expect("root task");
    assert_eq!(task.location().line(), failing_line);
    assert!(cause
        .as_ref()
        .unwrap()
        .to_string()
        .starts_with("an enclosing scope was cancelled"));
    assert_eq!(tracker.live(), 0);
}

/// The same, observed where cancellation is usually observed: in the `Drop`
/// of a grandchild's future. Its root cause must still be the outer task's
/// failure, not "the nested scope was dropped".
#[taskgroup::test]
async fn nested_child_drop_sees_the_root_cause() {
    let causes = causes();
    let tracker = Tracker::new();
    let result: Result<(), &str> = scope! {
        let (alive, causes2) = (tracker.alive(), causes.clone());
        spawn!(async move {
            scope! { spawn!(wait_forever(alive, causes2)); };
            Ok::<(), &str>(())
        });
        tokio::task::yield_now().await;
        spawn!(name = "outer-failure", async { Err::<(), _>("outer") });
        Ok(())
    };
    assert_eq!(result, Err("outer"));
    let cause = causes.lock().unwrap().pop().flatten();
    assert_eq!(
        cause.as_ref().and_then(Cause::task).and_then(|t| t.name()),
        Some("outer-failure"),
        "{cause:?}"
    );
    assert_eq!(tracker.live(), 0);
}

/// `cancellation_token()` is a child token: cancelling it does not cancel
/// the scope.
#[taskgroup::test]
async fn cancelling_the_ambient_token_does_not_cancel_the_scope() {
    let finished = Arc::new(AtomicUsize::new(0));
    scope! {
        taskgroup::cancellation_token().unwrap().cancel();
        assert!(!taskgroup::is_cancelled());
        let finished = finished.clone();
        spawn!(async move {
            tokio::task::yield_now().await;
            finished.fetch_add(1, SeqCst);
        });
    };
    assert_eq!(finished.load(SeqCst), 1);
}

/// The body is a future being cancelled too: when a child's failure drops
/// it, a `Drop` impl in the body sees why.
#[taskgroup::test]
async fn body_drop_sees_the_cause_of_a_failure() {
    let seen = Arc::new(Mutex::new(None));
    let record = seen.clone();
    let result: Result<(), &str> = scope! {
        let _guard = on_drop(move || {
            *record.lock().unwrap() = Some((taskgroup::is_cancelled(), taskgroup::cause()));
        });
        spawn!(name = "failing", async { Err::<(), _>("failed") });
        forever::<Result<(), &str>>().await
    };
    assert_eq!(result, Err("failed"));
    let seen = seen.lock().unwrap().take().expect("the body was dropped");
    assert!(seen.0);
    assert!(
        matches!(&seen.1, Some(Cause::TaskFailed(t)) if t.name() == Some("failing")),
        "{seen:?}"
    );
}

/// When the scope's own future is dropped (here by a timeout), a `Drop`
/// impl in the body should see the cancellation (`Cause::Dropped`), as the
/// children's do.
#[taskgroup::test(start_paused = true)]
async fn body_drop_sees_that_the_scope_was_dropped() {
    let seen = Arc::new(Mutex::new(None));
    let record = seen.clone();
    let timed_out = tokio::time::timeout(Duration::from_secs(1), async move {
        scope! {
            let _guard = on_drop(move || {
                *record.lock().unwrap() = Some((taskgroup::is_cancelled(), taskgroup::cause()));
            });
            forever::<()>().await
        }
    })
    .await;
    assert!(timed_out.is_err());
    let seen = seen.lock().unwrap().take().expect("the body was dropped");
    assert!(seen.0, "is_cancelled() in the body's Drop: {seen:?}");
    assert!(matches!(seen.1, Some(Cause::Dropped(_))), "{seen:?}");
}
