//! Adversarial tests: features combined to break the README's promises.
//!
//! Each test asserts the behaviour the README promises. The ones that fail
//! are findings (their doc comment says which promise); the others are
//! attacks that held, kept as regression guards.

mod common;

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{mpsc, Arc};
use std::time::Duration;

use common::{catch_unwind, forever, multi_thread, panic_message, Tracker, HANG, REAL_HANG};
use taskgroup::{scope, Elapsed, Errors};
use tokio::sync::oneshot;
use tokio::time::{sleep, timeout};

#[derive(Debug, PartialEq)]
struct Failed(&'static str);

// ---------------------------------------------------------------------------
// spawn_scoped! × the body's own `Err`

/// Tries: a body that returns `Err` (here plainly; in real code a `?`)
/// while a `spawn_scoped!` child waits for cancellation.
/// Promise (Errors): "the first failure — a child's `Err`, the body's `Err`
/// … — cancels every other child and the body; the scope joins them all,
/// then returns that failure"; "nothing deadlocks or hangs".
/// Observed: the scope hangs forever; the body's `Err` is only seen once
/// every scoped child has finished on its own.
#[tokio::test(start_paused = true)]
async fn body_err_cancels_a_pending_scoped_child() {
    let returned = timeout(HANG, async {
        let result: Result<(), Failed> = scope! {
            spawn_scoped!(async {
                taskgroup::cancelled().await;
            });
            Err(Failed("body"))
        };
        result
    })
    .await;
    assert_eq!(
        returned.expect("the scope hung: the body's Err did not cancel the scoped child"),
        Err(Failed("body"))
    );
}

/// Records `taskgroup::cause()` when dropped.
struct CauseOnDrop(Arc<std::sync::Mutex<Option<taskgroup::Cause>>>);

impl Drop for CauseOnDrop {
    fn drop(&mut self) {
        *self.0.lock().unwrap() = taskgroup::cause();
    }
}

/// Tries: the body fails at t = 0, a `spawn_scoped!` child fails at t = 1 s.
/// Promise: "the first failure in time is the one returned and the one
/// `cause()` reports".
/// Observed: the scope waits until t = 1 s and returns the child's later
/// error; `cause()` names the child.
#[tokio::test(start_paused = true)]
async fn the_body_err_first_in_time_wins_over_a_later_scoped_child_err() {
    let start = tokio::time::Instant::now();
    let seen = Arc::new(std::sync::Mutex::new(None));
    let result: Result<(), Failed> = scope! {
        spawn_scoped!(async {
            sleep(Duration::from_secs(1)).await;
            Err::<(), _>(Failed("scoped child, 1 s"))
        });
        // Aborted at once (no grace): it sees the cause in its `Drop`.
        let guard = CauseOnDrop(seen.clone());
        spawn!(async move {
            let _guard = guard;
            std::future::pending::<()>().await
        });
        Err(Failed("body, 0 s"))
    };
    assert_eq!(result, Err(Failed("body, 0 s")));
    assert!(
        matches!(*seen.lock().unwrap(), Some(taskgroup::Cause::BodyFailed(_))),
        "cause() named {:?}",
        seen.lock().unwrap()
    );
    assert_eq!(start.elapsed(), Duration::ZERO);
}

/// Tries: `errors = all`, the body returns `Err` at t = 0, a scoped child
/// fails at t = 1 s.
/// Promise (errors = all): "every error in the order it happened".
/// Observed: the child's error comes first, the body's (earlier) second.
#[tokio::test(start_paused = true)]
async fn errors_all_keeps_the_body_err_in_time_order_with_scoped_children() {
    let result: Result<(), Errors<Failed>> = scope!(errors = all; {
        spawn_scoped!(async {
            sleep(Duration::from_secs(1)).await;
            Err::<(), Failed>(Failed("scoped child, 1 s"))
        });
        Err(Failed("body, 0 s"))
    });
    let order: Vec<&'static str> = result
        .unwrap_err()
        .into_errors()
        .into_iter()
        .map(|error| error.0)
        .collect();
    assert_eq!(order, ["body, 0 s", "scoped child, 1 s"]);
}

// ---------------------------------------------------------------------------
// spawn_scoped! × grace

/// Tries: `grace = 10 s`; a sibling fails; a `spawn_scoped!` child sees
/// `cancelled()` and needs 1 s of clean-up.
/// Promise (Time limits): grace makes cancellation two-phase "for any cause
/// (a failure, …)": "children may finish their clean-up on their own …
/// A child done within the period is never aborted"; spawn_scoped! has the
/// "same error, panic and cancellation semantics".
/// Observed: the scoped child is dropped at once with the body (its
/// clean-up never completes).
#[tokio::test(start_paused = true)]
async fn grace_lets_a_scoped_child_finish_its_clean_up_after_a_failure() {
    let cleaned = Cell::new(false);
    let result: Result<(), Failed> = scope!(grace = Duration::from_secs(10); {
        spawn_scoped!(async {
            taskgroup::cancelled().await;
            sleep(Duration::from_secs(1)).await; // clean-up
            cleaned.set(true);
        });
        spawn!(async {
            sleep(Duration::from_millis(10)).await;
            Err::<(), _>(Failed("sibling"))
        });
        forever::<()>().await;
        Ok(())
    });
    assert_eq!(result, Err(Failed("sibling")));
    assert!(
        cleaned.get(),
        "the scoped child was aborted although it finished within the grace period"
    );
}

/// Held: with `grace` and `cancel!()` (the body goes on), a scoped child
/// finishes its clean-up within the period.
#[tokio::test(start_paused = true)]
async fn grace_after_cancel_lets_a_scoped_child_finish() {
    let cleaned = Cell::new(false);
    scope!(grace = Duration::from_secs(10); {
        spawn_scoped!(async {
            taskgroup::cancelled().await;
            sleep(Duration::from_secs(1)).await;
            cleaned.set(true);
        });
        sleep(Duration::from_millis(10)).await;
        cancel!();
    });
    assert!(cleaned.get());
}

// ---------------------------------------------------------------------------
// Panicking `From<Elapsed>` (a `From` conversion of the scope's error type)

#[derive(Debug)]
struct PanickyElapsed;

impl From<Elapsed> for PanickyElapsed {
    fn from(_: Elapsed) -> Self {
        panic!("From<Elapsed> panicked")
    }
}

/// Tries: a task `timeout` with an error type whose `From<Elapsed>` panics.
/// Promise (Panics): "A panic … is never swallowed — also one raised … by
/// your `From` conversion"; "every panic is resumed exactly once".
/// Observed: the panic is raised inside the child's tokio task outside the
/// runtime's `catch_unwind`, tokio swallows it, and the scope returns
/// `Ok(())` as if the task had succeeded.
#[tokio::test(start_paused = true)]
async fn a_panicking_from_elapsed_on_a_task_timeout_is_resumed() {
    let caught = catch_unwind(async {
        let result: Result<(), PanickyElapsed> = scope! {
            spawn!(timeout = Duration::from_secs(1), forever::<()>());
            Ok(())
        };
        result
    })
    .await;
    match caught {
        Err(payload) => assert_eq!(panic_message(&*payload), Some("From<Elapsed> panicked")),
        Ok(result) => {
            panic!("the panic of From<Elapsed> was swallowed; the scope returned {result:?}")
        }
    }
}

/// Tries: a scope `timeout` with an error type whose `From<Elapsed>` panics,
/// while a child is still alive.
/// Promise: "every task has stopped when its scope returns, on every path
/// (… panic …)"; the panic is resumed "after every child has stopped".
/// Observed: the panic escapes the runner at once (it is raised in the
/// scope's own timer, outside any `catch_unwind`): the caller sees it while
/// the child is still alive.
#[tokio::test(start_paused = true)]
async fn a_panicking_from_elapsed_on_the_scope_deadline_is_resumed_after_the_join() {
    let tracker = Tracker::new();
    let caught = catch_unwind(async {
        let result: Result<(), PanickyElapsed> = scope!(timeout = Duration::from_secs(1); {
            let alive = tracker.alive();
            spawn!(async move {
                let _alive = alive;
                forever::<()>().await
            });
            forever::<()>().await;
            Ok(())
        });
        result
    })
    .await;
    let live_at_resume = tracker.live();
    let payload = caught.expect_err("the panic was swallowed");
    assert_eq!(panic_message(&*payload), Some("From<Elapsed> panicked"));
    assert_eq!(
        live_at_resume, 0,
        "the panic reached the caller while a child was still alive"
    );
}

// ---------------------------------------------------------------------------
// A body's `Err` whose `Drop` panics, dropped by the runner

#[derive(Debug)]
struct LoudDrop(&'static str);

impl Drop for LoudDrop {
    fn drop(&mut self) {
        if self.0 == "body" && !std::thread::panicking() {
            panic!("drop of the body's error")
        }
    }
}

/// Tries: a scoped child fails first; in the same poll the body would
/// return its own `Err`, whose `Drop` panics; another child is still alive.
/// Observed first: the discarded `Err` was dropped in the runner outside any
/// `catch_unwind`, and the panic escaped before the join (fixed: the runner
/// drops a losing body `Err` under `catch_unwind`). Since the extended model
/// test, the body is not polled at all once a scoped child's failure drops
/// it: the child's error is the result, the body's `Err` never exists.
#[tokio::test(start_paused = true)]
async fn a_scoped_failure_stops_the_body_before_it_returns_its_err() {
    let tracker = Tracker::new();
    let body_ran_on = Arc::new(AtomicBool::new(false));
    let caught = catch_unwind(async {
        let result: Result<(), LoudDrop> = scope! {
            let alive = tracker.alive();
            spawn!(async move {
                let _alive = alive;
                forever::<()>().await
            });
            spawn_scoped!(async { Err::<(), _>(LoudDrop("child")) });
            tokio::task::yield_now().await; // the scoped child fails in this round
            body_ran_on.store(true, SeqCst);
            Err(LoudDrop("body"))
        };
        result.map_err(|error| error.0)
    })
    .await;
    assert_eq!(tracker.live(), 0, "returned before the join");
    match caught {
        Ok(result) => assert_eq!(result, Err("child")),
        Err(payload) => panic!("unexpected panic: {:?}", panic_message(&*payload)),
    }
    assert!(
        !body_ran_on.load(SeqCst),
        "the body ran on after the failure"
    );
}

// ---------------------------------------------------------------------------
// Handles

/// Tries: `std::mem::forget` on the handle of a task whose value has a
/// destructor (a `String`).
/// Promise: "nothing deadlocks or hangs"; a handle's drop (or leak) does
/// not detach the task, and the task is joined once it stopped.
/// Observed: the scope never returns: the task's count is held by its
/// undelivered value, which lives in the leaked `JoinHandle`.
#[tokio::test(start_paused = true)]
async fn a_forgotten_handle_does_not_hang_its_scope() {
    let returned = timeout(HANG, async {
        scope! {
            let handle = spawn!(async { String::from("value with a destructor") });
            std::mem::forget(handle);
        }
    })
    .await;
    assert!(returned.is_ok(), "the scope hung on a forgotten handle");
}

/// Held: the same with a value without destructor.
#[tokio::test(start_paused = true)]
async fn a_forgotten_handle_of_a_plain_value_does_not_hang() {
    let returned = timeout(HANG, async {
        scope! {
            let handle = spawn!(async { 7u32 });
            std::mem::forget(handle);
        }
    })
    .await;
    assert!(returned.is_ok());
}

// ---------------------------------------------------------------------------
// spawn_blocking! × a queued closure dropped unrun

struct PanicOnDrop(Arc<AtomicBool>);

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        self.0.store(true, SeqCst);
        panic!("drop of an unrun blocking closure")
    }
}

