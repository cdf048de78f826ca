//! Panics: a panicking child cancels the scope; the first panic is resumed after the join.
//!
//! Panics: a panicking child (or body) cancels the scope like an error; once
//! every child has stopped, the first panic is resumed in the caller with
//! its original payload. The process never aborts, and a panic raised while
//! a child is being dropped is not lost.

mod common;

use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;

use common::{boom, catch_unwind, forever, on_drop, panic_message, Alive, Tracker};
use taskgroup::scope;

/// A child that waits forever, holding `alive`.
async fn wait_forever(alive: Alive) {
    let _alive = alive;
    forever::<()>().await
}

async fn formatted_panic(code: u32) {
    panic!("code {code}")
}

#[derive(Debug, PartialEq)]
struct CustomPayload(u32);

async fn custom_panic() {
    std::panic::panic_any(CustomPayload(7))
}

/// Panics with `message` when dropped (unless already panicking).
struct PanicOnDrop(&'static str);

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            panic!("{}", self.0)
        }
    }
}

fn explode(message: &str) {
    panic!("{message}")
}

#[taskgroup::test]
async fn child_panic_str_payload_is_resumed_after_every_child_stopped() {
    let tracker = Tracker::new();
    let outcome = catch_unwind(async {
        scope! {
            for _ in 0..3 {
                spawn!(wait_forever(tracker.alive()));
            }
            tokio::task::yield_now().await;
            spawn!(boom());
        }
    })
    .await;
    // Checked at the moment the panic reaches the caller.
    assert_eq!(tracker.live(), 0);
    let payload = outcome.expect_err("the child's panic is resumed");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
    assert_eq!(tracker.started(), 3);
}

#[taskgroup::test]
async fn child_panic_string_payload_is_resumed() {
    let outcome = catch_unwind(async {
        let _: Result<(), String> = scope! {
            spawn!(formatted_panic(42));
            Ok(())
        };
    })
    .await;
    let payload = outcome.unwrap_err();
    assert_eq!(
        payload.downcast_ref::<String>().map(String::as_str),
        Some("code 42")
    );
}

#[taskgroup::test]
async fn child_panic_custom_payload_is_resumed_unchanged() {
    let outcome = catch_unwind(async {
        scope! {
            spawn!(custom_panic());
        }
    })
    .await;
    let payload = outcome.unwrap_err();
    assert_eq!(
        payload.downcast_ref::<CustomPayload>(),
        Some(&CustomPayload(7))
    );
}

#[taskgroup::test]
async fn body_panic_is_resumed_after_children_stopped() {
    let tracker = Tracker::new();
    let outcome = catch_unwind(async {
        let _: Result<(), String> = scope! {
            for _ in 0..3 {
                spawn!(wait_forever(tracker.alive()));
            }
            tokio::task::yield_now().await;
            explode("body panicked");
            Ok(())
        };
    })
    .await;
    assert_eq!(tracker.live(), 0);
    assert_eq!(panic_message(&*outcome.unwrap_err()), Some("body panicked"));
}

/// A child panics first; while the siblings are being cancelled, one of
/// them panics again in its `Drop`. Only the first panic is resumed.
#[taskgroup::test]
async fn only_the_first_panic_is_resumed() {
    let tracker = Tracker::new();
    let second_happened = Arc::new(AtomicBool::new(false));
    let outcome = catch_unwind(async {
        scope! {
            let (alive, flag) = (tracker.alive(), second_happened.clone());
            spawn!(async move {
                let _alive = alive;
                let _mark = on_drop(move || flag.store(true, SeqCst));
                let _second = PanicOnDrop("second");
                forever::<()>().await
            });
            spawn!(wait_forever(tracker.alive()));
            tokio::task::yield_now().await;
            spawn!(async { explode("first") });
        }
    })
    .await;
    assert!(second_happened.load(SeqCst));
    assert_eq!(panic_message(&*outcome.unwrap_err()), Some("first"));
    assert_eq!(tracker.live(), 0);
}

/// A child's `Drop` panics while `cancel!()` stops it: the body's value is
/// lost, the panic is not.
#[taskgroup::test]
async fn panic_in_a_child_drop_during_cancel_is_resumed() {
    let tracker = Tracker::new();
    let outcome = catch_unwind(async {
        scope! {
            let alive = tracker.alive();
            spawn!(async move {
                let _alive = alive;
                let _guard = PanicOnDrop("panicked while being cancelled");
                forever::<()>().await
            });
            tokio::task::yield_now().await;
            cancel!();
            "body value"
        }
    })
    .await;
    let payload = outcome.expect_err("the Drop panic must not be lost");
    assert_eq!(
        panic_message(&*payload),
        Some("panicked while being cancelled")
    );
    assert_eq!(tracker.live(), 0);
}

/// The same during cancellation by a sibling's error: the panic is resumed
/// rather than the error returned (panics are never lost).
#[taskgroup::test]
async fn panic_in_a_child_drop_during_error_cancellation_is_resumed() {
    let tracker = Tracker::new();
    let outcome = catch_unwind(async {
        let result: Result<(), &str> = scope! {
            let alive = tracker.alive();
            spawn!(async move {
                let _alive = alive;
                let _guard = PanicOnDrop("drop panic");
                forever::<()>().await
            });
            tokio::task::yield_now().await;
            spawn!(async { Err::<(), _>("error") });
            Ok(())
        };
        result
    })
    .await;
    let payload = outcome.expect_err("the Drop panic must not be lost");
    assert_eq!(panic_message(&*payload), Some("drop panic"));
    assert_eq!(tracker.live(), 0);
}

