//! Nested scopes: the innermost scope binds, cancellation flows down, failures stay inside.
//!
//! Nested scopes: `spawn!` binds to the innermost scope (also inside a
//! spawned task), an enclosing scope's cancellation reaches the nested
//! scopes and their children, and a nested scope's failure stays inside it
//! unless it is propagated. Ports of CPython's nested TaskGroup tests and
//! its recursive "hydra" test.

mod common;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{forever, Alive, Tracker};
use taskgroup::{nursery, scope, Cause};
use tokio::sync::oneshot;

async fn wait_forever(alive: Alive) {
    let _alive = alive;
    forever::<()>().await
}

/// A child of the inner scope that can only finish after the inner body
/// has finished: if it were bound to the outer scope, the inner scope would
/// return before it ran.
#[taskgroup::test(flavor = "current_thread")]
async fn inner_spawn_binds_to_the_innermost_scope() {
    let tracker = Tracker::new();
    let inner_child_done = Arc::new(AtomicBool::new(false));
    let outer: u32 = scope! {
        let outer_child = spawn!(async { 1u32 });
        let inner = scope! {
            let (tx, rx) = oneshot::channel::<()>();
            let (flag, alive) = (inner_child_done.clone(), tracker.alive());
            spawn!(async move {
                let _ = rx.await;
                flag.store(true, SeqCst);
                alive.finish();
            });
            drop(tx);
            10u32
        };
        // The inner scope has joined its own child already.
        assert!(inner_child_done.load(SeqCst), "inner child outlived its scope");
        inner + outer_child.await
    };
    assert_eq!(outer, 11);
    assert_eq!(tracker.finished(), 1);
    assert_eq!(tracker.live(), 0);
}

/// `cancel!()` in the inner scope cancels the inner children only.
#[taskgroup::test]
async fn inner_cancel_does_not_touch_the_outer_scope() {
    let tracker = Tracker::new();
    let value = scope! {
        let (tx, rx) = oneshot::channel::<()>();
        let alive = tracker.alive();
        let outer_child = spawn!(async move {
            let _ = rx.await;
            alive.finish();
            "outer child finished"
        });
        let inner = scope! {
            spawn!(wait_forever(tracker.alive()));
            cancel!();
            taskgroup::is_cancelled()
        };
        assert!(inner);
        assert!(!taskgroup::is_cancelled());
        drop(tx);
        outer_child.await
    };
    assert_eq!(value, "outer child finished");
    assert_eq!(tracker.started(), 2);
    assert_eq!(tracker.finished(), 1);
    assert_eq!(tracker.live(), 0);
}

/// A `scope!` inside a spawned task: its `spawn!` binds to it, and it joins
/// before the task returns.
#[taskgroup::test]
async fn scope_inside_a_spawned_task() {
    let tracker = Tracker::new();
    let result: Result<u32, String> = scope! {
        let alive = tracker.alive();
        let task = spawn!(async move {
            let inner_done = Arc::new(AtomicBool::new(false));
            let flag = inner_done.clone();
            let sum = scope! {
                let (tx, rx) = oneshot::channel::<()>();
                spawn!(async move {
                    let _ = rx.await;
                    flag.store(true, SeqCst);
                });
                let a = spawn!(async { 20u32 });
                let b = spawn!(async { 22u32 });
                drop(tx);
                a.await + b.await
            };
            assert!(inner_done.load(SeqCst), "inner child outlived its scope");
            alive.finish();
            Ok(sum)
        });
        Ok(task.await)
    };
    assert_eq!(result, Ok(42));
    assert_eq!(tracker.finished(), 1);
    assert_eq!(tracker.live(), 0);
}

#[nursery]
async fn fetch_pair(base: u32, tracker: Tracker) -> Result<u32, String> {
    let alive = tracker.alive();
    let a = spawn!(async move {
        alive.finish();
        Ok(base)
    });
    let b = spawn!(async move { Ok(base + 1) });
    Ok(a.await + b.await)
}