/// Tries: a `spawn_blocking!` closure still queued (the blocking pool's only
/// thread is busy) when the scope is cancelled; its capture panics on drop.
/// Promise (Panics): "A panic … is never swallowed — also one raised by a
/// child's `Drop` while it is being cancelled (any kind …)".
/// Observed: the closure is dropped outside `catch_unwind` on the blocking
/// thread; tokio swallows the panic and the scope returns normally.
#[test]
fn a_panicking_drop_of_a_queued_blocking_closure_is_resumed() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .max_blocking_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let dropped = Arc::new(AtomicBool::new(false));
    let caught = runtime.block_on(async {
        timeout(
            REAL_HANG,
            catch_unwind(async {
                let (release, wait) = mpsc::channel::<()>();
                let (started, is_started) = oneshot::channel::<()>();
                let capture = PanicOnDrop(dropped.clone());
                scope! {
                    spawn_blocking!(move || {
                        started.send(()).ok();
                        wait.recv().ok();
                    });
                    is_started.await.ok(); // the only blocking thread is busy
                    spawn_blocking!(move || {
                        let _capture = &capture;
                    }); // queued
                    cancel!();
                    release.send(()).ok();
                }
            }),
        )
        .await
        .expect("hung")
    });
    assert!(dropped.load(SeqCst), "the queued closure was dropped");
    let payload = caught.expect_err("the panic of the closure's Drop was swallowed");
    assert_eq!(
        panic_message(&*payload),
        Some("drop of an unrun blocking closure")
    );
}

