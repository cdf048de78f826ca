//! Adversarial tests, second round: the lifecycle state machine, scoped children, the unwind path.
//!
//! Adversarial tests, second round: features combined to break the
//! README's promises in the runtime's new mechanisms (the lifecycle state
//! machine, the runner's scoped children and adopted handles, the unwind
//! path, the absorbing waker of `spawn_scoped!`).
//!
//! Each test asserts the behaviour the README promises. The ones that fail
//! are findings (their doc comment says which promise and what happens);
//! the others are attacks that held, kept as regression guards.

mod common;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

use common::{
    catch_unwind, forever, multi_thread, panic_message, SpinBarrier, Tracker, HANG, REAL_HANG,
};
use taskgroup::{scope, Elapsed, Errors};
use tokio::sync::oneshot;
use tokio::time::{sleep, timeout};

#[derive(Debug, PartialEq)]
struct Failed(&'static str);

impl From<Elapsed> for Failed {
    fn from(_: Elapsed) -> Self {
        Failed("elapsed")
    }
}

// ---------------------------------------------------------------------------
// Background children × scoped children after the body returned

/// Tries: a `spawn_scoped!` child that awaits the handle of a
/// `spawn_background!` child; the body returns at once, so the background
/// child is stopped ("when the body is done they are cancelled instead of
/// awaited") while the scoped child, driven by the runner after the body,
/// still awaits its handle.
/// Promise: "nothing deadlocks"; awaiting a child "that was cancelled
/// before it finished … panics with a message naming the task and the
/// cause, since no value exists".
/// Observed: the scope hangs: the background child stopped without a
/// value while the scope is not cancelled, which the handle takes for a
/// runtime shutdown (`Pending`, no waker).
#[tokio::test(start_paused = true)]
async fn a_scoped_child_awaiting_a_stopped_background_child_does_not_hang() {
    let returned = timeout(
        HANG,
        catch_unwind(async {
            scope! {
                let heartbeat = spawn_background!(name = "heartbeat", forever::<u32>());
                spawn_scoped!(heartbeat);
            }
        }),
    )
    .await;
    let caught = returned.expect("the scope hung on a background handle awaited after the body");
    let payload = caught.expect_err("awaiting a stopped background child must panic");
    let message = panic_message(&*payload).unwrap_or_default();
    assert!(message.contains("heartbeat"), "{message}");
}

// ---------------------------------------------------------------------------
// The unwind path (`Fate::DroppedAbove`) taken where no one is dropping

/// Tries: `errors = all`; the body awaits a task that failed, so the body
/// is abandoned ("it is dropped there, the other children still run to the
/// end"). A sibling task, still running, opens a scope of its own, calls
/// `cancel!()` there and then awaits a handle of that scope, which has no
/// value.
/// Promise: the sibling is not cancelled (`errors = all`: "no failure
/// cancels the siblings"), and awaiting a cancelled child's handle "panics
/// with a message naming the task and the cause"; "panics are never lost …
/// A panic is resumed even when an error came first".
/// Observed: the await unwinds silently (the runtime walks up to the
/// enclosing scope, sees its *body* abandoned, and takes the "body nobody
/// can drop" path although this code runs in a task nobody drops): the
/// sibling task vanishes, no panic is resumed, the scope returns its errors.
#[tokio::test(start_paused = true)]
async fn a_panic_in_a_sibling_task_is_not_lost_when_errors_all_abandons_the_body() {
    let reached_the_await = Arc::new(AtomicBool::new(false));
    let reached = reached_the_await.clone();
    let returned = timeout(
        HANG,
        catch_unwind(async move {
            let result: Result<(), Errors<Failed>> = scope!(errors = all; {
                let failing = spawn!(async { Err::<u32, _>(Failed("first")) });
                spawn!(async move {
                    sleep(Duration::from_secs(1)).await; // the body is abandoned by now
                    scope! {
                        cancel!();
                        let refused = spawn!(name = "refused", async { 1u32 });
                        reached.store(true, SeqCst);
                        refused.await
                    }
                });
                failing.await;
                Ok(())
            });
            result
        }),
    )
    .await
    .expect("hung");
    assert!(
        reached_the_await.load(SeqCst),
        "the sibling task did not run"
    );
    let payload = returned.expect_err("the panic of the sibling task was lost");
    let message = panic_message(&*payload).unwrap_or_default();
    assert!(message.contains("refused"), "{message}");
}

/// Tries: a scope with `grace` fails (a child's `Err`); during the grace
/// period a sibling task does its clean-up, which opens a scope and fans
/// out with `spawn!` (refused: everything below is signalled) and awaits
/// the handle.
/// Promise (Time limits): during `grace` "children may finish their
/// clean-up on their own"; a `spawn!` after the signal gives "a handle
/// with no value", and awaiting it panics (TaskHandle docs); the panic is
/// resumed even though an error came first.
/// Observed: the await unwinds silently (the unwind path is meant for a
/// body that an enclosing failure *drops*, but the task is in its grace
/// period and nobody drops it): the clean-up is cut short with no panic,
/// no error, nothing recorded.
#[tokio::test(start_paused = true)]
async fn a_fan_out_during_a_failure_grace_period_panics_instead_of_vanishing() {
    let returned = timeout(
        HANG,
        catch_unwind(async {
            let result: Result<(), Failed> = scope!(grace = Duration::from_secs(10); {
                spawn!(async {
                    taskgroup::cancelled().await;
                    scope! {
                        let late = spawn!(name = "late fan-out", async { 1u32 });
                        late.await
                    }
                });
                spawn!(async { Err::<(), _>(Failed("first")) });
                forever::<()>().await;
                Ok(())
            });
            result
        }),
    )
    .await
    .expect("hung");
    let payload = returned.expect_err("the clean-up's panic was lost");
    let message = panic_message(&*payload).unwrap_or_default();
    assert!(message.contains("late fan-out"), "{message}");
}

// ---------------------------------------------------------------------------
// First failure vs cause: every pair of events, on two threads

#[derive(Debug, PartialEq)]
enum Raced {
    Child,
    Timeout,
    Scoped,
    Body,
}

impl From<Elapsed> for Raced {
    fn from(_: Elapsed) -> Self {
        Raced::Timeout
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Event {
    ChildErr,
    ChildPanic,
    TaskTimeout,
    ScopedErr,
    BodyErr,
    BodyPanic,
    Cancel,
}

impl Event {
    fn in_body(self) -> bool {
        matches!(self, Event::BodyErr | Event::BodyPanic | Event::Cancel)
    }
    /// What `cause()` names for it, and what an `Err` of it is.
    fn name(self) -> &'static str {
        match self {
            Event::ChildErr => "child",
            Event::ChildPanic => "panicker",
            Event::TaskTimeout => "timeout",
            Event::ScopedErr => "scoped",
            Event::BodyErr => "body",
            Event::BodyPanic => "body panic",
            Event::Cancel => "cancel",
        }
    }
}

fn named(cause: &Option<taskgroup::Cause>) -> String {
    use taskgroup::Cause;
    match cause {
        Some(Cause::TaskFailed(task) | Cause::TaskPanicked { task, .. }) => {
            task.name().unwrap_or("unnamed").to_owned()
        }
        Some(Cause::TaskTimedOut { .. }) => "timeout".to_owned(),
        Some(Cause::BodyFailed(_)) => "body".to_owned(),
        Some(Cause::BodyPanicked { .. }) => "body panic".to_owned(),
        Some(Cause::Cancelled { .. }) => "cancel".to_owned(),
        other => format!("{other:?}"),
    }
}

fn error_name(error: &Raced) -> &'static str {
    match error {
        Raced::Child => "child",
        Raced::Timeout => "timeout",
        Raced::Scoped => "scoped",
        Raced::Body => "body",
    }
}

/// One round: `first` and `second` happen at the same instant (a spin
/// barrier, two worker threads); an observer records `cause()` when it is
/// cancelled. Returns a description of the inconsistency, if any.
async fn race_round(first: Event, second: Event) -> Option<String> {
    let pair = [first, second];
    let has = |event: Event| pair.contains(&event);
    let observed: Arc<std::sync::Mutex<Option<Option<taskgroup::Cause>>>> = Arc::default();
    let seen = observed.clone();
    let panicked = Arc::new(AtomicBool::new(false));
    let (panicked_child, panicked_body) = (panicked.clone(), panicked.clone());
    let outcome = timeout(
        REAL_HANG,
        catch_unwind(async move {
            let result: Result<(), Raced> = scope! {
                let meet = SpinBarrier::default();
                struct Record(Arc<std::sync::Mutex<Option<Option<taskgroup::Cause>>>>);
                impl Drop for Record {
                    fn drop(&mut self) {
                        let mut slot = self.0.lock().unwrap();
                        if slot.is_none() {
                            *slot = Some(taskgroup::cause());
                        }
                    }
                }
                let record = Record(seen);
                spawn!(name = "observer", async move {
                    taskgroup::cancelled().await;
                    drop(record);
                    forever::<()>().await
                });
                if has(Event::ChildErr) {
                    let meet = meet.clone();
                    spawn!(name = "child", async move {
                        meet.wait(2).await;
                        Err::<(), _>(Raced::Child)
                    });
                }
                if has(Event::ChildPanic) {
                    let meet = meet.clone();
                    spawn!(name = "panicker", async move {
                        meet.wait(2).await;
                        panicked_child.store(true, SeqCst);
                        if meet.arrived() > 0 {
                            panic!("child panic");
                        }
                    });
                }
                if has(Event::TaskTimeout) {
                    let meet = meet.clone();
                    spawn!(name = "timeout", timeout = Duration::ZERO, async move {
                        meet.wait(2).await;
                        forever::<()>().await
                    });
                }
                if has(Event::ScopedErr) {
                    let meet = meet.clone();
                    spawn_scoped!(name = "scoped", async move {
                        meet.wait(2).await;
                        Err::<(), _>(Raced::Scoped)
                    });
                }
                if has(Event::BodyErr) {
                    meet.wait(2).await;
                    return Err(Raced::Body);
                }
                if has(Event::BodyPanic) {
                    meet.wait(2).await;
                    panicked_body.store(true, SeqCst);
                    panic!("body panic");
                }
                if has(Event::Cancel) {
                    meet.wait(2).await;
                    cancel!();
                }
                Ok(())
            };
            result
        }),
    )
    .await;
    let Ok(outcome) = outcome else {
        return Some(format!("{pair:?}: hung"));
    };
    let cause = observed.lock().unwrap().take();
    let cause = match cause {
        Some(cause) => named(&cause),
        None => "nothing observed".to_owned(),
    };
    let names: Vec<&str> = pair.iter().map(|event| event.name()).collect();
    if !names.contains(&cause.as_str()) {
        return Some(format!("{pair:?}: cause() named {cause}"));
    }
    let panicked = panicked.load(SeqCst);
    match outcome {
        Err(payload) => {
            let message = panic_message(&*payload).unwrap_or_default().to_owned();
            if !panicked {
                return Some(format!("{pair:?}: unexpected panic {message}"));
            }
            None
        }
        Ok(_) if panicked => Some(format!("{pair:?}: the panic was lost")),
        Ok(Ok(())) if cause != "cancel" => {
            Some(format!("{pair:?}: Ok(()) but cause() named {cause}"))
        }
        Ok(Ok(())) => None,
        Ok(Err(error)) if error_name(&error) != cause => Some(format!(
            "{pair:?}: returned {error:?}, cause() named {cause}"
        )),
        Ok(Err(_)) => None,
    }
}

/// Held: every pair of (child `Err`, child panic, task `timeout`, scoped
/// child `Err`, body `Err`, body panic, `cancel!()`) happening at the same
/// instant on two threads, 200 rounds each: the failure returned is the one
/// `cause()` names for a sibling; a panic is always resumed; `cancel!()`
/// first means `Ok` with `Cancelled`, never a mix.
#[test]
fn every_pair_of_simultaneous_events_gives_one_consistent_outcome() {
    use Event::*;
    let events = [
        ChildErr,
        ChildPanic,
        TaskTimeout,
        ScopedErr,
        BodyErr,
        BodyPanic,
        Cancel,
    ];
    let runtime = multi_thread();
    let mut problems = Vec::new();
    for (i, &first) in events.iter().enumerate() {
        for &second in &events[i + 1..] {
            if first.in_body() && second.in_body() {
                continue; // one body: these cannot be simultaneous
            }
            for _ in 0..200 {
                if let Some(problem) = runtime.block_on(race_round(first, second)) {
                    problems.push(problem);
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} inconsistent rounds; first ones: {:#?}",
        problems.len(),
        &problems[..problems.len().min(5)]
    );
}

// ---------------------------------------------------------------------------
// `errors = all` × `cancel!()`

/// Tries: `errors = all` with a scope `timeout`; the body calls `cancel!()`
/// ("we have what we need") and goes on past the deadline.
/// Promise (Time limits): "After `cancel!()` the scope's own deadline no
/// longer fails it (the body's value stands) but still aborts what is
/// left"; `cancel!()`: "the body goes on and its value is the scope's
/// value".
/// Observed: `Err(Errors[elapsed])`: `deadline_passed` skips its
/// `SETTLED` check when `collect_all`, so the deadline fails the scope and
/// drops the body.
#[tokio::test(start_paused = true)]
async fn errors_all_after_cancel_the_deadline_no_longer_fails_the_scope() {
    let returned = timeout(HANG, async {
        let result: Result<u32, Errors<Failed>> =
            scope!(errors = all, timeout = Duration::from_secs(1); {
                spawn!(forever::<()>());
                cancel!();
                sleep(Duration::from_secs(2)).await; // past the deadline
                Ok(5)
            });
        result
    })
    .await
    .expect("hung");
    assert_eq!(returned.map_err(|errors| errors.len()), Ok(5));
}

/// Tries: `errors = all` with `grace`; the body calls `cancel!()`; a child
/// answers the cancellation as many clients do, by returning an `Err`
/// ("cancelled") from its `select!` on `taskgroup::cancelled()`.
/// Promise: `cancel!()`: "every child is cancelled and joined … the body
/// goes on and its value is the scope's value"; "Errors of children that
/// were being cancelled are dropped".
/// Observed: `Err(Errors[cancelled])`: with `errors = all` an error after
/// the scope's own `cancel!()` is still collected (the body's value is
/// lost). (The README's errors = all section does not mention `cancel!()`;
/// state.rs's table says "collected": a design question at least.)
#[tokio::test(start_paused = true)]
async fn errors_all_after_cancel_a_child_erring_on_cancellation_keeps_the_body_value() {
    let returned = timeout(HANG, async {
        let result: Result<u32, Errors<Failed>> =
            scope!(errors = all, grace = Duration::from_secs(5); {
                spawn!(async {
                    tokio::select! {
                        () = taskgroup::cancelled() => Err(Failed("cancelled")),
                        () = forever::<()>() => Ok(()),
                    }
                });
                cancel!();
                Ok(5)
            });
        result
    })
    .await
    .expect("hung");
    assert_eq!(returned.map_err(|errors| errors.len()), Ok(5));
}

/// Held: `errors = all` with every kind failing in turn (a scoped child, a
/// task, a task's own `timeout`, a blocking closure, the body's `Err`),
/// then the scope's deadline with a child still alive: every error in the
/// order it happened, each with its task (none for the body and the
/// deadline), and the deadline stops the rest.
#[tokio::test(start_paused = true)]
async fn errors_all_with_every_kind_keeps_time_order_and_tasks() {
    let tracker = Tracker::new();
    let started = tokio::time::Instant::now();
    let returned = timeout(HANG, async {
        let result: Result<(), Errors<Failed>> =
            scope!(errors = all, timeout = Duration::from_secs(6); {
                spawn_scoped!(name = "scoped", async {
                    sleep(Duration::from_secs(1)).await;
                    Err::<(), _>(Failed("scoped"))
                });
                spawn!(name = "task", async {
                    sleep(Duration::from_secs(2)).await;
                    Err::<(), _>(Failed("task"))
                });
                spawn!(name = "timed", timeout = Duration::from_secs(3), forever::<()>());
                let alive = tracker.alive();
                spawn!(name = "straggler", async move {
                    let _alive = alive;
                    forever::<()>().await
                });
                sleep(Duration::from_secs(4)).await;
                // Paused time does not advance while a blocking closure
                // runs: its error lands before the body's, at t = 4 s.
                spawn_blocking!(name = "blocking", || Err::<(), _>(Failed("blocking")));
                sleep(Duration::from_secs(1)).await;
                Err(Failed("body"))
            });
        result
    })
    .await
    .expect("hung");
    let errors = returned.expect_err("every failure is an error");
    let seen: Vec<(&str, Option<&str>)> = errors
        .iter()
        .map(|failure| {
            (
                failure.error().0,
                failure.task().and_then(|task| task.name()),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("scoped", Some("scoped")),
            ("task", Some("task")),
            ("elapsed", Some("timed")),
            ("blocking", Some("blocking")),
            ("body", None),
            ("elapsed", None),
        ]
    );
    assert_eq!(started.elapsed(), Duration::from_secs(6));
    assert_eq!(tracker.live(), 0);
}

// ---------------------------------------------------------------------------
// spawn_scoped! fairness

/// One side of a ping-pong that never touches tokio (no cooperative
/// budget is spent): each move wakes the other side while the scope's
/// future is polling, which its absorbing waker turns into another round.
async fn ping_pong(
    me: u64,
    count: std::rc::Rc<std::cell::Cell<u64>>,
    wakers: std::rc::Rc<[std::cell::Cell<Option<std::task::Waker>>; 2]>,
    stop: Arc<AtomicBool>,
) {
    while !stop.load(SeqCst) {
        std::future::poll_fn(|cx| {
            if count.get() % 2 == me {
                count.set(count.get() + 1);
                if let Some(other) = wakers[(1 - me) as usize].take() {
                    other.wake();
                }
                std::task::Poll::Ready(())
            } else {
                wakers[me as usize].set(Some(cx.waker().clone()));
                std::task::Poll::Pending
            }
        })
        .await;
    }
}

/// Held: on a current-thread runtime, a body and a scoped child that
/// ping-pong forever (each move wakes the other during the scope's poll,
/// no tokio budget spent) do not starve an ordinary tokio task, which
/// stops them; both as the root future (`block_on`) and inside a task.
#[test]
fn a_body_and_a_scoped_child_ping_ponging_do_not_starve_other_tasks() {
    for in_task in [false, true] {
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let stop = Arc::new(AtomicBool::new(false));
                let game = {
                    let stop = stop.clone();
                    async move {
                        let count = std::rc::Rc::new(std::cell::Cell::new(0));
                        let wakers = std::rc::Rc::new([
                            std::cell::Cell::new(None),
                            std::cell::Cell::new(None),
                        ]);
                        let moves = scope! {
                            spawn_scoped!(ping_pong(1, count.clone(), wakers.clone(), stop.clone()));
                            ping_pong(0, count.clone(), wakers.clone(), stop.clone()).await;
                            count.get()
                        };
                        assert!(moves > 0);
                    }
                };
                let flag = stop.clone();
                let stopper = tokio::spawn(async move {
                    tokio::task::yield_now().await;
                    flag.store(true, SeqCst);
                });
                if in_task {
                    let local = tokio::task::LocalSet::new();
                    local.run_until(async move { tokio::task::spawn_local(game).await }).await.expect("game");
                } else {
                    game.await;
                }
                stopper.await.expect("stopper");
            });
            done.send(()).ok();
        });
        finished
            .recv_timeout(REAL_HANG)
            .unwrap_or_else(|_| panic!("starved (in a task: {in_task})"));
    }
}

// ---------------------------------------------------------------------------
// The unwind path, where it is meant to run

fn alive_forever() -> bool {
    false
}

/// Held: two levels of `spawn_blocking!` + `Handle::block_on(scope! …)`,
/// the middle scope with `errors = all`, the innermost body awaiting a
/// child that ignores the signal; the outer scope (with `grace`) fails:
/// after the grace period the innermost body unwinds through both
/// blocking closures, the outer scope returns its own error, nothing is
/// left running and no panic surfaces.
#[test]
fn a_failure_unwinds_two_nested_blocking_scopes_after_grace() {
    let runtime = multi_thread();
    let tracker = Tracker::new();
    let returned = runtime.block_on(async {
        timeout(
            REAL_HANG,
            catch_unwind(async {
                let (started, is_started) = oneshot::channel::<()>();
                let alive = tracker.alive();
                let result: Result<(), Failed> = scope!(grace = Duration::from_millis(50); {
                    spawn_blocking!(name = "outer blocking", move || -> () {
                        let handle = tokio::runtime::Handle::current();
                        let middle: Result<u32, Errors<Failed>> = handle.block_on(async move {
                            scope!(errors = all; {
                                let inner = spawn_blocking!(name = "inner blocking", move || {
                                    let handle = tokio::runtime::Handle::current();
                                    handle.block_on(async move {
                                        scope! {
                                            let stubborn = spawn!(name = "stubborn", async move {
                                                let _alive = alive;
                                                started.send(()).ok();
                                                loop {
                                                    // Ignores the signal; only an abort stops it.
                                                    sleep(Duration::from_millis(5)).await;
                                                    if alive_forever() {
                                                        break 7u32;
                                                    }
                                                }
                                            });
                                            let never: u32 = stubborn.await;
                                            never
                                        }
                                    })
                                });
                                Ok(inner.await)
                            })
                        });
                        panic!("the middle scope returned: {:?}", middle.map_err(|e| e.len()));
                    });
                    spawn!(name = "failing", async move {
                        is_started.await.ok();
                        Err::<(), _>(Failed("outer"))
                    });
                    Ok(())
                });
                result
            }),
        )
        .await
    });
    let caught = returned.expect("hung");
    let result =
        caught.unwrap_or_else(|payload| panic!("a panic surfaced: {:?}", panic_message(&*payload)));
    assert_eq!(result, Err(Failed("outer")));
    assert_eq!(tracker.live(), 0);
}

// ---------------------------------------------------------------------------
// Handles dropped before their task finished (the orphan path)

/// Counts its drops; panics in `Drop` when asked to.
struct Counted {
    drops: Arc<AtomicUsize>,
    panic: bool,
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.drops.fetch_add(1, SeqCst);
        if self.panic {
            panic!("Counted dropped");
        }
    }
}