#[taskgroup::test]
async fn nursery_fns_called_from_children_nest() {
    let tracker = Tracker::new();
    let result: Result<u32, String> = scope! {
        let handles: Vec<_> = (0..4)
            .map(|i| spawn!(fetch_pair(i * 10, tracker.clone())))
            .collect();
        let mut total = 0;
        for handle in handles {
            total += handle.await;
        }
        Ok(total)
    };
    // (0+1) + (10+11) + (20+21) + (30+31)
    assert_eq!(result, Ok(124));
    assert_eq!(tracker.finished(), 4);
    assert_eq!(tracker.live(), 0);
}

/// A nested scope's error is a value in the enclosing body: the outer
/// scope, its children and its body are not cancelled.
#[taskgroup::test]
async fn inner_failure_does_not_cancel_the_outer_scope() {
    let tracker = Tracker::new();
    let result: Result<String, String> = scope! {
        let (tx, rx) = oneshot::channel::<()>();
        let alive = tracker.alive();
        let sibling = spawn!(async move {
            let _ = rx.await;
            alive.finish();
            Ok("sibling ok")
        });
        let inner: Result<(), String> = scope! {
            spawn!(wait_forever(tracker.alive()));
            spawn!(async { Err::<(), _>("inner failed".to_string()) });
            Ok(())
        };
        assert_eq!(inner, Err("inner failed".to_string()));
        assert!(!taskgroup::is_cancelled());
        assert!(taskgroup::cause().is_none());
        drop(tx);
        Ok(format!("{} after {}", sibling.await, inner.unwrap_err()))
    };
    assert_eq!(result.as_deref(), Ok("sibling ok after inner failed"));
    assert_eq!(tracker.started(), 2);
    assert_eq!(tracker.finished(), 1);
    assert_eq!(tracker.live(), 0);
}

/// ... unless the body propagates it (`?`): then the outer scope fails and
/// cancels its other children.
#[taskgroup::test]
async fn propagated_inner_failure_cancels_the_outer_scope() {
    let tracker = Tracker::new();
    let result: Result<(), String> = scope! {
        spawn!(wait_forever(tracker.alive()));
        let inner: Result<(), String> = scope! {
            spawn!(async { Err::<(), _>("inner failed".to_string()) });
            Ok(())
        };
        inner?;
        forever::<Result<(), String>>().await
    };
    assert_eq!(result, Err("inner failed".to_string()));
    assert_eq!(tracker.started(), 1);
    assert_eq!(tracker.finished(), 0);
    assert_eq!(tracker.live(), 0);
}

/// The same when the nested scope runs in a task: the task returns the
/// inner error as its own `Err`, which fails the outer scope.
#[taskgroup::test]
async fn inner_failure_in_a_task_fails_the_outer_scope_through_the_task() {
    let tracker = Tracker::new();
    let result: Result<(), String> = scope! {
        spawn!(wait_forever(tracker.alive()));
        spawn!(async {
            let inner: Result<(), String> = scope! {
                spawn!(async { Err::<(), _>("deep".to_string()) });
                Ok(())
            };
            inner
        });
        Ok(())
    };
    assert_eq!(result, Err("deep".to_string()));
    assert_eq!(tracker.live(), 0);
}

/// CPython: cancelling the outer group reaches the grandchildren. A task of
/// the outer scope fails; grandchildren in a nested scope inside a sibling
/// task are dropped, and have stopped when the outer scope returns.
#[taskgroup::test(flavor = "current_thread")]
async fn outer_failure_reaches_grandchildren_in_a_task() {
    let tracker = Tracker::new();
    let result: Result<(), &str> = scope! {
        let alive = tracker.alive();
        let t = tracker.clone();
        spawn!(async move {
            let _alive = alive;
            scope! {
                for _ in 0..3 {
                    spawn!(wait_forever(t.alive()));
                }
                forever::<()>().await
            };
            Ok::<(), &str>(())
        });
        tokio::task::yield_now().await;
        spawn!(async { Err::<(), _>("outer child failed") });
        Ok(())
    };
    assert_eq!(result, Err("outer child failed"));
    assert_eq!(tracker.started(), 4);
    assert_eq!(tracker.finished(), 0);
    assert_eq!(tracker.live(), 0);
}