// ---------------------------------------------------------------------------
// Nested scope run by Handle::block_on inside spawn_blocking!

/// Tries: a `spawn_blocking!` closure runs a nested scope with
/// `Handle::block_on`, awaiting a child's handle; a sibling of the blocking
/// task fails.
/// Promise: "cancellation flows down nested scopes by itself" (the signal
/// and abort reach a nested scope "even one whose future nobody polls");
/// spawn_blocking! is "asked to stop … and the scope waits for it to
/// return"; "nothing deadlocks or hangs".
/// Observed: the nested scope's child is aborted and its handle's `.await`
/// returns `Pending` forever without a waker (it assumes the awaiting body
/// is about to be dropped, which a body run by `block_on` never is): the
/// blocking closure never returns and the outer scope hangs.
#[test]
fn a_nested_scope_in_a_blocking_closure_stops_when_a_sibling_fails() {
    let runtime = multi_thread();
    let (give_up, gave_up) = mpsc::channel::<()>();
    let result = runtime.block_on(async move {
        timeout(REAL_HANG, async move {
            let result: Result<(), Failed> = scope! {
                let (running, is_running) = oneshot::channel::<()>();
                spawn_blocking!(move || {
                    let handle = tokio::runtime::Handle::current();
                    let inner = handle.block_on(async {
                        let work = async {
                            scope! {
                                let fetch = spawn!(async {
                                    sleep(Duration::from_secs(3600)).await;
                                    1
                                });
                                running.send(()).ok();
                                fetch.await
                            }
                        };
                        // Only so that the runtime can shut down after a hang.
                        tokio::select! {
                            value = work => Some(value),
                            () = async { while gave_up.try_recv().is_err() { tokio::task::yield_now().await } } => None,
                        }
                    });
                    let _ = inner;
                });
                spawn!(async move {
                    is_running.await.ok();
                    Err::<(), _>(Failed("sibling"))
                });
                Ok(())
            };
            result
        })
        .await
    });
    give_up.send(()).ok();
    drop(runtime);
    assert_eq!(
        result.expect("hung: the blocking closure's nested scope never returned"),
        Err(Failed("sibling"))
    );
}