/// Held: on two threads, 200 rounds: a nested scope is dropped (lost a
/// `select!`) while its task is in the middle of a poll on another
/// worker, busy in a synchronous call; the task then returns a value
/// whose `Drop` panics; its handle was dropped earlier in the nested body.
/// The value is dropped exactly once, by the enclosing scope, and its
/// panic is resumed there after the join.
#[test]
fn a_value_produced_by_a_straggler_of_a_dropped_nested_scope_is_dropped_once() {
    let runtime = multi_thread();
    for round in 0..200 {
        let drops = Arc::new(AtomicUsize::new(0));
        let count = drops.clone();
        let returned = runtime.block_on(async move {
            timeout(
                REAL_HANG,
                catch_unwind(async move {
                    scope! {
                        let in_poll = Arc::new(AtomicBool::new(false));
                        let release = Arc::new(AtomicBool::new(false));
                        let (in_poll_flag, release_flag) = (in_poll.clone(), release.clone());
                        let nested = async move {
                            scope! {
                                let handle = spawn!(name = "straggler", async move {
                                    tokio::task::yield_now().await;
                                    in_poll_flag.store(true, SeqCst);
                                    while !release_flag.load(SeqCst) {
                                        std::hint::spin_loop(); // a synchronous call
                                    }
                                    Counted { drops: count, panic: true }
                                });
                                drop(handle);
                                forever::<()>().await
                            }
                        };
                        tokio::select! {
                            () = nested => unreachable!(),
                            () = async {
                                while !in_poll.load(SeqCst) {
                                    tokio::task::yield_now().await;
                                }
                            } => {}
                        }
                        // The nested scope is gone; its task is still in its poll.
                        release.store(true, SeqCst);
                    }
                }),
            )
            .await
        });
        let caught = returned.unwrap_or_else(|_| panic!("round {round}: hung"));
        let payload = caught.expect_err("the value's panic was lost");
        assert_eq!(
            panic_message(&*payload),
            Some("Counted dropped"),
            "round {round}"
        );
        assert_eq!(
            drops.load(SeqCst),
            1,
            "round {round}: dropped {} times",
            drops.load(SeqCst)
        );
    }
}