/// The same with the nested scope in the outer *body*: the failing outer
/// scope drops its body, and with it the nested scope, whose children must
/// have stopped before the outer scope returns (join guarantee: nothing
/// spawned inside a scope outlives it, however deep).
#[taskgroup::test(flavor = "current_thread")]
async fn outer_failure_reaches_grandchildren_in_the_body() {
    let tracker = Tracker::new();
    let result: Result<(), &str> = scope! {
        let (go_tx, go_rx) = oneshot::channel::<()>();
        spawn!(async move {
            let _ = go_rx.await;
            Err::<(), _>("outer child failed")
        });
        scope! {
            for _ in 0..3 {
                spawn!(wait_forever(tracker.alive()));
            }
            tokio::task::yield_now().await;
            drop(go_tx);
            forever::<()>().await
        };
        Ok(())
    };
    assert_eq!(result, Err("outer child failed"));
    assert_eq!(tracker.started(), 3);
    assert_eq!(tracker.live(), 0, "grandchildren outlived the outer scope");
}

/// `cancel!()` on the outer scope while its body awaits a nested scope:
/// the nested scope's children are cancelled too, its body sees the
/// enclosing cancellation (`Cause::Parent`) and goes on, and nothing hangs.
#[taskgroup::test(start_paused = true)]
async fn outer_cancel_reaches_a_nested_scope_in_the_body() {
    let tracker = Tracker::new();
    let outcome = tokio::time::timeout(Duration::from_secs(60), async {
        scope! {
            let (inner, cancel_at) = tokio::join!(
                async {
                    scope! {
                        for _ in 0..3 {
                            spawn!(wait_forever(tracker.alive()));
                        }
                        taskgroup::cancelled().await;
                        (taskgroup::is_cancelled(), taskgroup::cause())
                    }
                },
                async {
                    tokio::task::yield_now().await;
                    cancel!();
                    line!() - 1
                },
            );
            (inner, cancel_at)
        }
    })
    .await;
    let ((cancelled, cause), cancel_at) = outcome.expect("the outer scope hung");
    assert!(cancelled);
    let Some(Cause::Parent(parent)) = &cause else {
        panic!("expected Cause::Parent, got {cause:?}");
    };
    assert!(
        matches!(&**parent, Cause::Cancelled { at } if at.line() == cancel_at),
        "{parent:?}"
    );
    assert_eq!(tracker.started(), 3);
    assert_eq!(tracker.live(), 0);
}

/// A nested scope opened after the enclosing scope was cancelled with
/// `cancel!()`: it is cancelled from the start (no child starts), its body
/// runs and returns, and the enclosing body goes on.
#[taskgroup::test(start_paused = true)]
async fn nested_scope_opened_after_cancel_is_born_cancelled() {
    let ran = Arc::new(AtomicBool::new(false));
    let outcome = tokio::time::timeout(Duration::from_secs(60), async {
        scope! {
            cancel!();
            let flag = ran.clone();
            let inner = scope! {
                assert!(taskgroup::is_cancelled());
                let refused = try_spawn!(async {}).is_none();
                let handle = spawn!(async move { flag.store(true, SeqCst) });
                (refused, handle.is_finished())
            };
            (inner, "outer body went on")
        }
    })
    .await;
    assert_eq!(outcome.expect("hung"), ((true, true), "outer body went on"));
    assert!(!ran.load(SeqCst));
}