// ---------------------------------------------------------------------------
// first_ok × cancel!()

/// Tries: `first_ok` with one attempt, called in a body after `cancel!()`
/// (no grace: the scope aborts).
/// Promise (first_ok): "if all fail, `Err(Errors<E>)` with every error in
/// order … (empty only when no future was given)".
/// Observed: `Err` with no error although a future was given (the attempt
/// was silently refused). Now: in an aborting scope `first_ok` (and `pool`)
/// cannot start their tasks, and say so by panicking with the cause, like
/// a handle awaited in vain.
#[tokio::test(start_paused = true)]
async fn first_ok_after_cancel_never_reports_an_empty_failure_for_given_futures() {
    let result = futures_util::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(async {
        scope! {
            cancel!();
            taskgroup::first_ok([async { Ok::<u32, Failed>(1) }]).await
        }
    }))
    .await;
    match result {
        Ok(Ok(value)) => assert_eq!(value, 1),
        Ok(Err(errors)) => {
            panic!("first_ok returned Err({errors:?}) although one future was given")
        }
        Err(payload) => {
            let message = payload
                .downcast_ref::<String>()
                .cloned()
                .unwrap_or_default();
            assert!(
                message.contains("`first_ok`") && message.contains("cancel!()"),
                "{message}"
            );
        }
    }
}

