//! Features composed with each other (issue 13): rules that held alone and broke in combination.
//!
//! Features composed with each other (issue 13): scoped children with
//! panicking `Drop`s, simultaneous failures, errors during a drain, handles
//! under `futures` combinators, panics in user conversions and output
//! drops, `errors = all` with `grace` and task timeouts, `limit` with
//! background children, nested scopes during an enclosing drain, scopes in
//! blocking closures, leaked nested scope futures, panics in `start!` and
//! pool closures. Each test asserts a rule of the intended semantics.
//!
//! A hang fails the test: every scenario runs under [`bounded`] (a timeout
//! on paused time, or a generous real-time bound on multi-thread runtimes,
//! used only as a hang detector). A scenario that may abort the process
//! runs in a child process ([`run_isolated`]).

mod common;

use std::fmt::Debug;
use std::future::{poll_fn, Future};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::Duration;

use common::{catch_unwind, forever, on_drop, panic_message, SpinBarrier, Tracker};
use futures_util::future::join_all;
use futures_util::stream::{FuturesUnordered, StreamExt};
use taskgroup::shutdown::{Outcome, Shutdown};
use taskgroup::{nursery, scope, Cause, Elapsed, Errors, Ready, StartError};
use tokio::sync::{mpsc, oneshot, Semaphore};
use tokio::time::{sleep, timeout, Instant};

const MS: Duration = Duration::from_millis(1);
const SECOND: Duration = Duration::from_secs(1);
/// Hang detector on paused time (virtual: costs nothing).
const PAUSED_BOUND: Duration = Duration::from_secs(3600);
/// Hang detector on real time, for multi-thread tests.
const REAL_BOUND: Duration = Duration::from_secs(10);

/// Awaits `future`, failing the test if it has not finished within `bound`.
async fn bounded<F: Future>(bound: Duration, what: &str, future: F) -> F::Output {
    timeout(bound, future)
        .await
        .unwrap_or_else(|_| panic!("hang: {what} did not finish within {bound:?}"))
}

#[derive(Debug, PartialEq)]
struct Failed(&'static str);

#[derive(Debug, PartialEq)]
enum AppError {
    Timeout,
}

impl From<Elapsed> for AppError {
    fn from(_: Elapsed) -> Self {
        AppError::Timeout
    }
}

/// Panics when dropped, after recording what `taskgroup::cause()` said.
struct PanicOnDrop {
    message: &'static str,
    seen: Option<Arc<Mutex<Option<Option<Cause>>>>>,
}

impl PanicOnDrop {
    fn new(message: &'static str) -> Self {
        PanicOnDrop {
            message,
            seen: None,
        }
    }
}

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        if let Some(seen) = &self.seen {
            let cause = taskgroup::cause();
            *seen.lock().unwrap() = Some(cause);
        }
        panic!("{}", self.message);
    }
}

// ---------------------------------------------------------------------------
// A scenario in a child process: for what may abort the process.

/// Set to the inner test's name in the child process of [`run_isolated`].
const ISOLATED_ENV: &str = "TASKGROUP_COMPOSITION_ISOLATED";

/// Printed by an inner test that ran to its end, with its name.
const ISOLATED_DONE: &str = "isolated scenario done:";

/// Whether this process is [`run_isolated`]'s child for `inner`: an
/// `#[ignore]`d inner test returns at once unless it is.
fn isolated(inner: &str) -> bool {
    std::env::var(ISOLATED_ENV).as_deref() == Ok(inner)
}

/// The inner test's last line: tells [`run_isolated`] the scenario ran.
fn isolated_done(inner: &str) {
    println!("{ISOLATED_DONE} {inner}");
}

/// Runs the `#[ignore]`d test `inner` of this test binary in a child
/// process and asserts that it exited normally, with that one test passed
/// and run to its end ([`isolated_done`]); an abort or a failed assertion
/// in it fails the calling test, with the child's output. A child still running after 60 s is killed: a hang.
fn run_isolated(inner: &str) {
    let child = Command::new(std::env::current_exe().expect("the test binary"))
        .args([
            "--exact",
            inner,
            "--nocapture",
            "--include-ignored",
            "--test-threads=1",
        ])
        .env(ISOLATED_ENV, inner)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("re-executing the test binary");
    let pid = child.id();
    let (done, waited) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(child.wait_with_output());
    });
    let output = match waited.recv_timeout(Duration::from_secs(60)) {
        Ok(output) => output.expect("waiting for the child process"),
        Err(_) => {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
            panic!("hang: {inner} (child process {pid}) did not exit within 60 s");
        }
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    #[cfg(unix)]
    let signal = std::os::unix::process::ExitStatusExt::signal(&output.status);
    #[cfg(not(unix))]
    let signal: Option<i32> = None;
    assert!(
        output.status.success()
            && stdout.contains("1 passed")
            && stdout.contains(&format!("{ISOLATED_DONE} {inner}")),
        "{inner} in a child process: {} (signal {signal:?})\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        output.status,
    );
}

// ---------------------------------------------------------------------------
// 1. A scoped child's `Drop` panics while a sibling's panic fails the scope.

/// Issue 13, reproducer 1: a `spawn_scoped!` child whose `Drop` panics
/// while a `spawn!` sibling's panic fails the scope. No abort ("panic in a
/// destructor during cleanup"): the first panic ("child") is resumed, and
/// the scoped child's `Drop` sees the cause (the sibling's panic). Runs in
/// a child process, since the failure mode is an abort.
#[test]
fn a_scoped_child_panicking_in_drop_during_a_sibling_panic_does_not_abort() {
    run_isolated("isolated_scoped_drop_panic_during_a_sibling_panic");
}