/// A scope whose *ancestor* is cancelled refuses new children, even before
/// its own runner has noticed: `is_cancelled()` already says `true`, so
/// `try_spawn!` must say `None` and no child may start. The nested body
/// below is busy (inside one poll) when the outer sibling fails, then tries
/// to spawn. (Recorded in flags rather than asserted in the body: a panic
/// there could be lost, see `tests/panics.rs`.)
#[taskgroup::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_child_starts_in_a_scope_whose_ancestor_is_cancelled() {
    let started_late = Arc::new(AtomicBool::new(false));
    let accepted = Arc::new(Mutex::new(None));
    let (ready_tx, ready_rx) = oneshot::channel::<()>();
    let result: Result<(), &str> = scope! {
        let (flag, accepted) = (started_late.clone(), accepted.clone());
        spawn!(async move {
            scope! {
                tokio::task::block_in_place(|| {
                    ready_tx.send(()).unwrap();
                    let deadline = std::time::Instant::now() + Duration::from_secs(10);
                    while !taskgroup::is_cancelled() {
                        assert!(std::time::Instant::now() < deadline);
                        std::thread::yield_now();
                    }
                });
                let handle = try_spawn!(async move { flag.store(true, SeqCst) });
                *accepted.lock().unwrap() = Some(handle.is_some());
            };
            Ok::<(), &str>(())
        });
        spawn!(async move {
            ready_rx.await.unwrap();
            Err::<(), _>("outer failed")
        });
        Ok(())
    };
    assert_eq!(result, Err("outer failed"));
    assert_eq!(
        *accepted.lock().unwrap(),
        Some(false),
        "try_spawn! accepted a child in a scope whose parent is cancelled"
    );
    assert!(
        !started_late.load(SeqCst),
        "a child started after cancellation"
    );
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// The shape of a hydra and what its heads share.
#[derive(Clone)]
struct Hydra {
    fanout: u32,
    /// The path of the leaf that fails; every other leaf then waits forever.
    fail_at: Option<Vec<u32>>,
    /// Heads await their children's handles (and sum them), or drop them.
    await_handles: bool,
    tracker: Tracker,
    leaves_done: Arc<AtomicU32>,
}

/// CPython's recursive "hydra": each head is a task that opens a scope and
/// spawns `fanout` heads, `depth` levels down.
fn hydra(depth: u32, path: Vec<u32>, h: Hydra) -> BoxFuture<Result<u32, String>> {
    Box::pin(async move {
        let alive = h.tracker.alive();
        if depth == 0 {
            match &h.fail_at {
                Some(target) if *target == path => {
                    tokio::task::yield_now().await;
                    return Err(format!("head {path:?} failed"));
                }
                Some(_) => forever::<()>().await,
                None => tokio::task::yield_now().await,
            }
            h.leaves_done.fetch_add(1, SeqCst);
            alive.finish();
            return Ok(1);
        }
        let heads: Result<u32, String> = scope! {
            let mut handles = Vec::new();
            for i in 0..h.fanout {
                let mut child_path = path.clone();
                child_path.push(i);
                let handle = spawn!(hydra(depth - 1, child_path, h.clone()));
                if h.await_handles {
                    handles.push(handle);
                } // else dropped: still joined
            }
            let mut total = 0;
            for handle in handles {
                total += handle.await;
            }
            Ok(total)
        };
        let heads = heads?;
        alive.finish();
        Ok(heads)
    })
}

fn new_hydra(fail_at: Option<Vec<u32>>, await_handles: bool) -> Hydra {
    Hydra {
        fanout: 3,
        fail_at,
        await_handles,
        tracker: Tracker::new(),
        leaves_done: Arc::new(AtomicU32::new(0)),
    }
}

async fn hydra_all_joined() {
    let h = new_hydra(None, true);
    let result = hydra(4, Vec::new(), h.clone()).await;
    assert_eq!(result, Ok(81));
    assert_eq!(h.leaves_done.load(SeqCst), 81);
    // 81 leaves + 27 + 9 + 3 + 1 heads that opened a scope.
    assert_eq!(h.tracker.finished(), 121);
    assert_eq!(h.tracker.live(), 0);
}