/// Held: `first_ok` and `pool::map` called during a drain (`grace`) run to
/// the end.
#[tokio::test(start_paused = true)]
async fn first_ok_and_pool_during_a_drain_run_to_the_end() {
    let (won, squares) = scope!(grace = Duration::from_secs(10); {
        cancel!();
        let won = taskgroup::first_ok((1..=3u64).map(|i| async move {
            sleep(Duration::from_millis(100 * i)).await;
            if i == 1 { Err(Failed("first")) } else { Ok(i) }
        }))
        .await;
        let squares = taskgroup::pool::map(0..50u64, 4, |n| async move {
            sleep(Duration::from_millis(n % 7)).await;
            n * n
        })
        .await;
        (won.ok(), squares)
    });
    assert_eq!(won, Some(2));
    assert_eq!(squares, (0..50u64).map(|n| n * n).collect::<Vec<_>>());
}

// ---------------------------------------------------------------------------
// The leak check × a panicking test body

/// Tries: `check_leaks` (what `#[taskgroup::test]` runs) around a test whose
/// assertion fails (panics) after a scope it dropped left a blocking
/// straggler stuck.
/// Promise ("Tests that catch leaks"; "nothing deadlocks or hangs"): the
/// leak check fails the test with the tree of what is alive.
/// Observed: the failing test hangs until the straggler ends on its own
/// (forever here): the bound starts only once the body *returned*, and a
/// panicking body never does — the same test without the panic is reported
/// after 100 ms.
#[test]
fn the_leak_check_fails_a_panicking_test_with_a_straggler_instead_of_hanging() {
    let runtime = multi_thread();
    let (release, stuck) = mpsc::channel::<()>();
    let outcome = runtime.block_on(async move {
        let test = taskgroup::testing::check_leaks_within(Duration::from_millis(100), async move {
            let (started, is_started) = oneshot::channel::<()>();
            let leaky = async move {
                scope! {
                    spawn_blocking!(name = "straggler", move || {
                        started.send(()).ok();
                        stuck.recv().ok();
                    });
                    forever::<()>().await
                }
            };
            tokio::select! {
                () = leaky => {}
                _ = is_started => {} // drops the scope: its blocking child is a straggler
            }
            panic!("the test's own assertion failed");
        });
        timeout(REAL_HANG, catch_unwind(test)).await
    });
    release.send(()).ok();
    drop(runtime);
    let caught = outcome.expect("the leak check hung on a panicking test with a straggler");
    assert!(caught.is_err(), "the test must fail");
}

// ---------------------------------------------------------------------------
// Attacks that held (regression guards)

/// Held: handles of 40 tasks under `join_all` (its `FuturesOrdered` mode),
/// `FuturesUnordered`, `select_all` and `StreamExt::buffered`, on two real
/// threads released together by a barrier; values in order.
#[test]
fn handles_under_combinators_on_two_threads() {
    use futures_util::stream::{self, FuturesUnordered, StreamExt};
    let runtime = multi_thread();
    runtime.block_on(async {
        timeout(REAL_HANG, async {
            let barrier = Arc::new(tokio::sync::Barrier::new(41));
            let total = scope! {
                let spawn_n = |n: u64| {
                    let barrier = barrier.clone();
                    spawn!(async move {
                        barrier.wait().await;
                        format!("{n}")
                    })
                };
                let joined = (0..40).map(spawn_n).collect::<Vec<_>>();
                barrier.wait().await;
                let joined = futures_util::future::join_all(joined).await;
                assert_eq!(joined, (0..40).map(|n| n.to_string()).collect::<Vec<_>>());

                let unordered: FuturesUnordered<_> = (0..40).map(|n| spawn!(async move { n })).collect();
                let mut sum: u64 = unordered.collect::<Vec<u64>>().await.into_iter().sum();

                let (first, _, rest) =
                    futures_util::future::select_all((0..40).map(|n| spawn!(async move { n }))).await;
                sum += first + futures_util::future::join_all(rest).await.into_iter().sum::<u64>();

                let handles: Vec<_> = (0..40).map(|n| spawn!(async move { n })).collect();
                let buffered: Vec<u64> = stream::iter(handles).buffered(7).collect().await;
                assert_eq!(buffered, (0..40).collect::<Vec<_>>());
                sum
            };
            assert_eq!(total, 2 * (0..40).sum::<u64>());
        })
        .await
        .expect("hung");
    });
}