#[taskgroup::test(start_paused = true)]
#[ignore = "run in a child process by a_scoped_child_panicking_in_drop_during_a_sibling_panic_does_not_abort"]
async fn isolated_scoped_drop_panic_during_a_sibling_panic() {
    if !isolated("isolated_scoped_drop_panic_during_a_sibling_panic") {
        return;
    }
    let seen = Arc::new(Mutex::new(None));
    let outcome = bounded(
        PAUSED_BOUND,
        "the scope",
        catch_unwind(async {
            scope! {
                spawn_scoped!(async {
                    let _guard = PanicOnDrop {
                        message: "scoped drop",
                        seen: Some(seen.clone()),
                    };
                    std::future::pending::<()>().await
                });
                spawn!(name = "sibling", async {
                    sleep(10 * MS).await;
                    if true {
                        panic!("child")
                    }
                });
            };
        }),
    )
    .await;
    let payload = outcome.expect_err("the sibling's panic was lost");
    assert_eq!(panic_message(&*payload), Some("child"));
    let seen = seen
        .lock()
        .unwrap()
        .clone()
        .expect("the scoped child was never dropped");
    match seen {
        Some(Cause::TaskPanicked { task, message }) => {
            assert_eq!(task.name(), Some("sibling"));
            assert_eq!(message.as_deref(), Some("child"));
        }
        other => panic!("the scoped child's Drop saw cause() = {other:?}"),
    }
    isolated_done("isolated_scoped_drop_panic_during_a_sibling_panic");
}

// ---------------------------------------------------------------------------
// 2. Simultaneous failures: the error returned is the first recorded, the
// one `cause()` names.

#[derive(Debug, PartialEq)]
enum Raced {
    A,
    B,
    Body,
}

struct ErrorA;
struct ErrorB;

impl From<ErrorA> for Raced {
    fn from(_: ErrorA) -> Self {
        Raced::A
    }
}

impl From<ErrorB> for Raced {
    fn from(_: ErrorB) -> Self {
        Raced::B
    }
}

async fn fail_at_the_barrier<E>(meet: SpinBarrier, error: E) -> Result<(), E> {
    meet.wait(2).await;
    Err(error)
}

type Observed = Arc<Mutex<Option<Option<Cause>>>>;

/// Records, once, the `cause()` seen by a child: when it wakes up from
/// `cancelled()`, or when it is dropped (aborted), whichever comes first.
fn record_cause(observed: &Observed) -> impl Fn() + Clone + Send + 'static {
    let observed = observed.clone();
    move || {
        let mut slot = observed.lock().unwrap();
        if slot.is_none() {
            *slot = Some(taskgroup::cause());
        }
    }
}

/// Who a cause names: a task's name, `"body"`, or its `Debug`.
fn culprit(cause: &Option<Option<Cause>>) -> String {
    match cause {
        Some(Some(Cause::BodyFailed(_))) => "body".to_owned(),
        Some(Some(cause)) => match cause.task().and_then(|task| task.name()) {
            Some(name) => name.to_owned(),
            None => format!("{cause:?}"),
        },
        Some(None) => "cause() = None".to_owned(),
        None => "nothing observed".to_owned(),
    }
}

/// What a scope's error says failed first.
fn named_by(result: &Result<(), Raced>) -> &'static str {
    match result {
        Err(Raced::A) => "a",
        Err(Raced::B) => "b",
        Err(Raced::Body) => "body",
        Ok(()) => "Ok(())",
    }
}