/// One leaf fails: the error comes out at the top, every other head is
/// cancelled. `strict`: every head has stopped when the top scope returns
/// (the join guarantee); otherwise wait for the stragglers to stop. Heads
/// drop their handles here (see `hydra_error_is_never_replaced_by_a_panic`
/// for heads that await them).
async fn hydra_one_failure_cancels_everything(strict: bool) {
    let h = new_hydra(Some(vec![2, 0, 1, 2]), false);
    let tracker = h.tracker.clone();
    let result = hydra(4, Vec::new(), h.clone()).await;
    assert_eq!(result, Err("head [2, 0, 1, 2] failed".to_string()));
    if strict {
        assert_eq!(tracker.live(), 0, "heads outlived the top scope");
    }
    tokio::time::timeout(Duration::from_secs(10), tracker.wait_idle())
        .await
        .expect("some heads were never cancelled");
    // On one thread every head starts before the failure spreads; on
    // several, some heads may be refused (cancelled before they start).
    assert!(tracker.started() <= 121);
    assert!(tracker.started() >= 5, "the failing branch was started");
    // No leaf ran to its end. (Inner heads may "finish": a nested scope
    // cancelled by its parent returns its body's value, here `Ok(0)`.)
    assert_eq!(h.leaves_done.load(SeqCst), 0);
    assert_eq!(tracker.live(), 0);
}

#[taskgroup::test(flavor = "current_thread")]
async fn hydra_all_heads_are_joined_current_thread() {
    hydra_all_joined().await;
}

#[taskgroup::test(flavor = "multi_thread", worker_threads = 2)]
async fn hydra_all_heads_are_joined_multi_thread() {
    hydra_all_joined().await;
}

#[taskgroup::test(flavor = "current_thread")]
async fn hydra_one_failure_deep_down_cancels_everything_current_thread() {
    hydra_one_failure_cancels_everything(false).await;
}

#[taskgroup::test(flavor = "multi_thread", worker_threads = 2)]
async fn hydra_one_failure_deep_down_cancels_everything_multi_thread() {
    hydra_one_failure_cancels_everything(false).await;
}

#[taskgroup::test(flavor = "current_thread")]
async fn hydra_one_failure_every_head_stopped_when_the_top_returns_current_thread() {
    hydra_one_failure_cancels_everything(true).await;
}

#[taskgroup::test(flavor = "multi_thread", worker_threads = 2)]
async fn hydra_one_failure_every_head_stopped_when_the_top_returns_multi_thread() {
    hydra_one_failure_cancels_everything(true).await;
}

/// Heads that await their children's handles (`total += handle.await`):
/// the first failure is an error, so the top scope must return that error.
/// A nested scope cancelled by its enclosing scope lets its body go on, and
/// its `handle.await` on a cancelled child panics; on several threads that
/// panic sometimes reaches the top scope (panics are kept even in a
/// cancelled scope) and replaces the error. Racy: repeated to catch it.
#[taskgroup::test(flavor = "multi_thread", worker_threads = 4)]
async fn hydra_error_is_never_replaced_by_a_panic() {
    for round in 0..300 {
        let h = new_hydra(Some(vec![2, 0, 1, 2]), true);
        let outcome = common::catch_unwind(hydra(4, Vec::new(), h.clone())).await;
        match outcome {
            Ok(result) => assert_eq!(result, Err("head [2, 0, 1, 2] failed".to_string())),
            Err(payload) => panic!(
                "round {round}: the error was replaced by a panic: {:?}",
                common::panic_message(&*payload)
            ),
        }
        tokio::time::timeout(Duration::from_secs(10), h.tracker.wait_idle())
            .await
            .expect("some heads were never cancelled");
    }
}

/// Each nested scope records its own parentage: a grandchild's `cause()`
/// is `None` while nothing is cancelled, at every level.
#[taskgroup::test]
async fn nothing_is_cancelled_at_any_level_on_success() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    scope! {
        let seen = seen.clone();
        spawn!(async move {
            scope! {
                spawn!(async move {
                    seen.lock().unwrap().push((taskgroup::is_cancelled(), taskgroup::cause().is_none()));
                });
            }
        });
    };
    assert_eq!(*seen.lock().unwrap(), [(false, true)]);
}