/// Held: the first failure among 40 handles awaited with `join_all`
/// is the scope's error, and every task has stopped when it returns.
#[tokio::test(start_paused = true)]
async fn join_all_of_handles_with_a_failure() {
    let tracker = Tracker::new();
    let result: Result<Vec<u64>, Failed> = scope! {
        let handles: Vec<_> = (0..40u64)
            .map(|n| {
                let alive = tracker.alive();
                spawn!(async move {
                    let _alive = alive;
                    sleep(Duration::from_millis(10 * n)).await;
                    if n == 17 { Err(Failed("17")) } else if n == 18 { Err(Failed("18")) } else { Ok(n) }
                })
            })
            .collect();
        Ok(futures_util::future::join_all(handles).await)
    };
    assert_eq!(result, Err(Failed("17")));
    assert_eq!(tracker.live(), 0);
}

/// Held: the scope's future (with a `grace` period configured) dropped by
/// `select!` while its body waits in `spawn!` for a `limit` slot: every
/// child stops at once (a dropped scope cannot wait out its grace), and
/// each sees `Cause::Dropped` in its `Drop`.
#[tokio::test(start_paused = true)]
async fn dropped_during_a_limit_wait_in_a_grace_period() {
    let tracker = Tracker::new();
    let dropped_causes = Arc::new(std::sync::Mutex::new(Vec::new()));
    let started = tokio::time::Instant::now();
    let (waiting, is_waiting) = oneshot::channel::<()>();
    let scope = async {
        scope!(limit = 2, grace = Duration::from_secs(60); {
            let (running, mut are_running) = tokio::sync::mpsc::channel::<()>(2);
            for _ in 0..2 {
                let alive = tracker.alive();
                let causes = dropped_causes.clone();
                let running = running.clone();
                spawn!(async move {
                    let _alive = alive;
                    let _record = common::on_drop(move || causes.lock().unwrap().push(taskgroup::cause()));
                    running.send(()).await.ok();
                    forever::<()>().await
                });
            }
            for _ in 0..2 {
                are_running.recv().await;
            }
            waiting.send(()).ok();
            spawn!(async {}); // waits for a slot: none frees up
        })
    };
    tokio::select! {
        () = scope => panic!("the scope returned"),
        _ = is_waiting => {}
    }
    timeout(HANG, tracker.wait_idle())
        .await
        .expect("children outlived the dropped scope");
    assert_eq!(
        started.elapsed(),
        Duration::ZERO,
        "no grace for a dropped scope"
    );
    let causes = dropped_causes.lock().unwrap();
    assert_eq!(causes.len(), 2);
    assert!(
        causes
            .iter()
            .all(|cause| matches!(cause, Some(taskgroup::Cause::Dropped(_)))),
        "{causes:?}"
    );
}

/// Held: a scope dropped while its blocking closure runs; the closure then
/// returns a value whose `Drop` panics (its handle is gone): the panic is
/// handed to the enclosing scope, which resumes it after joining the
/// straggler.
#[test]
fn a_straggler_output_drop_panic_reaches_the_enclosing_scope() {
    struct Loud;
    impl Drop for Loud {
        fn drop(&mut self) {
            panic!("straggler's output dropped")
        }
    }
    let runtime = multi_thread();
    let caught = runtime.block_on(async {
        timeout(
            REAL_HANG,
            catch_unwind(async {
                scope! {
                    let (started, is_started) = oneshot::channel::<()>();
                    let (release, wait) = mpsc::channel::<()>();
                    let inner = async move {
                        scope! {
                            spawn_blocking!(move || {
                                started.send(()).ok();
                                wait.recv().ok();
                                Loud
                            });
                            forever::<()>().await
                        }
                    };
                    tokio::select! {
                        () = inner => {}
                        _ = is_started => {}
                    }
                    release.send(()).ok();
                }
            }),
        )
        .await
        .expect("hung")
    });
    let payload = caught.expect_err("the straggler's panic was lost");
    assert_eq!(panic_message(&*payload), Some("straggler's output dropped"));
}