/// Issue 13, reproducer 2: two children fail at the same moment on a
/// multi-thread runtime, each with an error of its own type converted with
/// `From`. The error returned is the first failure, the one `cause()`
/// names for a third sibling (never the second while `cause()` names the
/// first). 2,000 rounds.
#[taskgroup::test(flavor = "multi_thread", worker_threads = 2)]
async fn simultaneous_child_errors_the_returned_one_is_the_one_cause_names() {
    let mut mismatches = Vec::new();
    for round in 0..2000 {
        let observed: Observed = Arc::default();
        let record = record_cause(&observed);
        let guard = on_drop(record.clone());
        let result: Result<(), Raced> = bounded(REAL_BOUND, "the scope", async {
            scope! {
                let meet = SpinBarrier::default();
                spawn!(name = "a", fail_at_the_barrier(meet.clone(), ErrorA));
                spawn!(name = "b", fail_at_the_barrier(meet, ErrorB));
                spawn!(name = "observer", async move {
                    let _guard = guard;
                    taskgroup::cancelled().await;
                    record();
                    forever::<()>().await;
                });
                Ok(())
            }
        })
        .await;
        let seen = culprit(&observed.lock().unwrap());
        if named_by(&result) != seen {
            mismatches.push(format!(
                "round {round}: returned {result:?}, cause() named {seen}"
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of 2000 rounds: the error returned is not the failure cause() names; first: {}",
        mismatches.len(),
        mismatches[0]
    );
}

/// Issue 13, reproducer 2 (variant): the body's `Err` races a child's
/// `Err`: whichever is returned is the one `cause()` names.
#[taskgroup::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_body_error_racing_a_child_error_the_returned_one_is_the_one_cause_names() {
    let mut mismatches = Vec::new();
    for round in 0..2000 {
        let observed: Observed = Arc::default();
        let record = record_cause(&observed);
        let guard = on_drop(record.clone());
        let result: Result<(), Raced> = bounded(REAL_BOUND, "the scope", async {
            scope! {
                let meet = SpinBarrier::default();
                spawn!(name = "a", fail_at_the_barrier(meet.clone(), ErrorA));
                spawn!(name = "observer", async move {
                    let _guard = guard;
                    taskgroup::cancelled().await;
                    record();
                    forever::<()>().await;
                });
                meet.wait(2).await;
                Err(Raced::Body)
            }
        })
        .await;
        let seen = culprit(&observed.lock().unwrap());
        if named_by(&result) != seen {
            mismatches.push(format!(
                "round {round}: returned {result:?}, cause() named {seen}"
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of 2000 rounds: the error returned is not the failure cause() names; first: {}",
        mismatches.len(),
        mismatches[0]
    );
}

// ---------------------------------------------------------------------------
// 3. An error during a drain stays an error.

/// A handler with its own scope (the README's profile handler): both
/// backend calls run on during the drain; "user" answers first (which
/// wakes the scope: it has seen the drain by the time "posts" fails), then
/// "posts" fails with "502".
#[nursery]
async fn profile(started: mpsc::UnboundedSender<()>) -> Result<(u32, u32), &'static str> {
    let user = spawn!(name = "user", async move {
        taskgroup::cancelled().await; // the drain has begun
        sleep(5 * MS).await;
        Ok(1_u32)
    });
    let posts = spawn!(name = "posts", async move {
        let _ = started.send(());
        taskgroup::cancelled().await;
        sleep(10 * MS).await;
        Err::<u32, _>("502")
    });
    Ok((user.await, posts.await))
}

/// Issue 13, reproducer 3 (`Shutdown`): during the drain, a nested
/// `#[nursery]` fn whose child returns `Err("502")` returns `Err("502")`
/// (not a panic "task … was cancelled before it produced a value" from
/// the body's `posts.await`); the service drains.
#[taskgroup::test(start_paused = true)]
async fn an_error_during_a_shutdown_drain_is_the_nested_scope_error() {
    let shutdown = Shutdown::new(10 * SECOND).without_signals();
    let trigger = shutdown.trigger();
    let (started, mut backend_started) = mpsc::unbounded_channel();
    let (answer, answered) = oneshot::channel();
    let outcome = bounded(
        PAUSED_BOUND,
        "the service",
        catch_unwind(shutdown.run(async move {
            scope! {
                spawn!(name = "request", async move {
                    let _ = answer.send(profile(started).await);
                });
                backend_started.recv().await;
                trigger.shutdown();
                taskgroup::cancelled().await;
            };
        })),
    )
    .await;
    let outcome = outcome.unwrap_or_else(|payload| {
        panic!(
            "the nested scope's error became a panic: {:?}",
            panic_message(&*payload)
        )
    });
    assert_eq!(
        answered
            .await
            .expect("the request was aborted before the nested scope returned"),
        Err("502")
    );
    assert!(matches!(outcome, Outcome::Drained { .. }), "{outcome:?}");
}

/// Issue 13, reproducer 3 (`grace` + `cancel!()`): while the outer scope
/// drains, a nested `scope!` whose child returns `Err("502")` returns
/// `Err("502")` (same shape as [`profile`], inline).
#[taskgroup::test(start_paused = true)]
async fn an_error_during_a_grace_period_is_the_nested_scope_error() {
    let (started, mut backend_started) = mpsc::unbounded_channel::<()>();
    let (answer, answered) = oneshot::channel();
    let outcome = bounded(
        PAUSED_BOUND,
        "the outer scope",
        catch_unwind(async {
            scope!(grace = 10 * SECOND; {
                spawn!(name = "request", async move {
                    let nested: Result<(u32, u32), &str> = scope! {
                        let user = spawn!(name = "user", async move {
                            taskgroup::cancelled().await;
                            sleep(5 * MS).await;
                            Ok(1_u32)
                        });
                        let posts = spawn!(name = "posts", async move {
                            let _ = started.send(());
                            taskgroup::cancelled().await;
                            sleep(10 * MS).await;
                            Err::<u32, _>("502")
                        });
                        Ok((user.await, posts.await))
                    };
                    let _ = answer.send(nested);
                });
                backend_started.recv().await;
                cancel!();
            });
        }),
    )
    .await;
    if let Err(payload) = outcome {
        panic!(
            "the nested scope's error became a panic: {:?}",
            panic_message(&*payload)
        );
    }
    assert_eq!(
        answered
            .await
            .expect("the request was aborted before the nested scope returned"),
        Err("502")
    );
}

// ---------------------------------------------------------------------------
// 4. Handles under `futures` combinators.

/// Issue 13, reproducer 4: a `FuturesUnordered` of 40 `spawn_scoped!`
/// handles, finishing at different instants, completes, in finishing order.
#[taskgroup::test(start_paused = true)]
async fn futures_unordered_of_scoped_handles_completes() {
    let order = bounded(PAUSED_BOUND, "the scope", async {
        scope! {
            let mut handles = FuturesUnordered::new();
            for i in 0..40u64 {
                handles.push(spawn_scoped!(async move {
                    sleep(Duration::from_millis(40 - i)).await;
                    i
                }));
            }
            let mut order = Vec::new();
            while let Some(i) = handles.next().await {
                order.push(i);
            }
            order
        }
    })
    .await;
    assert_eq!(order, (0..40).rev().collect::<Vec<_>>());
}

/// Issue 13, reproducer 4: `join_all` of 40 `spawn_scoped!` handles (more
/// than 30: `join_all` then runs them in a `FuturesOrdered`).
#[taskgroup::test(start_paused = true)]
async fn join_all_of_40_scoped_handles_completes() {
    let values = bounded(PAUSED_BOUND, "the scope", async {
        scope! {
            let handles: Vec<_> = (0..40u64)
                .map(|i| {
                    spawn_scoped!(async move {
                        sleep(Duration::from_millis(40 - i)).await;
                        i
                    })
                })
                .collect();
            join_all(handles).await
        }
    })
    .await;
    assert_eq!(values, (0..40).collect::<Vec<_>>());
}

/// Issue 13, reproducer 4: `tokio::select!` over two scoped handles; the
/// first to finish wins, the other is still joined.
#[taskgroup::test(start_paused = true)]
async fn select_over_two_scoped_handles_completes() {
    let start = Instant::now();
    let first = bounded(PAUSED_BOUND, "the scope", async {
        scope! {
            let slow = spawn_scoped!(async {
                sleep(2 * SECOND).await;
                "slow"
            });
            let fast = spawn_scoped!(async {
                sleep(SECOND).await;
                "fast"
            });
            tokio::select! {
                value = slow => value,
                value = fast => value,
            }
        }
    })
    .await;
    assert_eq!(first, "fast");
    assert_eq!(start.elapsed(), 2 * SECOND, "the slow child was not joined");
}

/// Issue 13, reproducer 4: `join_all` of 40 `spawn!` handles.
#[taskgroup::test(start_paused = true)]
async fn join_all_of_40_task_handles_completes() {
    let values = bounded(PAUSED_BOUND, "the scope", async {
        scope! {
            let handles: Vec<_> = (0..40u64)
                .map(|i| {
                    spawn!(async move {
                        sleep(Duration::from_millis(40 - i)).await;
                        i
                    })
                })
                .collect();
            join_all(handles).await
        }
    })
    .await;
    assert_eq!(values, (0..40).collect::<Vec<_>>());
}

/// Issue 13, reproducer 4: a `FuturesUnordered` of 40 `spawn!` handles.
#[taskgroup::test(start_paused = true)]
async fn futures_unordered_of_task_handles_completes() {
    let order = bounded(PAUSED_BOUND, "the scope", async {
        scope! {
            let mut handles = FuturesUnordered::new();
            for i in 0..40u64 {
                handles.push(spawn!(async move {
                    sleep(Duration::from_millis(40 - i)).await;
                    i
                }));
            }
            let mut order = Vec::new();
            while let Some(i) = handles.next().await {
                order.push(i);
            }
            order
        }
    })
    .await;
    assert_eq!(order, (0..40).rev().collect::<Vec<_>>());
}

// ---------------------------------------------------------------------------
// 5. Panics in the user's `From` and in the drop of a child's output.

#[derive(Debug)]
struct Poisoned;

#[derive(Debug, PartialEq)]
struct Converted;

impl From<Poisoned> for Converted {
    fn from(_: Poisoned) -> Self {
        panic!("From panicked")
    }
}

async fn fails_with_poisoned() -> Result<u32, Poisoned> {
    sleep(MS).await;
    Err(Poisoned)
}

/// Issue 13, reproducer 5: a panic in the user's `From` conversion of a
/// child's error (its handle dropped) is resumed by the scope, not lost
/// (the scope returned `Ok`).
#[taskgroup::test(start_paused = true)]
async fn a_panic_in_from_of_a_child_error_is_resumed() {
    let outcome = bounded(
        PAUSED_BOUND,
        "the scope",
        catch_unwind(async {
            let result: Result<(), Converted> = scope! {
                spawn!(name = "poisoned", fails_with_poisoned());
                Ok(())
            };
            result
        }),
    )
    .await;
    match outcome {
        Ok(result) => panic!("the From panic was lost: the scope returned {result:?}"),
        Err(payload) => assert_eq!(panic_message(&*payload), Some("From panicked")),
    }
}

/// Issue 13, reproducer 5: the same while the body awaits the child's
/// handle: no hang, the panic is resumed.
#[taskgroup::test(start_paused = true)]
async fn a_panic_in_from_of_an_awaited_child_error_is_resumed() {
    let outcome = bounded(
        PAUSED_BOUND,
        "the scope",
        catch_unwind(async {
            let result: Result<u32, Converted> = scope! {
                let poisoned = spawn!(name = "poisoned", fails_with_poisoned());
                Ok(poisoned.await)
            };
            result
        }),
    )
    .await;
    match outcome {
        Ok(result) => panic!("the From panic was lost: the scope returned {result:?}"),
        Err(payload) => assert_eq!(panic_message(&*payload), Some("From panicked")),
    }
}

/// Issue 13, reproducer 5: a child's output value panics when dropped, its
/// handle having been dropped before the child finished: resumed.
#[taskgroup::test(start_paused = true)]
async fn a_panic_dropping_the_output_of_a_child_whose_handle_was_dropped_is_resumed() {
    let outcome = bounded(
        PAUSED_BOUND,
        "the scope",
        catch_unwind(async {
            scope! {
                let handle = spawn!(async {
                    sleep(SECOND).await;
                    PanicOnDrop::new("output dropped")
                });
                drop(handle);
            };
        }),
    )
    .await;
    let payload = outcome.expect_err("the output's Drop panic was lost");
    assert_eq!(panic_message(&*payload), Some("output dropped"));
}

/// Semantics 6 (with reproducer 5): the handle is dropped after the child
/// finished, without being awaited: the output's `Drop` panic is resumed.
#[taskgroup::test(start_paused = true)]
async fn a_panic_dropping_the_unclaimed_output_of_a_finished_child_is_resumed() {
    let outcome = bounded(
        PAUSED_BOUND,
        "the scope",
        catch_unwind(async {
            scope! {
                let handle = spawn!(async {
                    sleep(SECOND).await;
                    PanicOnDrop::new("output dropped")
                });
                sleep(2 * SECOND).await;
                drop(handle);
            };
        }),
    )
    .await;
    let payload = outcome.expect_err("the output's Drop panic was lost");
    assert_eq!(panic_message(&*payload), Some("output dropped"));
}

// ---------------------------------------------------------------------------
// 6. `errors = all` + `grace` + a task timeout.

/// Polls every 20 ms for a minute, ignoring cancellation.
async fn slow_call() -> Result<(), AppError> {
    for _ in 0..3000 {
        sleep(20 * MS).await;
    }
    Ok(())
}

async fn quick_call(alive: common::Alive) -> Result<(), AppError> {
    sleep(2 * SECOND).await;
    alive.finish();
    Ok(())
}

/// Issue 13, reproducer 6: `errors = all` with `grace` and
/// `spawn!(timeout = …)`: the task's timeout is exactly one `Failure`,
/// naming the task; its sibling runs to its end.
#[taskgroup::test(start_paused = true)]
async fn a_task_timeout_under_errors_all_with_grace_is_one_failure_naming_the_task() {
    let tracker = Tracker::new();
    let alive = tracker.alive();
    let result: Result<(), Errors<AppError>> = bounded(PAUSED_BOUND, "the scope", async {
        scope!(errors = all, grace = SECOND; {
            spawn!(name = "slow", timeout = 100 * MS, slow_call());
            spawn!(name = "quick", quick_call(alive));
            Ok(())
        })
    })
    .await;
    let errors = result.expect_err("the task timeout was not reported");
    let failures: Vec<_> = errors
        .iter()
        .map(|failure| {
            (
                failure.error(),
                failure.task().map(|task| task.name().map(str::to_owned)),
            )
        })
        .collect();
    assert_eq!(
        failures,
        [(&AppError::Timeout, Some(Some("slow".to_owned())))],
        "{} failures",
        failures.len()
    );
    assert_eq!(tracker.finished(), 1, "the sibling was cancelled");
}

// ---------------------------------------------------------------------------
// 7. `spawn_background!` and `limit`.

/// Issue 13, reproducer 7: with `limit = 1`, a background child does not
/// hold the slot: the next `spawn!` starts (no hang).
#[taskgroup::test(start_paused = true)]
async fn a_background_child_does_not_take_a_limit_slot() {
    let value = bounded(PAUSED_BOUND, "the scope", async {
        scope!(limit = 1; {
            spawn_background!(forever::<()>());
            let worker = spawn!(async { 7 });
            worker.await
        })
    })
    .await;
    assert_eq!(value, 7);
}

// ---------------------------------------------------------------------------
// Semantics 4: nested scopes keep full semantics while an enclosing scope
// drains.

/// Runs `nested` in a child of a scope with `grace = 10 s` and calls
/// `cancel!()` on that scope once `nested` has signalled `started` `count`
/// times (its work is under way): `nested` then runs during the enclosing
/// scope's grace period. Returns what `nested` returned.
async fn during_a_drain<T, F, Fut>(count: usize, nested: F) -> T
where
    F: FnOnce(mpsc::UnboundedSender<()>) -> Fut,
    Fut: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let (started, mut signals) = mpsc::unbounded_channel();
    let (answer, answered) = oneshot::channel();
    let nested = nested(started);
    scope!(grace = 10 * SECOND; {
        spawn!(name = "nested", async move {
            let _ = answer.send(nested.await);
        });
        for _ in 0..count {
            signals.recv().await;
        }
        cancel!();
    });
    answered
        .await
        .expect("the nested scope did not return: its task was aborted")
}

/// Semantics 4: a nested scope's own `timeout` still fires while the
/// enclosing scope drains: `Err(Elapsed)` at its deadline.
#[taskgroup::test(start_paused = true)]
async fn a_nested_timeout_fires_during_an_enclosing_drain() {
    let start = Instant::now();
    let result = bounded(
        PAUSED_BOUND,
        "the outer scope",
        during_a_drain(1, |started| async move {
            let result: Result<(), AppError> = scope!(timeout = SECOND; {
                spawn!(async move {
                    let _ = started.send(());
                    forever::<()>().await;
                });
                forever::<Result<(), AppError>>().await
            });
            result
        }),
    )
    .await;
    assert_eq!(result, Err(AppError::Timeout));
    assert_eq!(start.elapsed(), SECOND);
}

/// Semantics 4: `pool::try_map` in a nested scope during an enclosing
/// drain returns its item's error.
#[taskgroup::test(start_paused = true)]
async fn pool_try_map_returns_its_item_error_during_an_enclosing_drain() {
    let result = bounded(
        PAUSED_BOUND,
        "the outer scope",
        during_a_drain(3, |started| async move {
            let result: Result<Vec<u64>, &str> = scope! {
                taskgroup::pool::try_map(0..3u64, 3, move |i| {
                    let started = started.clone();
                    async move {
                        let _ = started.send(());
                        taskgroup::cancelled().await;
                        sleep(10 * MS * (i as u32 + 1)).await;
                        if i == 1 {
                            Err("item 1")
                        } else {
                            Ok(i)
                        }
                    }
                })
                .await
            };
            result
        }),
    )
    .await;
    assert_eq!(result, Err("item 1"));
}

/// Semantics 4: `first_ok` in a nested scope during an enclosing drain
/// returns its first `Ok`.
#[taskgroup::test(start_paused = true)]
async fn first_ok_returns_its_first_ok_during_an_enclosing_drain() {
    let result = bounded(
        PAUSED_BOUND,
        "the outer scope",
        during_a_drain(3, |started| async move {
            let result: Result<&str, Errors<&str>> = scope! {
                taskgroup::first_ok((0..3u32).map(|i| {
                    let started = started.clone();
                    async move {
                        let _ = started.send(());
                        taskgroup::cancelled().await;
                        sleep(10 * MS * (i + 1)).await;
                        match i {
                            0 => Err("attempt 0"),
                            1 => Ok("attempt 1"),
                            _ => Ok("attempt 2"),
                        }
                    }
                }))
                .await
            };
            result.map_err(|errors| errors.into_errors())
        }),
    )
    .await;
    assert_eq!(result, Ok("attempt 1"));
}

/// Semantics 4: `start!` in a nested scope during an enclosing drain
/// returns the value its child signals.
#[taskgroup::test(start_paused = true)]
async fn start_returns_the_ready_value_during_an_enclosing_drain() {
    let result = bounded(
        PAUSED_BOUND,
        "the outer scope",
        during_a_drain(1, |started| async move {
            let result: Result<Result<u32, StartError<Failed>>, Failed> = scope! {
                let value = start!(|ready| async move {
                    let _ = started.send(());
                    taskgroup::cancelled().await;
                    sleep(10 * MS).await;
                    ready.send(5_u32);
                    Ok(())
                });
                Ok(value)
            };
            result
        }),
    )
    .await;
    assert_eq!(result, Ok(Ok(5)));
}

// ---------------------------------------------------------------------------
// A scope opened inside a blocking closure.

/// Semantics 1, 9: a scope opened in a `spawn_blocking!` closure (with
/// `Handle::block_on`) joins its children before the closure goes on.
#[taskgroup::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scope_in_a_blocking_closure_joins_its_children() {
    let tracker = Tracker::new();
    let children = tracker.clone();
    let finished_at_its_brace = bounded(REAL_BOUND, "the outer scope", async move {
        scope! {
            let closure = spawn_blocking!(move || {
                tokio::runtime::Handle::current().block_on(async move {
                    let gate = Arc::new(Semaphore::new(0));
                    scope! {
                        for _ in 0..4 {
                            let (gate, alive) = (gate.clone(), children.alive());
                            spawn!(async move {
                                let _permit = gate.acquire().await.unwrap();
                                alive.finish();
                            });
                        }
                        gate.add_permits(4); // the body returns; the brace waits for them
                    };
                    children.finished()
                })
            });
            closure.await
        }
    })
    .await;
    assert_eq!(finished_at_its_brace, 4);
    assert_eq!(tracker.live(), 0);
}

/// Semantics 4, 9: a scope opened in a `spawn_blocking!` closure (with
/// `Handle::block_on`) is cancelled with the enclosing scope: its children
/// are cancelled, it returns, the closure returns, no hang.
#[taskgroup::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scope_in_a_blocking_closure_is_cancelled_with_the_enclosing_scope() {
    let tracker = Tracker::new();
    let children = tracker.clone();
    bounded(REAL_BOUND, "the outer scope", async move {
        scope! {
            let (started, running) = oneshot::channel();
            spawn_blocking!(move || {
                tokio::runtime::Handle::current().block_on(async move {
                    scope! {
                        let alive = children.alive();
                        spawn!(async move {
                            forever::<()>().await;
                            alive.finish();
                        });
                        let _ = started.send(());
                        taskgroup::cancelled().await;
                    };
                })
            });
            running.await.unwrap();
            cancel!();
        }
    })
    .await;
    assert_eq!(tracker.started(), 1);
    assert_eq!(tracker.live(), 0);
    assert_eq!(tracker.finished(), 0);
}

/// How the enclosing scope of a blocking closure's scope stops.
#[derive(Clone, Copy, Debug)]
enum Stops {
    Cancel,
    ChildFails,
    Dropped,
}

/// A scope in a `spawn_blocking!` closure (run with `Handle::block_on`)
/// whose body ignores cancellation (it awaits a future that never ends):
/// when the enclosing scope aborts, nobody drops that scope's future, so
/// the scope drops its body itself, as it drops its children, and the
/// closure returns. With `opens_late`, the closure opens its scope only
/// after the enclosing scope aborted: the scope is born aborted.
/// (Before the fix: the body ran on, the closure never returned, and the
/// enclosing scope waited for it for ever.)
async fn blocking_scope_body_stops(stops: Stops, opens_late: bool) {
    let tracker = Tracker::new();
    let children = tracker.clone();
    // The closure is running: its scope is open (or, with `opens_late`,
    // about to be opened once the enclosing scope stopped).
    let (opened, open) = std::sync::mpsc::channel::<()>();
    let opened_late = opened.clone();
    let (go_on, go) = std::sync::mpsc::channel::<()>();
    let (returned, closure_returned) = oneshot::channel::<()>();
    let (running, closure_runs) = oneshot::channel::<()>();
    // When the closure opens its scope late: after `cancel!()`, in the
    // body; after the drop, here.
    let (mut go_on_now, mut go_on_after) = match stops {
        Stops::Cancel => (Some(go_on), None),
        _ => (None, Some(go_on)),
    };
    let root = async move {
        let outcome: Result<(), Failed> = scope! {
            spawn_blocking!(move || {
                if opens_late {
                    let _ = opened_late.send(());
                    go.recv().unwrap();
                }
                let _ = tokio::runtime::Handle::current().block_on(catch_unwind(async move {
                    scope! {
                        let alive = children.alive();
                        spawn!(async move {
                            forever::<()>().await;
                            alive.finish();
                        });
                        let _body = children.alive();
                        let _ = opened.send(());
                        forever::<()>().await;
                    }
                }));
                let _ = returned.send(());
            });
            spawn_blocking!(move || open.recv().unwrap()).await;
            // The closure runs (its scope is open, or about to be).
            let _ = running.send(());
            match stops {
                Stops::Cancel => {
                    cancel!();
                    if let Some(go_on) = go_on_now.take() {
                        let _ = go_on.send(());
                    }
                    return Ok(());
                }
                Stops::ChildFails => {
                    spawn!(async { Err::<(), _>(Failed("child")) });
                }
                Stops::Dropped => {}
            }
            forever::<()>().await;
            Ok(())
        };
        outcome
    };
    match stops {
        Stops::Dropped => {
            // The root's future is dropped once the closure runs (a drop
            // before it starts would never run it).
            tokio::select! {
                _ = root => unreachable!("the root never returns"),
                _ = closure_runs => {}
            }
        }
        Stops::Cancel => assert_eq!(bounded(REAL_BOUND, "the root", root).await, Ok(())),
        Stops::ChildFails => {
            assert_eq!(
                bounded(REAL_BOUND, "the root", root).await,
                Err(Failed("child"))
            );
        }
    }
    if let Some(go_on) = go_on_after.take() {
        let _ = go_on.send(());
    }
    bounded(REAL_BOUND, "the blocking closure", closure_returned)
        .await
        .unwrap();
    bounded(REAL_BOUND, "the children", tracker.wait_idle()).await;
    assert_eq!(tracker.finished(), 0);
}

/// The counterpart: a scope awaited in its parent's body after the
/// parent's own `cancel!()` is aborted (its children refused), but its body
/// runs to its end, as the parent's does, and returns its value.
#[taskgroup::test(start_paused = true)]
async fn a_nested_scope_after_the_parents_cancel_runs_its_body_to_the_end() {
    let value = bounded(PAUSED_BOUND, "the scope", async {
        scope! {
            cancel!();
            let inner: u32 = scope! {
                let refused = spawn!(async { 1_u32 });
                drop(refused);
                sleep(Duration::from_millis(5)).await;
                7
            };
            inner + 1
        }
    })
    .await;
    assert_eq!(value, 8);
}

#[taskgroup::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocking_scope_body_stops_when_the_enclosing_scope_cancels() {
    blocking_scope_body_stops(Stops::Cancel, false).await;
}