// ---------------------------------------------------------------------------
// Nested scopes opened while the parent signals or aborts, on another thread

/// Held: a blocking closure opens a nested scope (a child that waits
/// forever, a body that waits for `cancelled()`) while a sibling fails on
/// another thread at a varying moment, 300 rounds: a nested scope opened
/// at the very moment of the abort is signalled and aborted too (never
/// missed: it would hang), later ones see it at once, and every child has
/// stopped when the scope returns.
#[test]
fn nested_scopes_opened_during_the_abort_on_another_thread_are_never_missed() {
    let runtime = multi_thread();
    taskgroup::enable_dump();
    for round in 0..300 {
        let tracker = Tracker::new();
        let opened = Arc::new(AtomicUsize::new(0));
        let result: Result<Result<(), Failed>, _> = runtime.block_on(async {
            timeout(REAL_HANG, async {
                scope! {
                    let (tracker, counter) = (tracker.clone(), opened.clone());
                    spawn_blocking!(name = "opener", move || {
                        let handle = tokio::runtime::Handle::current();
                        loop {
                            let alive = tracker.alive();
                            let opened = counter.clone();
                            handle.block_on(async move {
                                scope! {
                                    opened.fetch_add(1, SeqCst);
                                    spawn!(async move {
                                        let _alive = alive;
                                        forever::<()>().await
                                    });
                                    taskgroup::cancelled().await;
                                }
                            });
                            if taskgroup::is_cancelled() {
                                return;
                            }
                        }
                    });
                    spawn!(name = "failing", async move {
                        for _ in 0..round % 13 {
                            tokio::task::yield_now().await;
                        }
                        Err::<(), _>(Failed("first"))
                    });
                    Ok(())
                }
            })
            .await
        });
        let result = result.unwrap_or_else(|_| {
            panic!(
                "round {round}: hung; opened {}:\n{}",
                opened.load(SeqCst),
                taskgroup::dump()
            )
        });
        assert_eq!(result, Err(Failed("first")), "round {round}");
        assert_eq!(
            tracker.live(),
            0,
            "round {round}: a child outlived its scope"
        );
    }
}