/// Held: a nested scope's future polled once and leaked with `mem::forget`
/// inside a scope with `grace`; the leaked scope's child ignores the
/// signal. `cancel!()` in the outer body: the outer scope returns at the end
/// of its grace period, the leaked scope's child aborted with it.
#[tokio::test(start_paused = true)]
async fn a_leaked_nested_scope_is_aborted_with_its_parent_after_grace() {
    let tracker = Tracker::new();
    let started = tokio::time::Instant::now();
    let returned = timeout(HANG, async {
        scope!(grace = Duration::from_secs(5); {
            let alive = tracker.alive();
            let mut leaked = Box::pin(async move {
                scope! {
                    spawn!(async move {
                        let _alive = alive;
                        loop {
                            sleep(Duration::from_secs(1)).await; // ignores cancellation
                        }
                    });
                    forever::<()>().await
                }
            });
            let polled = futures_util::poll!(leaked.as_mut());
            assert!(polled.is_pending());
            std::mem::forget(leaked);
            cancel!();
        })
    })
    .await;
    assert!(returned.is_ok(), "the outer scope hung on the leaked scope");
    assert_eq!(started.elapsed(), Duration::from_secs(5));
    assert_eq!(tracker.live(), 0);
}

/// Held: `cancel!()` racing completion on two threads, 300 rounds: values
/// with destructors (handles dropped or kept) are each dropped exactly once,
/// and nothing outlives the scope.
#[test]
fn cancel_racing_completion_with_droppable_values() {
    struct Counted(Arc<AtomicUsize>);
    impl Drop for Counted {
        fn drop(&mut self) {
            self.0.fetch_add(1, SeqCst);
        }
    }
    let runtime = multi_thread();
    runtime.block_on(async {
        timeout(REAL_HANG, async {
            for _ in 0..300 {
                let drops = Arc::new(AtomicUsize::new(0));
                let created = Arc::new(AtomicUsize::new(0));
                let tracker = Tracker::new();
                let barrier = Arc::new(tokio::sync::Barrier::new(3));
                scope!(limit = 4; {
                    let mut kept = Vec::new();
                    for i in 0..2 {
                        let (drops, created, barrier, alive) =
                            (drops.clone(), created.clone(), barrier.clone(), tracker.alive());
                        let handle = spawn!(async move {
                            let _alive = alive;
                            barrier.wait().await;
                            created.fetch_add(1, SeqCst);
                            Counted(drops)
                        });
                        if i == 0 {
                            kept.push(handle);
                        }
                    }
                    barrier.wait().await;
                    cancel!();
                    drop(kept);
                });
                assert_eq!(tracker.live(), 0, "a child outlived its scope");
                assert_eq!(
                    drops.load(SeqCst),
                    created.load(SeqCst),
                    "a value dropped twice or never"
                );
            }
        })
        .await
        .expect("hung");
    });
}

/// Held: `taskgroup::cancelled()` taken in a body completes once the scope
/// has returned (as Go's context after `Wait`).
#[tokio::test(start_paused = true)]
#[allow(clippy::async_yields_async)] // the point: the future outlives the scope
async fn cancelled_completes_after_the_scope_returns() {
    let later = scope! { taskgroup::cancelled() };
    timeout(HANG, later)
        .await
        .expect("cancelled() never completed");
}