#[taskgroup::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocking_scope_body_stops_when_the_enclosing_scope_fails() {
    blocking_scope_body_stops(Stops::ChildFails, false).await;
}

#[taskgroup::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocking_scope_body_stops_when_the_enclosing_scope_is_dropped() {
    blocking_scope_body_stops(Stops::Dropped, false).await;
}

#[taskgroup::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocking_scope_opened_after_the_enclosing_scope_was_dropped_stops() {
    blocking_scope_body_stops(Stops::Dropped, true).await;
}

#[taskgroup::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocking_scope_opened_after_the_enclosing_scope_cancelled_stops() {
    blocking_scope_body_stops(Stops::Cancel, true).await;
}

// ---------------------------------------------------------------------------
// Semantics 10: a nested scope future leaked with `mem::forget`.

/// Polls `future` once (it opens its scope and spawns), then leaks it.
async fn poll_once_then_forget<F: Future>(future: F) {
    let mut future = Box::pin(future);
    poll_fn(|cx| {
        assert!(future.as_mut().poll(cx).is_pending());
        Poll::Ready(())
    })
    .await;
    std::mem::forget(future);
}

/// Runs `scenario` under the leak check, itself bounded (by more than the
/// scenario's own bounds, whose message then shows on stderr). These tests use
/// `#[tokio::test]` and call the leak check here rather than through
/// `#[taskgroup::test]`: the scenario leaks a scope on purpose, which the
/// leak check reports once everything else has stopped (issue 14); any
/// other failure (the scenario's own assertions, a real leak) is resumed.
async fn leak_checked<F: Future>(scenario: F) {
    let checked = bounded(
        PAUSED_BOUND,
        "the scenario under the leak check",
        catch_unwind(taskgroup::testing::check_leaks(Box::pin(scenario))),
    )
    .await;
    match checked {
        Ok(_) => panic!("the leak check did not report the leaked scope"),
        Err(payload) => {
            let message = panic_message(&*payload).unwrap_or_default().to_owned();
            if !message.contains("was leaked (`std::mem::forget`)") {
                std::panic::resume_unwind(payload);
            }
        }
    }
}