// ---------------------------------------------------------------------------
// Scoped children after the body returned

/// Held: after the body returned, a scoped child starts parallel children
/// (one yields a value, the next fails) and another scoped child has a
/// `timeout`; with `limit = 3` the permits held by scoped children are
/// released as they finish. The first failure in time (the parallel
/// child's `Err` at 2 s, before the scoped timeout at 3 s) is returned and
/// every child has stopped.
#[tokio::test(start_paused = true)]
async fn scoped_children_spawning_after_the_body_returned_with_limit_and_timeout() {
    let tracker = Tracker::new();
    let started = tokio::time::Instant::now();
    let returned = timeout(HANG, async {
        let result: Result<(), Failed> = scope!(limit = 3; {
            let alive = tracker.alive();
            spawn_scoped!(name = "timed scoped", timeout = Duration::from_secs(3), async move {
                let _alive = alive;
                forever::<()>().await
            });
            spawn_scoped!(name = "spawner", async {
                sleep(Duration::from_secs(1)).await;
                let value = spawn!(async { 40u32 }).await;
                assert_eq!(value, 40);
                let failing = spawn!(name = "late failure", async {
                    sleep(Duration::from_secs(1)).await;
                    Err::<u32, _>(Failed("late"))
                });
                failing.await;
            });
            Ok(())
        });
        result
    })
    .await
    .expect("hung");
    assert_eq!(returned, Err(Failed("late")));
    assert_eq!(started.elapsed(), Duration::from_secs(2));
    assert_eq!(tracker.live(), 0);
}