/// Held: a `Shutdown` trigger drains a service whose scope has a
/// `spawn_background!` heartbeat, a `start!`-ed listener that cleans up on
/// `cancelled()`, and a nested scope with work in flight: the nested work
/// finishes, nothing is aborted, everything has stopped.
#[tokio::test(start_paused = true)]
async fn shutdown_drains_background_start_and_nested_work() {
    use taskgroup::shutdown::{Outcome, Shutdown};
    let tracker = Tracker::new();
    let finished = Arc::new(AtomicUsize::new(0));
    let shutdown = Shutdown::new(Duration::from_secs(10)).without_signals();
    let trigger = shutdown.trigger();
    let started = tokio::time::Instant::now();
    let outcome = shutdown
        .run(async {
            scope! {
                let alive = tracker.alive();
                spawn_background!(async move {
                    let _alive = alive;
                    loop {
                        sleep(Duration::from_millis(100)).await;
                    }
                });
                let alive = tracker.alive();
                let done = finished.clone();
                let port: Result<u16, taskgroup::StartError<()>> = start!(|ready| async move {
                    let _alive = alive;
                    ready.send(8080);
                    taskgroup::cancelled().await;
                    sleep(Duration::from_secs(1)).await; // clean-up
                    done.fetch_add(1, SeqCst);
                });
                assert_eq!(port, Ok(8080));
                let (alive, done) = (tracker.alive(), finished.clone());
                let (in_flight, is_in_flight) = oneshot::channel::<()>();
                spawn!(async move {
                    scope! {
                        spawn!(async move {
                            let _alive = alive;
                            in_flight.send(()).ok();
                            sleep(Duration::from_secs(2)).await; // in flight
                            done.fetch_add(1, SeqCst);
                        });
                    }
                });
                is_in_flight.await.ok();
                trigger.shutdown();
                taskgroup::cancelled().await;
            }
        })
        .await;
    assert!(matches!(outcome, Outcome::Drained { .. }), "{outcome:?}");
    assert_eq!(finished.load(SeqCst), 2);
    assert_eq!(tracker.live(), 0);
    assert_eq!(started.elapsed(), Duration::from_secs(2));
}

// ---------------------------------------------------------------------------
// Process aborts (run in a child process)

/// Runs the `#[ignore]`d test `name` in a child process; returns its status.
fn run_isolated(name: &str) -> std::process::ExitStatus {
    std::process::Command::new(std::env::current_exe().expect("test binary"))
        .args(["--ignored", "--exact", name, "--test-threads=1"])
        .env("TASKGROUP_ADVERSARIAL_INNER", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("spawn the test binary")
}

struct FlagThenPanic(Arc<AtomicBool>);

impl Drop for FlagThenPanic {
    fn drop(&mut self) {
        self.0.store(true, SeqCst);
        panic!("scoped child's Drop panicked")
    }
}

/// The scenario of
/// [`a_scoped_child_drop_panic_while_the_caller_unwinds_does_not_abort`].
#[test]
#[ignore = "run in a child process by the test of the same scenario"]
fn inner_scoped_child_drop_panic_while_the_caller_unwinds() {
    if std::env::var_os("TASKGROUP_ADVERSARIAL_INNER").is_none() {
        return;
    }
    let dropped = Arc::new(AtomicBool::new(false));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let flag = dropped.clone();
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        runtime.block_on(async move {
            let mut service = std::pin::pin!(async move {
                scope! {
                    let guard = FlagThenPanic(flag);
                    spawn_scoped!(async move {
                        let _guard = guard;
                        forever::<()>().await
                    });
                    forever::<()>().await
                }
            });
            assert!(futures_util::poll!(service.as_mut()).is_pending());
            panic!("the caller panics while the scope is open");
        });
    }));
    assert!(caught.is_err());
    assert!(dropped.load(SeqCst), "the scoped child was dropped");
}

/// Held: a caller panics while a scope it owns is open; the scope's future
/// is dropped during the unwinding and a `spawn_scoped!` child's `Drop`
/// panics. Promise (Panics): such a panic "never takes the process down".
/// Run in a child process, so that an abort fails this test instead of
/// killing the test binary. (The panic cannot be resumed: no enclosing
/// scope; it is reported through `tracing`, as the README says for a
/// dropped root scope.)
#[test]
fn a_scoped_child_drop_panic_while_the_caller_unwinds_does_not_abort() {
    let status = run_isolated("inner_scoped_child_drop_panic_while_the_caller_unwinds");
    assert!(status.success(), "the process aborted: {status:?}");
}