/// Semantics 10: a nested scope future polled once (its child is running,
/// waiting on a channel) then leaked: its body never runs again, and `cancel!()` on the
/// enclosing scope cancels the leaked scope's child and returns.
#[tokio::test(start_paused = true)]
async fn a_leaked_nested_scope_is_cancelled_with_the_enclosing_scope() {
    let tracker = Tracker::new();
    let (waiting, child_waits) = oneshot::channel::<()>();
    let body_resumed = Arc::new(AtomicBool::new(false));
    let (_release, released) = oneshot::channel::<()>();
    let (alive, resumed) = (tracker.alive(), body_resumed.clone());
    leak_checked(async {
        bounded(60 * SECOND, "the enclosing scope", async {
            scope! {
                poll_once_then_forget(async move {
                    scope! {
                        spawn!(async move {
                            let _ = waiting.send(());
                            let _ = released.await;
                            alive.finish();
                        });
                        forever::<()>().await;
                        resumed.store(true, SeqCst);
                    };
                })
                .await;
                child_waits.await.unwrap();
                cancel!();
            }
        })
        .await;
        assert_eq!(tracker.started(), 1);
        assert_eq!(
            tracker.live(),
            0,
            "the leaked scope's child outlived the enclosing scope"
        );
        assert_eq!(tracker.finished(), 0);
        assert!(!body_resumed.load(SeqCst));
    })
    .await;
}