/// The body holds a guard that panics when the body is dropped because a
/// child failed: that panic is resumed too.
#[taskgroup::test]
async fn panic_in_the_body_drop_is_resumed() {
    let outcome = catch_unwind(async {
        let result: Result<(), &str> = scope! {
            let _guard = PanicOnDrop("body dropped");
            spawn!(async { Err::<(), _>("child error") });
            forever::<Result<(), &str>>().await
        };
        result
    })
    .await;
    assert_eq!(panic_message(&*outcome.unwrap_err()), Some("body dropped"));
}

/// The body awaits the handle of a child that panics: the `.await` never
/// returns (the body is dropped), and the resumed panic is the child's.
#[taskgroup::test]
async fn awaiting_a_panicked_child_resumes_the_child_panic() {
    let after_await = AtomicBool::new(false);
    let outcome = catch_unwind(async {
        scope! {
            let handle = spawn!(boom());
            handle.await;
            after_await.store(true, SeqCst);
        }
    })
    .await;
    assert!(!after_await.load(SeqCst));
    assert_eq!(panic_message(&*outcome.unwrap_err()), Some("boom"));
}

/// A panic two scopes deep comes out of the outer scope with its payload.
#[taskgroup::test]
async fn panic_propagates_through_nested_scopes_with_its_payload() {
    let tracker = Tracker::new();
    let outcome = catch_unwind(async {
        scope! {
            spawn!(wait_forever(tracker.alive()));
            let alive = tracker.alive();
            spawn!(async move {
                scope! {
                    spawn!(wait_forever(alive));
                    spawn!(custom_panic());
                }
            });
        }
    })
    .await;
    assert_eq!(
        outcome.unwrap_err().downcast_ref::<CustomPayload>(),
        Some(&CustomPayload(7))
    );
    assert_eq!(tracker.live(), 0);
}

/// The process does not abort and the runtime keeps working: after many
/// caught panics on worker threads, scopes still run.
#[taskgroup::test(flavor = "multi_thread", worker_threads = 2)]
async fn panics_never_take_down_the_runtime() {
    let tracker = Tracker::new();
    for _ in 0..20 {
        let outcome = catch_unwind(async {
            scope! {
                spawn!(wait_forever(tracker.alive()));
                spawn!(boom());
                spawn!(boom());
            }
        })
        .await;
        assert_eq!(panic_message(&*outcome.unwrap_err()), Some("boom"));
    }
    let sum = scope! {
        let a = spawn!(async { 1 });
        let b = spawn!(async { 2 });
        a.await + b.await
    };
    assert_eq!(sum, 3);
    assert_eq!(tracker.live(), 0);
}

/// A scope's panic inside a tokio task surfaces as that task's panic with
/// the original payload, like any other panic.
#[taskgroup::test]
async fn panic_inside_a_tokio_task_is_a_join_error_with_the_payload() {
    let error = tokio::spawn(async {
        scope! {
            spawn!(formatted_panic(9));
        }
    })
    .await
    .unwrap_err();
    assert!(error.is_panic());
    let payload = error.into_panic();
    assert_eq!(
        payload.downcast_ref::<String>().map(String::as_str),
        Some("code 9")
    );
}

/// A child of a nested scope (inside a task) panics; before the nested
/// scope has joined and resumed that panic, a task of the outer scope fails
/// (woken by the panicking child just before it panicked), and the outer
/// scope drops the task holding the nested scope. The panic came first and
/// panics are never lost: the outer scope must resume it.
#[taskgroup::test(flavor = "current_thread")]
async fn panic_in_a_nested_scope_is_not_lost_when_the_outer_scope_fails() {
    let tracker = Tracker::new();
    let outcome = catch_unwind(async {
        let result: Result<(), &str> = scope! {
            let (tx, rx) = tokio::sync::oneshot::channel::<()>();
            let t = tracker.clone();
            spawn!(async move {
                scope! {
                    spawn!(wait_forever(t.alive()));
                    tokio::task::yield_now().await;
                    spawn!(async move {
                        tx.send(()).unwrap();
                        boom().await
                    });
                };
                Ok::<(), &str>(())
            });
            spawn!(async move {
                rx.await.unwrap();
                Err::<(), _>("outer failed after the panic")
            });
            Ok(())
        };
        result
    })
    .await;
    let payload = outcome.expect_err("the panic was lost");
    assert_eq!(panic_message(&*payload), Some("boom"));
    assert_eq!(tracker.live(), 0);
}

/// The ambient scope (a thread-local) is restored when a panic unwinds out
/// of a scope: code after it is outside any scope again.
// `#[tokio::test]`, not `#[taskgroup::test]`: this checks what happens outside any scope.
#[tokio::test]
async fn ambient_scope_is_restored_after_a_panic() {
    let outcome = catch_unwind(async {
        scope! {
            spawn!(boom());
            explode("body");
        }
    })
    .await;
    assert!(outcome.is_err());
    assert!(!taskgroup::is_cancelled());
    assert!(taskgroup::cause().is_none());
    assert!(taskgroup::cancellation_token().is_none());
}