/// Tries: `errors = all`; a `spawn_scoped!` child (not the body) awaits the
/// handle of a task that failed. The body has already returned `Ok`.
/// Promise (errors = all): "A body that awaits the handle of a task that
/// failed cannot go on: it is dropped there, the other children still run
/// to the end"; the scope "joins every child and returns
/// `Err(taskgroup::Errors<E>)`"; "nothing deadlocks".
/// Observed: the scoped child's await returns `Pending` with no waker
/// (the runtime marks the *body* abandoned, which is already gone), the
/// runner keeps driving the scoped child that will never be woken: the
/// scope hangs.
#[tokio::test(start_paused = true)]
async fn errors_all_a_scoped_child_awaiting_a_failed_task_does_not_hang() {
    let returned = timeout(HANG, async {
        let result: Result<(), Errors<Failed>> = scope!(errors = all; {
            let failing = spawn!(name = "failing", async {
                sleep(Duration::from_secs(1)).await;
                Err::<u32, _>(Failed("first"))
            });
            spawn_scoped!(name = "waiter", async move {
                let _value: u32 = failing.await;
            });
            Ok(())
        });
        result
    })
    .await
    .expect("the scope hung on a scoped child awaiting a failed task");
    let errors = returned.expect_err("the task's error");
    assert_eq!(errors.first(), Some(&Failed("first")));
}