/// Semantics 10: the same, the child released instead: the enclosing scope
/// joins it and returns.
#[tokio::test(start_paused = true)]
async fn a_leaked_nested_scope_child_is_joined_by_the_enclosing_scope() {
    let tracker = Tracker::new();
    let (waiting, child_waits) = oneshot::channel::<()>();
    let (release, released) = oneshot::channel::<()>();
    let alive = tracker.alive();
    leak_checked(async {
        bounded(60 * SECOND, "the enclosing scope", async {
            scope! {
                poll_once_then_forget(async move {
                    scope! {
                        spawn!(async move {
                            let _ = waiting.send(());
                            let _ = released.await;
                            sleep(SECOND).await;
                            alive.finish();
                        });
                        forever::<()>().await;
                    };
                })
                .await;
                child_waits.await.unwrap();
                release.send(()).unwrap();
            }
        })
        .await;
        assert_eq!(
            tracker.finished(),
            1,
            "the enclosing scope did not join the child"
        );
        assert_eq!(tracker.live(), 0);
    })
    .await;
}

/// Semantics 10: the same, the enclosing scope's future dropped: the
/// leaked scope's child stops, and nothing is left alive.
#[tokio::test(start_paused = true)]
async fn a_leaked_nested_scope_child_stops_when_the_enclosing_scope_is_dropped() {
    let tracker = Tracker::new();
    let (waiting, child_waits) = oneshot::channel::<()>();
    let (_release, released) = oneshot::channel::<()>();
    let (leaked, was_leaked) = oneshot::channel::<()>();
    let alive = tracker.alive();
    leak_checked(async {
        tokio::select! {
            () = async {
                scope! {
                    poll_once_then_forget(async move {
                        scope! {
                            spawn!(async move {
                                let _ = waiting.send(());
                        let _ = released.await;
                                alive.finish();
                            });
                            forever::<()>().await;
                        };
                    })
                    .await;
                    child_waits.await.unwrap();
                    let _ = leaked.send(());
                    forever::<()>().await;
                }
            } => unreachable!("the enclosing scope returned"),
            _ = was_leaked => {}
        }
        bounded(
            60 * SECOND,
            "the leaked scope's child stopping",
            tracker.wait_idle(),
        )
        .await;
        assert_eq!(tracker.finished(), 0);
    })
    .await;
}

// ---------------------------------------------------------------------------
// Semantics 6: panics in `start!` and pool closures, resumed exactly once.

enum Caught {
    Value(String),
    Panic(Option<String>),
}

/// Runs `inner` (which opens a scope that must resume the panic `message`)
/// in the body of an enclosing scope that catches it: the panic comes out
/// of the inner scope with its payload, and the enclosing scope, the panic
/// handled by its body, does not resume it a second time.
async fn resumed_exactly_once<F>(message: &str, inner: F)
where
    F: Future,
    F::Output: Debug,
{
    // Boxed: nested scope futures are large in debug builds.
    let inner = Box::pin(inner);
    let outer = catch_unwind(Box::pin(async {
        scope! {
            match catch_unwind(inner).await {
                Ok(value) => Caught::Value(format!("{value:?}")),
                Err(payload) => Caught::Panic(panic_message(&*payload).map(str::to_owned)),
            }
        }
    }))
    .await;
    match outer {
        Err(payload) => panic!(
            "the panic was resumed again by the enclosing scope: {:?}",
            panic_message(&*payload)
        ),
        Ok(Caught::Value(value)) => panic!("the panic was lost: the scope returned {value}"),
        Ok(Caught::Panic(caught)) => assert_eq!(caught.as_deref(), Some(message)),
    }
}

/// Semantics 6: a `start!` closure panicking (before it returns its
/// future, so before ready): resumed by the scope, once, with its payload.
#[taskgroup::test(start_paused = true)]
async fn a_panic_in_a_start_closure_is_resumed_once() {
    bounded(
        PAUSED_BOUND,
        "the scopes",
        resumed_exactly_once("start closure", async {
            let result: Result<(), Failed> = scope! {
                let started = start!(|ready: Ready<u32>| {
                    if true {
                        panic!("start closure");
                    }
                    async move {
                        ready.send(1);
                        Ok(())
                    }
                });
                let _ = started;
                Ok(())
            };
            result
        }),
    )
    .await;
}

/// Semantics 6: a `start!` child panicking before it signals: resumed by
/// the scope, once, with its payload.
#[taskgroup::test(start_paused = true)]
async fn a_panic_in_a_start_child_before_ready_is_resumed_once() {
    bounded(
        PAUSED_BOUND,
        "the scopes",
        resumed_exactly_once("start child", async {
            let result: Result<(), Failed> = scope! {
                let started = start!(|ready: Ready<u32>| async move {
                    sleep(MS).await;
                    if true {
                        panic!("start child");
                    }
                    ready.send(1);
                    Ok(())
                });
                let _ = started;
                Ok(())
            };
            result
        }),
    )
    .await;
}

/// Semantics 6: a `pool::map` item closure panicking (before it returns
/// its future): resumed by the caller, once, with its payload.
#[taskgroup::test(start_paused = true)]
async fn a_panic_in_a_pool_map_closure_is_resumed_once() {
    bounded(
        PAUSED_BOUND,
        "the scopes",
        resumed_exactly_once(
            "item 5",
            taskgroup::pool::map(0..10u32, 3, |i| {
                if i == 5 {
                    panic!("item 5");
                }
                async move { i }
            }),
        ),
    )
    .await;
}

/// Semantics 6: a `pool::map` item's future panicking: resumed by the
/// caller, once, with its payload.
#[taskgroup::test(start_paused = true)]
async fn a_panic_in_a_pool_map_item_future_is_resumed_once() {
    bounded(
        PAUSED_BOUND,
        "the scopes",
        resumed_exactly_once(
            "item future 5",
            taskgroup::pool::map(0..10u32, 3, |i| async move {
                sleep(MS).await;
                if i == 5 {
                    panic!("item future 5");
                }
                i
            }),
        ),
    )
    .await;
}

/// A nested scope whose token is cancelled (its parent signalled it) is
/// cancelled itself when its code wakes: `is_cancelled()` and `cause()`
/// agree with `cancelled()` (the parent signalled the nested scopes before
/// cancelling its token, which the nested tokens are children of; found by
/// the supervisor example, where they raced on two workers).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nested_scope_woken_by_its_token_sees_itself_cancelled() {
    for _ in 0..300 {
        let (ready, started) = tokio::sync::oneshot::channel::<()>();
        let result: Result<(), &str> = scope!(grace = std::time::Duration::from_secs(5); {
            spawn!(async move {
                let _: Result<(), &str> = scope! {
                    ready.send(()).unwrap();
                    taskgroup::cancelled().await;
                    assert!(taskgroup::is_cancelled(), "woken by the token, not cancelled");
                    assert!(taskgroup::cause().is_some(), "woken by the token, no cause");
                    Ok(())
                };
            });
            started.await.unwrap();
            cancel!();
            Ok(())
        });
        assert_eq!(result, Ok(()));
    }
}
