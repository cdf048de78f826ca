//! Fourth adversarial review: supervision (isolated, restart, cancel one) combined with the rest.
//!
//! Each test asserts the promised behaviour (README, docs/supervision.md,
//! docs/semantics.md). 49 held when written and stay as guards; 9 broke
//! and were fixed (a restart pause ending in a grace period, a drain or a
//! signal from above; instant restarts starving the thread; a huge backoff
//! overflowing; the library's cancellation unwind taken for an isolated
//! panic; cancel() of a queued or running blocking closure; the error type
//! of an isolated inline block).
//! Synchronisation is by paused time, `Notify` and channels; real-time
//! bounds are hang detectors only.

mod common;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::mpsc as std_mpsc;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use common::{catch_unwind, panic_message, REAL_HANG};
use futures_util::future::join_all;
use futures_util::stream::{FuturesUnordered, StreamExt};
use taskgroup::shutdown::{Outcome, Shutdown};
use taskgroup::{scope, Backoff, Cause, Errors, Exit, Restart};
use tokio::sync::oneshot;
use tokio::time::{sleep, Instant};

const MS: Duration = Duration::from_millis(1);

/// `unobserved_panics()` is process-wide: every test of this file that may
/// move it takes its turn.
static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Counts calls: starts of a factory, drops of a value.
#[derive(Clone, Default)]
struct Count(Arc<AtomicUsize>);

impl Count {
    fn bump(&self) -> usize {
        self.0.fetch_add(1, SeqCst) + 1
    }
    fn get(&self) -> usize {
        self.0.load(SeqCst)
    }
}

/// Records what `cause()` says when dropped.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<Option<Cause>>>>);

impl Seen {
    fn guard(&self) -> CauseOnDrop {
        CauseOnDrop(self.clone())
    }
    fn take(&self) -> Vec<Option<Cause>> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

struct CauseOnDrop(Seen);

impl Drop for CauseOnDrop {
    fn drop(&mut self) {
        self.0 .0.lock().unwrap().push(taskgroup::cause());
    }
}

/// Panics with its message when dropped (not while already unwinding).
struct PanicOnDrop(&'static str);

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            panic!("{}", self.0);
        }
    }
}

fn payload_str(payload: &(dyn std::any::Any + Send)) -> Option<String> {
    panic_message(payload).map(str::to_owned)
}

// ---------------------------------------------------------------------------
// Restarts × limit (backpressure).

/// A restarted child keeps its slot through its backoff pauses (it is one
/// child); `try_spawn!` sheds meanwhile; once it ends, the slot is free
/// and a waiting `spawn!` goes on.
#[taskgroup::test(start_paused = true)]
async fn a_restarting_child_holds_its_limit_slot_through_its_pauses() {
    let starts = Count::default();
    let counted = starts.clone();
    let origin = Instant::now();
    let result: Result<(u32, bool, Duration), &str> = scope!(limit = 1; {
        spawn!(
            restart = Restart::on_failure().backoff(Backoff::fixed(100 * MS)).at_most(5, 10_000 * MS),
            move || {
                let counted = counted.clone();
                async move {
                    if counted.bump() < 3 { Err("again") } else { Ok(()) }
                }
            }
        );
        sleep(50 * MS).await; // in the first pause
        let shed = try_spawn!(async { 1u32 }).is_none();
        let next = spawn!(async { 2u32 }); // waits for the restarted child
        let at = origin.elapsed();
        Ok((next.await, shed, at))
    });
    assert_eq!(result, Ok((2, true, 200 * MS)));
    assert_eq!(starts.get(), 3);
}

/// `errors = isolated` with `limit`: a panicking or failing isolated child
/// frees its slot; the waiting `spawn!` goes on; the scope is `Ok`.
#[taskgroup::test(start_paused = true)]
async fn errors_isolated_with_limit_frees_the_slot_of_a_crashed_child() {
    let _turn = TURN.lock().await;
    let before = taskgroup::unobserved_panics();
    let result: Result<Vec<String>, std::io::Error> = scope!(errors = isolated, limit = 1; {
        let a = spawn!(async {
            sleep(10 * MS).await;
            if true { panic!("first crashes") }
            0u32
        });
        // (Bound first: an inline block would take the scope's error type.)
        let second = async { sleep(10 * MS).await; Err::<u32, &str>("second fails") };
        let b = spawn!(second);
        let c = spawn!(name = "third", timeout = 5 * MS, std::future::pending::<u32>());
        let d = spawn!(async { 4u32 });
        let mut out = Vec::new();
        out.push(match a.await {
            Err(Exit::Panicked(panic)) => payload_str(&*panic.into_payload()).unwrap(),
            other => format!("{other:?}"),
        });
        out.push(format!("{:?}", b.await.unwrap()));
        out.push(format!("{}", c.await.unwrap_err()));
        out.push(format!("{:?}", d.await));
        Ok(out)
    });
    assert_eq!(
        result.unwrap(),
        [
            "first crashes",
            "Err(\"second fails\")",
            "its timeout (5ms) elapsed",
            "Ok(4)"
        ]
    );
    assert_eq!(taskgroup::unobserved_panics(), before);
}

/// Cancelling an isolated child through its handle frees its slot: the
/// next `spawn!` gets it at once.
#[taskgroup::test(start_paused = true)]
async fn cancelling_an_isolated_child_frees_its_slot() {
    let origin = Instant::now();
    let seen = Seen::default();
    let guard = seen.guard();
    let (at, exit) = scope!(limit = 1; {
        let stuck = spawn!(isolated, async move {
            let _guard = guard;
            std::future::pending::<()>().await
        });
        sleep(10 * MS).await;
        assert!(try_spawn!(async { 0 }).is_none(), "the slot is taken");
        stuck.cancel();
        let next = spawn!(async { 5 });
        let at = origin.elapsed();
        assert_eq!(next.await, 5);
        (at, stuck.await.unwrap_err())
    });
    assert_eq!(at, 10 * MS);
    assert!(
        matches!(exit, Exit::Cancelled(Some(Cause::CancelledByHandle(_)))),
        "{exit:?}"
    );
    assert!(
        matches!(seen.take().as_slice(), [Some(Cause::CancelledByHandle(_))]),
        "its Drop sees the handle"
    );
}

// ---------------------------------------------------------------------------
// Restarts × cancellation: nothing restarts once the scope is cancelled.

/// A restart whose backoff pause ends during a grace period: the scope was
/// cancelled (`cancel!()` with `grace`) while the child was pausing; the
/// doc: "nothing restarts once the scope is cancelled (a drain,
/// `cancel!()`, a grace period)".
#[taskgroup::test(start_paused = true)]
async fn a_pause_ending_in_a_grace_period_restarts_nothing() {
    let starts = Count::default();
    let counted = starts.clone();
    let result: Result<(), &str> = scope!(grace = 1000 * MS; {
        spawn!(
            restart = Restart::on_failure().backoff(Backoff::fixed(100 * MS)),
            move || {
                let counted = counted.clone();
                async move {
                    counted.bump();
                    Err::<(), &str>("fails at once")
                }
            }
        );
        sleep(10 * MS).await; // the child pauses until 100 ms
        cancel!();
        Ok(())
    });
    assert_eq!(result, Ok(()));
    assert_eq!(starts.get(), 1, "no start after cancel!()");
}

/// The same during a `Shutdown` drain; worse, the attempt started during
/// the drain panics, and that panic (of an attempt that should never have
/// run) takes the service down.
#[taskgroup::test(start_paused = true)]
async fn a_pause_ending_in_a_shutdown_drain_restarts_nothing() {
    let starts = Count::default();
    let counted = starts.clone();
    let shutdown = Shutdown::new(1000 * MS).without_signals();
    let trigger = shutdown.trigger();
    let outcome = catch_unwind(shutdown.run(async move {
        scope! {
            spawn!(
                restart = Restart::on_failure().backoff(Backoff::fixed(100 * MS)),
                move || {
                    let counted = counted.clone();
                    async move {
                        if counted.bump() > 1 {
                            panic!("an attempt started during the drain");
                        }
                        Err::<(), &str>("fails at once")
                    }
                }
            );
            sleep(10 * MS).await;
            trigger.shutdown();
            Ok::<(), &str>(())
        }
    }))
    .await;
    assert!(
        matches!(&outcome, Ok(Outcome::Drained { value: Ok(()), .. })),
        "{:?}",
        outcome.as_ref().map_err(|payload| payload_str(&**payload))
    );
    assert_eq!(starts.get(), 1);
}

/// A nested scope signalled from above (the parent's `cancel!()` with
/// `grace`) restarts nothing either.
#[taskgroup::test(start_paused = true)]
async fn a_nested_scope_signalled_from_above_restarts_nothing() {
    let starts = Count::default();
    let counted = starts.clone();
    let result: Result<(), &str> = scope!(grace = 1000 * MS; {
        spawn!(async move {
            scope! {
                spawn!(
                    restart = Restart::on_failure().backoff(Backoff::fixed(100 * MS)),
                    move || {
                        let counted = counted.clone();
                        async move {
                            counted.bump();
                            sleep(5 * MS).await;
                            Err::<(), &str>("fails")
                        }
                    }
                );
                Ok::<(), &str>(())
            }
        });
        sleep(10 * MS).await; // the restarted child pauses 5..105 ms
        cancel!();
        Ok(())
    });
    // The nested scope keeps its semantics (rule 4): had a restart run and
    // failed, its Err would fail the nested scope; none must run.
    assert_eq!(result, Ok(()));
    assert_eq!(starts.get(), 1);
}

/// `cancel!()` without grace while the child pauses: it is aborted at
/// once, nothing restarts, the scope returns at once.
#[taskgroup::test(start_paused = true)]
async fn cancel_without_grace_during_a_pause_restarts_nothing() {
    let starts = Count::default();
    let counted = starts.clone();
    let origin = Instant::now();
    let result: Result<(), &str> = scope! {
        spawn!(
            restart = Restart::on_failure().backoff(Backoff::fixed(100 * MS)),
            move || {
                let counted = counted.clone();
                async move {
                    counted.bump();
                    Err::<(), &str>("fails at once")
                }
            }
        );
        sleep(10 * MS).await;
        cancel!();
        Ok(())
    };
    assert_eq!(result, Ok(()));
    assert_eq!(starts.get(), 1);
    assert_eq!(origin.elapsed(), 10 * MS);
}

/// A sibling's failure while the restarted child pauses: the sibling's
/// error is the scope's, the restart loop is aborted with no restart.
#[taskgroup::test(start_paused = true)]
async fn a_siblings_failure_during_a_pause_stops_the_restart_loop() {
    let starts = Count::default();
    let counted = starts.clone();
    let origin = Instant::now();
    let result: Result<(), String> = scope! {
        spawn!(
            restart = Restart::on_failure().backoff(Backoff::fixed(100 * MS)).at_most(1, 10_000 * MS),
            move || {
                let counted = counted.clone();
                async move {
                    let n = counted.bump();
                    Err::<(), String>(format!("attempt {n}"))
                }
            }
        );
        spawn!(async {
            sleep(50 * MS).await;
            Err::<(), String>("sibling".to_owned())
        });
        Ok(())
    };
    assert_eq!(
        result,
        Err("sibling".to_owned()),
        "the first failure in time"
    );
    assert_eq!(starts.get(), 1);
    assert_eq!(origin.elapsed(), 50 * MS);
}

/// Escalation is a failure in time like any other: it comes first (at 20
/// ms), so it is the scope's error, not the sibling's later one.
#[taskgroup::test(start_paused = true)]
async fn an_escalation_before_a_siblings_error_is_the_scopes_error() {
    let result: Result<(), String> = scope! {
        spawn!(
            restart = Restart::on_failure().backoff(Backoff::fixed(10 * MS)).at_most(1, 10_000 * MS),
            || async {
                Err::<(), String>("escalated".to_owned())
            }
        );
        spawn!(async {
            sleep(50 * MS).await;
            Err::<(), String>("sibling".to_owned())
        });
        Ok(())
    };
    assert_eq!(result, Err("escalated".to_owned()));
}

// ---------------------------------------------------------------------------
// Restarts × errors = all, scope timeout, nested scopes.

/// `errors = all`: an escalated error is collected with its task, and
/// cancels nobody.
#[taskgroup::test(start_paused = true)]
async fn errors_all_collects_an_escalation_and_cancels_nobody() {
    let result: Result<(), Errors<String>> = scope!(errors = all; {
        spawn!(
            name = "supervised",
            restart = Restart::on_failure().backoff(Backoff::none()).at_most(2, 10_000 * MS),
            || async {
                sleep(10 * MS).await;
                Err::<(), String>("crash loop".to_owned())
            }
        );
        let sibling = spawn!(async {
            sleep(100 * MS).await;
            assert!(!taskgroup::is_cancelled());
            Err::<(), String>("sibling".to_owned())
        });
        let isolated = spawn!(isolated, async { Err::<(), String>("isolated".to_owned()) });
        assert!(matches!(isolated.await, Ok(Err(_))));
        drop(sibling);
        Ok(())
    });
    let errors = result.unwrap_err();
    let collected: Vec<_> = errors
        .iter()
        .map(|failure| {
            (
                failure.error().clone(),
                failure.task().and_then(|t| t.name().map(str::to_owned)),
            )
        })
        .collect();
    assert_eq!(
        collected,
        [
            ("crash loop".to_owned(), Some("supervised".to_owned())),
            ("sibling".to_owned(), None)
        ]
    );
}

/// The scope's own `timeout` cuts a restart loop: the scope returns
/// `Elapsed` at its deadline, the attempt's `Drop` sees the deadline.
#[taskgroup::test(start_paused = true)]
async fn a_scope_timeout_stops_a_restart_loop() {
    #[derive(Debug, PartialEq)]
    enum Error {
        Child,
        TimedOut,
    }
    impl From<taskgroup::Elapsed> for Error {
        fn from(_: taskgroup::Elapsed) -> Self {
            Error::TimedOut
        }
    }
    let seen = Seen::default();
    let starts = Count::default();
    let (seen2, counted) = (seen.clone(), starts.clone());
    let origin = Instant::now();
    let result: Result<(), Error> = scope!(timeout = 230 * MS; {
        spawn!(
            restart = Restart::on_failure().backoff(Backoff::fixed(10 * MS)).at_most(100, 10_000 * MS),
            move || {
                let (seen, counted) = (seen2.clone(), counted.clone());
                async move {
                    counted.bump();
                    let _guard = seen.guard();
                    sleep(40 * MS).await;
                    Err::<(), Error>(Error::Child)
                }
            }
        );
        Ok(())
    });
    assert_eq!(result, Err(Error::TimedOut));
    assert_eq!(origin.elapsed(), 230 * MS);
    assert_eq!(starts.get(), 5, "starts at 0, 50, 100, 150, 200 ms");
    let causes = seen.take();
    assert_eq!(causes.len(), 5);
    assert!(causes[..4].iter().all(Option::is_none), "{causes:?}");
    assert!(
        matches!(causes[4], Some(Cause::DeadlineExceeded { .. })),
        "{causes:?}"
    );
}

/// A restarted child that opens a nested scope (one-for-all) inside a
/// parent that fails: the nested scope's children are aborted and joined,
/// nothing restarts, the parent's error is returned.
#[taskgroup::test(start_paused = true)]
async fn a_one_for_all_group_inside_a_failing_parent_restarts_nothing() {
    let starts = Count::default();
    let seen = Seen::default();
    let (counted, seen2) = (starts.clone(), seen.clone());
    let result: Result<(), &str> = scope! {
        spawn!(
            restart = Restart::always().backoff(Backoff::none()),
            move || {
                let (counted, seen) = (counted.clone(), seen2.clone());
                async move {
                    counted.bump();
                    scope! {
                        let guard = seen.guard();
                        spawn!(async move { let _guard = guard; std::future::pending::<()>().await });
                        spawn!(async { sleep(5 * MS).await; Err::<(), &str>("inner") });
                        Ok::<(), &str>(())
                    }
                }
            }
        );
        sleep(12 * MS).await;
        Err("body")
    };
    assert_eq!(result, Err("body"));
    assert_eq!(starts.get(), 3, "starts at 0, 5, 10 ms");
    let causes = seen.take();
    assert_eq!(causes.len(), 3);
    assert!(
        matches!(&causes[2], Some(Cause::Parent(parent)) if matches!(&**parent, Cause::BodyFailed(_))),
        "{causes:?}"
    );
}

// ---------------------------------------------------------------------------
// Restarts: factories that panic, attempts that panic in `Drop`, budgets.

/// A factory that panics each time: restarted per policy, then its panic
/// (original payload) is the scope's.
#[tokio::test(start_paused = true)]
async fn a_factory_that_panics_escalates_its_panic() {
    let calls = Count::default();
    let counted = calls.clone();
    let outcome = catch_unwind(async move {
        scope! {
            spawn!(
                restart = Restart::on_failure().backoff(Backoff::fixed(MS)).at_most(2, 10_000 * MS),
                move || -> std::future::Ready<()> {
                    let n = counted.bump();
                    panic!("factory {n}");
                }
            );
        }
    })
    .await;
    assert_eq!(
        payload_str(&*outcome.unwrap_err()).as_deref(),
        Some("factory 3")
    );
    assert_eq!(calls.get(), 3);
}

/// The same factory, isolated: the panic goes to the handle.
#[taskgroup::test(start_paused = true)]
async fn an_isolated_factory_that_panics_escalates_to_its_handle() {
    let _turn = TURN.lock().await;
    let before = taskgroup::unobserved_panics();
    let message = scope! {
        let handle = spawn!(
            isolated,
            restart = Restart::on_failure().backoff(Backoff::none()).at_most(1, 10_000 * MS),
            || -> std::future::Ready<()> { panic!("factory") }
        );
        let exit = handle.await.unwrap_err();
        payload_str(&*exit.into_panic().unwrap().into_payload())
    };
    assert_eq!(message.as_deref(), Some("factory"));
    assert_eq!(taskgroup::unobserved_panics(), before);
}

/// A future whose `Drop` panics after it returned `Ok`.
struct BombAfterOk {
    message: &'static str,
}

impl Future for BombAfterOk {
    type Output = Result<(), &'static str>;
    fn poll(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Self::Output> {
        Poll::Ready(Ok(()))
    }
}

impl Drop for BombAfterOk {
    fn drop(&mut self) {
        panic!("{}", self.message);
    }
}

/// An attempt that returns `Ok` but panics in its `Drop` is a panicked
/// attempt: restarted, then its panic escalates.
#[tokio::test(start_paused = true)]
async fn an_attempt_that_panics_in_drop_is_restarted_then_escalates() {
    let calls = Count::default();
    let counted = calls.clone();
    let outcome = catch_unwind(async move {
        scope! {
            spawn!(
                restart = Restart::on_failure().backoff(Backoff::none()).at_most(1, 10_000 * MS),
                move || {
                    counted.bump();
                    BombAfterOk { message: "attempt's drop" }
                }
            );
            Ok::<(), &str>(())
        }
    })
    .await;
    assert_eq!(
        payload_str(&*outcome.unwrap_err()).as_deref(),
        Some("attempt's drop")
    );
    assert_eq!(calls.get(), 2);
}

/// An attempt cancelled with its scope (`cancel!()`) whose `Drop` panics:
/// the scope resumes that panic (rule 6).
#[tokio::test(start_paused = true)]
async fn a_cancelled_attempt_that_panics_in_drop_is_resumed() {
    let outcome = catch_unwind(async {
        scope! {
            spawn!(restart = Restart::always(), || async {
                let _bomb = PanicOnDrop("attempt dropped by cancel!()");
                std::future::pending::<()>().await;
            });
            sleep(10 * MS).await;
            cancel!();
        }
    })
    .await;
    assert_eq!(
        payload_str(&*outcome.unwrap_err()).as_deref(),
        Some("attempt dropped by cancel!()")
    );
}

/// The same, isolated and cancelled through its handle: the panic of the
/// `Drop` is counted, the scope goes on, the handle says it was cancelled.
#[taskgroup::test(start_paused = true)]
async fn an_isolated_restarted_child_cancelled_by_its_handle_with_a_panicking_drop() {
    let _turn = TURN.lock().await;
    let before = taskgroup::unobserved_panics();
    let seen = Seen::default();
    let seen2 = seen.clone();
    let exit = scope! {
        let handle = spawn!(isolated, restart = Restart::always(), move || {
            let seen = seen2.clone();
            async move {
                let _guard = seen.guard();
                let _bomb = PanicOnDrop("isolated attempt dropped");
                std::future::pending::<()>().await;
            }
        });
        sleep(10 * MS).await;
        handle.cancel();
        let exit = handle.await.unwrap_err();
        assert!(!taskgroup::is_cancelled());
        exit
    };
    assert!(
        matches!(exit, Exit::Cancelled(Some(Cause::CancelledByHandle(_)))),
        "{exit:?}"
    );
    assert_eq!(taskgroup::unobserved_panics(), before + 1);
    assert!(
        matches!(seen.take().as_slice(), [Some(Cause::CancelledByHandle(_))]),
        "the attempt's Drop sees the handle's cancel"
    );
}

/// `at_most(0, …)`: never restarted; the first failure is the scope's.
#[taskgroup::test(start_paused = true)]
async fn at_most_zero_escalates_the_first_failure() {
    let starts = Count::default();
    let counted = starts.clone();
    let result: Result<(), &str> = scope! {
        spawn!(restart = Restart::on_failure().at_most(0, 1000 * MS), move || {
            counted.bump();
            async { Err::<(), &str>("first") }
        });
        Ok(())
    };
    assert_eq!(result, Err("first"));
    assert_eq!(starts.get(), 1);
}

/// `Restart::always()` with a child that returns at once and no backoff,
/// within the default budget: 6 starts, then it just ends.
#[taskgroup::test(start_paused = true)]
async fn always_with_an_instant_child_and_no_backoff_ends_at_the_budget() {
    let starts = Count::default();
    let counted = starts.clone();
    scope! {
        spawn!(restart = Restart::always().backoff(Backoff::none()), move || {
            counted.bump();
            async {}
        });
    };
    assert_eq!(starts.get(), 6);
}

/// `Restart::always()`, a child that returns at once, `Backoff::none()`
/// and a budget too large to reach: the restart loop never yields, so the
/// body's `cancel!()` never runs and the scope never returns (rule 9: no
/// hang). Run on a current-thread runtime in its own thread; the channel's
/// bound is a hang detector.
#[test]
fn always_with_an_instant_child_and_a_huge_budget_does_not_starve_the_scope() {
    let (done, finished) = std_mpsc::channel();
    let starts = Count::default();
    let counted = starts.clone();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            scope! {
                spawn!(
                    restart = Restart::always()
                        .backoff(Backoff::none())
                        .at_most(usize::MAX, Duration::from_millis(1)),
                    move || {
                        counted.bump();
                        async {}
                    }
                );
                tokio::task::yield_now().await;
                cancel!();
            };
        });
        let _ = done.send(());
    });
    assert!(
        finished.recv_timeout(REAL_HANG).is_ok(),
        "the scope hangs: {} starts so far",
        starts.get()
    );
}

/// A huge exponential backoff (with the default jitter) must just sleep,
/// not overflow: the body cancels the scope during the pause.
#[taskgroup::test(start_paused = true)]
async fn a_huge_backoff_does_not_overflow() {
    let result: Result<(), &str> = scope! {
        spawn!(
            restart = Restart::on_failure()
                .backoff(Backoff::exponential(Duration::MAX, Duration::MAX)),
            || async { Err::<(), &str>("once") }
        );
        sleep(10 * MS).await;
        cancel!();
        Ok(())
    };
    assert_eq!(result, Ok(()));
}

// ---------------------------------------------------------------------------
// Isolated children × errors = all, grace, timeouts, nested scopes.

/// `errors = all`: an isolated child's `Err`, panic and timeout are its
/// handle's, never collected; plain children's errors are.
#[taskgroup::test(start_paused = true)]
async fn errors_all_collects_nothing_of_isolated_children() {
    let _turn = TURN.lock().await;
    let before = taskgroup::unobserved_panics();
    let result: Result<(), Errors<&str>> = scope!(errors = all; {
        let err = spawn!(isolated, async { Err::<(), &str>("isolated err") });
        let panicked = spawn!(isolated, async {
            if true { panic!("isolated panic") }
        });
        let slow = spawn!(isolated, timeout = 10 * MS, std::future::pending::<()>());
        spawn!(async { sleep(20 * MS).await; Err::<(), &str>("plain") });
        assert_eq!(err.await.unwrap(), Err("isolated err"));
        let payload = panicked.await.unwrap_err().into_panic().unwrap().into_payload();
        assert_eq!(payload_str(&*payload).as_deref(), Some("isolated panic"));
        assert!(matches!(slow.await, Err(Exit::TimedOut(after)) if after == 10 * MS));
        Ok(())
    });
    assert_eq!(result.unwrap_err().into_errors(), ["plain"]);
    assert_eq!(taskgroup::unobserved_panics(), before);
}

/// `cancel!()` with `grace`: an isolated child that finishes in the grace
/// period delivers its value; one that does not is aborted and says why.
#[taskgroup::test(start_paused = true)]
async fn isolated_children_in_a_grace_period() {
    let (polite, stubborn) = scope!(grace = 50 * MS; {
        let polite = spawn!(isolated, async {
            taskgroup::cancelled().await;
            sleep(10 * MS).await;
            "finished in the grace period"
        });
        let stubborn = spawn!(isolated, std::future::pending::<&str>());
        sleep(5 * MS).await;
        cancel!();
        (polite.await, stubborn.await)
    });
    assert_eq!(polite.unwrap(), "finished in the grace period");
    assert!(
        matches!(
            stubborn,
            Err(Exit::Cancelled(Some(Cause::Cancelled { .. })))
        ),
        "{stubborn:?}"
    );
}

/// `errors = isolated` does not isolate the scope's own deadline: the
/// scope times out with `Elapsed`; its isolated children are cancelled
/// and their `Drop` sees the deadline.
#[taskgroup::test(start_paused = true)]
async fn errors_isolated_and_the_scopes_own_timeout() {
    #[derive(Debug, PartialEq)]
    struct TimedOut;
    impl From<taskgroup::Elapsed> for TimedOut {
        fn from(_: taskgroup::Elapsed) -> Self {
            TimedOut
        }
    }
    let seen = Seen::default();
    let guard = seen.guard();
    let result: Result<(), TimedOut> = scope!(errors = isolated, timeout = 30 * MS; {
        let stuck = spawn!(async move {
            let _guard = guard;
            std::future::pending::<()>().await
        });
        let _ = stuck.await;
        Ok(())
    });
    assert_eq!(result, Err(TimedOut));
    assert!(
        matches!(
            seen.take().as_slice(),
            [Some(Cause::DeadlineExceeded { .. })]
        ),
        "the isolated child sees the deadline"
    );
}

/// `errors = isolated`: a task `timeout` needs no `From<Elapsed>` (it is
/// the child's outcome), and `spawn_background!`, `spawn_blocking!` and
/// `start!` keep `errors = first`: a background child's error fails the
/// scope.
#[taskgroup::test(start_paused = true)]
async fn errors_isolated_leaves_background_children_first() {
    let result: Result<(), &str> = scope!(errors = isolated; {
        let timed = spawn!(timeout = 5 * MS, std::future::pending::<()>());
        assert!(matches!(timed.await, Err(Exit::TimedOut(_))));
        let value = start!(|ready| async move {
            ready.send(3u32);
            std::future::pending::<Result<(), &str>>().await
        });
        assert_eq!(value.unwrap(), 3);
        spawn_background!(async {
            sleep(10 * MS).await;
            Err::<(), &str>("background")
        });
        sleep(1000 * MS).await;
        Ok(())
    });
    assert_eq!(result, Err("background"));
}

/// `errors = isolated`: a `spawn_blocking!` sibling's panic still fails
/// the scope (resumed), while isolated children are untouched.
#[tokio::test(start_paused = true)]
async fn errors_isolated_leaves_blocking_children_first() {
    let outcome = catch_unwind(async {
        scope!(errors = isolated; {
            let isolated = spawn!(async { 1 });
            spawn_blocking!(|| {
                if true {
                    panic!("blocking");
                }
            });
            let _ = isolated.await;
        })
    })
    .await;
    assert_eq!(
        payload_str(&*outcome.unwrap_err()).as_deref(),
        Some("blocking")
    );
}

/// An isolated child opens a nested scope whose child panics: the nested
/// scope resumes it inside the isolated child, whose handle gets it with
/// the original payload; an `Err` of the nested scope is the handle's
/// value.
#[taskgroup::test(start_paused = true)]
async fn an_isolated_child_running_a_nested_scope() {
    let _turn = TURN.lock().await;
    let before = taskgroup::unobserved_panics();
    let (panicked, failed, sibling) = scope! {
        let panicked = spawn!(isolated, async {
            scope! {
                spawn!(async { sleep(5 * MS).await; if true { panic!("grandchild") } });
                std::future::pending::<()>().await;
            }
        });
        // (Bound first: an inline block would take the scope's error type.)
        let nested = async {
            scope! {
                spawn!(async { sleep(5 * MS).await; Err::<(), &str>("grandchild err") });
                std::future::pending::<Result<(), &str>>().await
            }
        };
        let failed = spawn!(isolated, nested);
        let sibling = spawn!(async { sleep(50 * MS).await; !taskgroup::is_cancelled() });
        let panicked = panicked.await.unwrap_err().into_panic().unwrap().into_payload();
        (payload_str(&*panicked), failed.await, sibling.await)
    };
    assert_eq!(panicked.as_deref(), Some("grandchild"));
    assert_eq!(failed.unwrap(), Err("grandchild err"));
    assert!(sibling);
    assert_eq!(taskgroup::unobserved_panics(), before);
}

/// Isolated children of a nested scope inside a parent that fails: they
/// are aborted with everything (the isolation is from their siblings, not
/// from an abort above), their `Drop` sees the parent's cause, no panic is
/// counted, the parent's error is returned.
#[taskgroup::test(start_paused = true)]
async fn isolated_children_of_a_nested_scope_in_a_failing_parent() {
    let _turn = TURN.lock().await;
    let before = taskgroup::unobserved_panics();
    let seen = Seen::default();
    let (g1, g2) = (seen.guard(), seen.guard());
    let result: Result<(), &str> = scope! {
        spawn!(async move {
            scope!(errors = isolated; {
                let a = spawn!(async move { let _g = g1; std::future::pending::<()>().await });
                let b = spawn!(async move { let _g = g2; std::future::pending::<()>().await });
                let _ = (a.await, b.await);
            });
        });
        spawn!(async { sleep(10 * MS).await; Err::<(), &str>("parent's sibling") });
        Ok(())
    };
    assert_eq!(result, Err("parent's sibling"));
    let causes = seen.take();
    assert_eq!(causes.len(), 2);
    for cause in &causes {
        assert!(
            matches!(cause, Some(Cause::Parent(parent)) if matches!(&**parent, Cause::TaskFailed(_))),
            "{causes:?}"
        );
    }
    assert_eq!(taskgroup::unobserved_panics(), before);
}

/// An isolated child panics (handle dropped early), then a sibling fails:
/// the scope returns the sibling's error, the isolated panic is counted
/// once, not resumed.
#[taskgroup::test(start_paused = true)]
async fn an_isolated_panic_then_a_siblings_error() {
    let _turn = TURN.lock().await;
    let before = taskgroup::unobserved_panics();
    let result: Result<(), &str> = scope! {
        drop(spawn!(isolated, async {
            sleep(10 * MS).await;
            if true { panic!("isolated") }
        }));
        spawn!(async { sleep(20 * MS).await; Err::<(), &str>("sibling") });
        Ok(())
    };
    assert_eq!(result, Err("sibling"));
    assert_eq!(taskgroup::unobserved_panics(), before + 1);
}

/// `Panic::resume()` in the body: the scope resumes it exactly once, not
/// counted as unobserved.
#[tokio::test(start_paused = true)]
async fn resuming_an_isolated_panic_in_the_body_is_the_scopes_panic() {
    let _turn = TURN.lock().await;
    let before = taskgroup::unobserved_panics();
    let outcome = catch_unwind(async {
        scope! {
            let child = spawn!(isolated, async { if true { panic!("taken and resumed") } });
            let sibling = spawn!(async { std::future::pending::<()>().await });
            if let Err(Exit::Panicked(panic)) = child.await {
                panic.resume();
            }
            let _ = sibling.await;
        }
    })
    .await;
    assert_eq!(
        payload_str(&*outcome.unwrap_err()).as_deref(),
        Some("taken and resumed")
    );
    assert_eq!(taskgroup::unobserved_panics(), before);
}

// ---------------------------------------------------------------------------
// Handles under combinators.

/// 40 isolated handles through `join_all` and 40 through
/// `FuturesUnordered`: every outcome delivered, every panic taken.
#[taskgroup::test(start_paused = true)]
async fn isolated_handles_under_join_all_and_futures_unordered() {
    let _turn = TURN.lock().await;
    let before = taskgroup::unobserved_panics();
    let (joined, unordered) = scope! {
        let make = |i: u64| async move {
            sleep(MS * (40 - i) as u32).await;
            match i % 3 {
                0 => Ok(i),
                1 => Err(i),
                _ => panic!("{i}"),
            }
        };
        let handles: Vec<_> = (0..40).map(|i| spawn!(isolated, make(i))).collect();
        let joined: Vec<_> = join_all(handles).await;
        let mut unordered: FuturesUnordered<_> = (0..40).map(|i| spawn!(isolated, make(i))).collect();
        let mut order = Vec::new();
        while let Some(outcome) = unordered.next().await {
            order.push(match outcome {
                Ok(Ok(i)) | Ok(Err(i)) => i,
                Err(exit) => payload_str(&*exit.into_panic().unwrap().into_payload()).unwrap().parse().unwrap(),
            });
        }
        let joined: Vec<u64> = joined
            .into_iter()
            .map(|outcome| match outcome {
                Ok(Ok(i)) | Ok(Err(i)) => i,
                Err(exit) => payload_str(&*exit.into_panic().unwrap().into_payload()).unwrap().parse().unwrap(),
            })
            .collect();
        (joined, order)
    };
    assert_eq!(joined, (0..40).collect::<Vec<_>>());
    assert_eq!(unordered, (0..40).rev().collect::<Vec<_>>());
    assert_eq!(taskgroup::unobserved_panics(), before);
}

/// `tokio::select!` on an isolated handle that loses the race: the handle
/// is dropped, the child later panics: counted exactly once, the scope is
/// `Ok`.
#[taskgroup::test(start_paused = true)]
async fn an_isolated_handle_losing_a_select_then_panicking_is_counted_once() {
    let _turn = TURN.lock().await;
    let before = taskgroup::unobserved_panics();
    let result: Result<&str, &str> = scope! {
        let slow = spawn!(isolated, async {
            sleep(50 * MS).await;
            if true { panic!("after the select") }
        });
        let winner = tokio::select! {
            _ = slow => "handle",
            _ = sleep(10 * MS) => "timer",
        };
        Ok(winner)
    };
    assert_eq!(result, Ok("timer"));
    assert_eq!(taskgroup::unobserved_panics(), before + 1);
}

/// `select!` with `&mut handle`, then `cancel()` on the same handle, then
/// awaiting it: `Cancelled` by the handle.
#[taskgroup::test(start_paused = true)]
async fn an_isolated_handle_polled_by_select_then_cancelled() {
    let exit = scope! {
        let mut stuck = spawn!(isolated, std::future::pending::<()>());
        tokio::select! {
            _ = &mut stuck => unreachable!(),
            _ = sleep(10 * MS) => {}
        }
        stuck.cancel();
        stuck.await.unwrap_err()
    };
    assert!(
        matches!(exit, Exit::Cancelled(Some(Cause::CancelledByHandle(_)))),
        "{exit:?}"
    );
}

// ---------------------------------------------------------------------------
// cancel() racing completion, on both flavours.

/// A value whose drops are counted.
struct Counted(Count);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.bump();
    }
}

/// `cancel()` right after the child finished (current thread): the value
/// is delivered (isolated) or dropped exactly once (plain).
#[taskgroup::test(start_paused = true)]
async fn cancel_after_the_child_finished_changes_nothing() {
    let drops = Count::default();
    let d = drops.clone();
    let value = scope! {
        let isolated = spawn!(isolated, async { 5 });
        let plain = spawn!(async move { Counted(d) });
        while !(isolated.is_finished() && plain.is_finished()) {
            tokio::task::yield_now().await;
        }
        isolated.cancel();
        plain.cancel();
        assert!(!taskgroup::is_cancelled());
        isolated.await
    };
    assert_eq!(value.unwrap(), 5);
    assert_eq!(drops.get(), 1);
}

/// On two workers, `cancel()` races the child's completion 300 times: each
/// isolated handle yields the value or `CancelledByHandle`; each plain
/// child's value (created or not) is dropped exactly once; the scope is
/// never failed.
#[taskgroup::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_racing_completion_on_two_workers() {
    for round in 0..300u32 {
        let created = Count::default();
        let drops = Count::default();
        let (c, d) = (created.clone(), drops.clone());
        let outcome: Result<Result<u32, Exit>, &str> = scope! {
            let isolated = spawn!(isolated, async move { round });
            let plain = spawn!(async move {
                c.bump();
                Counted(d)
            });
            for _ in 0..(round % 4) {
                tokio::task::yield_now().await;
            }
            isolated.cancel();
            plain.cancel();
            Ok(isolated.await)
        };
        match outcome.unwrap() {
            Ok(value) => assert_eq!(value, round),
            Err(Exit::Cancelled(Some(Cause::CancelledByHandle(_)))) => {}
            Err(other) => panic!("round {round}: {other:?}"),
        }
        assert_eq!(drops.get(), created.get(), "round {round}");
    }
}

/// `cancel()` of a plain child whose `Drop` panics, on the current-thread
/// runtime: the scope resumes that panic (the author tested two workers).
#[tokio::test(start_paused = true)]
async fn cancel_of_a_child_panicking_in_drop_on_the_current_thread() {
    let outcome = catch_unwind(async {
        scope! {
            let child = spawn!(async {
                let _bomb = PanicOnDrop("cancelled child's drop");
                std::future::pending::<()>().await;
            });
            sleep(5 * MS).await;
            child.cancel();
            sleep(5 * MS).await;
            assert!(taskgroup::is_cancelled(), "the panic fails the scope");
        }
    })
    .await;
    assert_eq!(
        payload_str(&*outcome.unwrap_err()).as_deref(),
        Some("cancelled child's drop")
    );
}

/// `cancel()` of a child that has not been polled yet (cancelled in the
/// same poll of the body that spawned it): its `Drop` still sees
/// `CancelledByHandle`, and the scope goes on.
#[taskgroup::test(start_paused = true)]
async fn cancel_before_the_first_poll() {
    let seen = Seen::default();
    let guard = seen.guard();
    let value: Result<u32, &str> = scope! {
        let child = spawn!(async move { let _g = guard; std::future::pending::<()>().await });
        child.cancel();
        sleep(MS).await;
        Ok(7)
    };
    assert_eq!(value, Ok(7));
    assert!(
        matches!(seen.take().as_slice(), [Some(Cause::CancelledByHandle(_))]),
        "its Drop sees the handle"
    );
}

/// Cancelling a restarted child through its handle during a pause: the
/// loop stops, not a failure.
#[taskgroup::test(start_paused = true)]
async fn cancelling_a_restarting_child_during_its_pause() {
    let starts = Count::default();
    let counted = starts.clone();
    let result: Result<u32, &str> = scope! {
        let child = spawn!(
            restart = Restart::on_failure().backoff(Backoff::fixed(100 * MS)),
            move || {
                counted.bump();
                async { Err::<(), &str>("fails") }
            }
        );
        sleep(50 * MS).await;
        child.cancel();
        sleep(1000 * MS).await;
        Ok(1)
    };
    assert_eq!(result, Ok(1));
    assert_eq!(starts.get(), 1);
}

// ---------------------------------------------------------------------------
// cancel() on spawn_blocking! handles.

/// A blocking closure cancelled through its handle after it started runs
/// to its end; cancelling it is "not a failure", so the `Err` it returns
/// afterwards must not fail the scope.
#[taskgroup::test]
async fn a_cancelled_blocking_closures_later_error_is_not_a_failure() {
    let (started, is_started) = oneshot::channel();
    let (release, released) = std_mpsc::channel::<()>();
    let result: Result<u32, &str> = scope! {
        let closure = spawn_blocking!(move || {
            started.send(()).unwrap();
            released.recv().unwrap();
            Err::<(), &str>("returned after its cancel")
        });
        is_started.await.unwrap();
        closure.cancel();
        release.send(()).unwrap();
        Ok(1)
    };
    assert_eq!(result, Ok(1));
}

/// A blocking closure cancelled before it started (the blocking pool has
/// one thread, busy): the closure is dropped without running; a panic in
/// the `Drop` of what it captured must be resumed by the scope (rule 6),
/// and that `Drop` must see `CancelledByHandle`.
#[test]
fn a_blocking_closure_cancelled_before_it_started() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .max_blocking_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let seen = Seen::default();
    let seen2 = seen.clone();
    let outcome = runtime.block_on(catch_unwind(async move {
        scope! {
            let (started, is_started) = oneshot::channel();
            let (release, released) = std_mpsc::channel::<()>();
            spawn_blocking!(move || {
                started.send(()).unwrap();
                released.recv().unwrap();
            });
            is_started.await.unwrap();
            let guard = seen2.guard();
            let bomb = PanicOnDrop("captured by a cancelled blocking closure");
            let queued = spawn_blocking!(move || {
                let _keep = (guard, bomb);
            });
            queued.cancel();
            release.send(()).unwrap();
        }
    }));
    let causes = seen.take();
    assert_eq!(
        outcome
            .err()
            .and_then(|payload| payload_str(&*payload))
            .as_deref(),
        Some("captured by a cancelled blocking closure"),
        "the Drop's panic is resumed"
    );
    assert!(
        matches!(causes.as_slice(), [Some(Cause::CancelledByHandle(_))]),
        "{causes:?}"
    );
}

// ---------------------------------------------------------------------------
// Multi-thread mix under the leak check.

/// Two workers: isolated children, restarted children, cancels, a nested
/// one-for-all group, a blocking sibling; the body cancels at the end.
/// Everything is joined (the leak check), nothing is counted unobserved
/// that was taken.
#[taskgroup::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_supervision_mix_on_two_workers_leaks_nothing() {
    let _turn = TURN.lock().await;
    let before = taskgroup::unobserved_panics();
    let starts = Count::default();
    for round in 0..20u32 {
        let counted = starts.clone();
        let result: Result<u32, &str> = scope! {
            let supervised = spawn!(
                restart = Restart::on_failure().backoff(Backoff::none()).at_most(1000, Duration::from_secs(60)),
                move || {
                    let counted = counted.clone();
                    async move {
                        let n = counted.bump();
                        tokio::task::yield_now().await;
                        scope! {
                            spawn!(async move { if n % 2 == 0 { Err("even") } else { Ok(()) } });
                            spawn!(async { tokio::task::yield_now().await; Ok::<(), &str>(()) });
                            Ok::<(), &str>(())
                        }
                    }
                }
            );
            let handles: Vec<_> = (0..8u32)
                .map(|i| spawn!(isolated, async move {
                    tokio::task::yield_now().await;
                    if i == 3 { panic!("child {i}") }
                    i
                }))
                .collect();
            handles[5].cancel();
            let blocking = spawn_blocking!(move || round);
            let mut sum = 0;
            for handle in handles {
                match handle.await {
                    Ok(i) => sum += i,
                    Err(Exit::Panicked(panic)) => drop(panic.into_payload()),
                    Err(_) => {}
                }
            }
            supervised.await;
            let round_trip = blocking.await;
            cancel!();
            Ok(sum + round_trip - round)
        };
        // 0+1+2+4+6+7 (+5 when its cancel lost the race)
        assert!(matches!(result, Ok(20) | Ok(25)), "{result:?}");
    }
    assert_eq!(taskgroup::unobserved_panics(), before);
}

// ---------------------------------------------------------------------------
// The macro surface.

/// Options in any order, `isolated` after `restart`, with `name`, trailing
/// commas, `try_spawn!` with both.
#[taskgroup::test(start_paused = true)]
async fn the_macro_surface_takes_options_in_any_order() {
    let result: Result<(), &str> = scope!(limit = 4; {
        let a = spawn!(
            restart = Restart::on_failure().backoff(Backoff::none()).at_most(1, 1000 * MS),
            isolated,
            name = "a",
            || async { Err::<(), &str>("a") },
        );
        let b = spawn!(name = "b", isolated, timeout = 5 * MS, std::future::pending::<()>(),);
        let c = try_spawn!(isolated, restart = Restart::always().at_most(0, 1000 * MS), || async {},)
            .expect("a free slot");
        assert_eq!(a.info().name(), Some("a"));
        assert_eq!(a.await.unwrap(), Err("a"), "escalated to the handle");
        assert!(matches!(b.await, Err(Exit::TimedOut(_))));
        assert_eq!(c.await.unwrap(), ());
        Ok(())
    });
    assert_eq!(result, Ok(()));
}

/// `#[nursery(errors = isolated, limit = …)]` with a `restart` child: the
/// escalation goes to the handle (every `spawn!` is isolated), the
/// function returns `Ok`.
#[taskgroup::nursery(errors = isolated, limit = 2)]
async fn supervised_nursery(fail: bool) -> Result<String, std::io::Error> {
    let refresher = spawn!(
        restart = Restart::on_failure()
            .backoff(Backoff::fixed(MS))
            .at_most(2, 1000 * MS),
        // An inline factory's block takes the scope's error type, as any
        // inline block (here `std::io::Error`).
        move || async move {
            if fail {
                Err(std::io::Error::other("refresh failed"))
            } else {
                Ok(())
            }
        }
    );
    let worker = spawn!(async {
        sleep(10 * MS).await;
        "worker"
    });
    Ok(format!("{:?} {:?}", refresher.await, worker.await))
}

#[taskgroup::test(start_paused = true)]
async fn a_nursery_with_errors_isolated_and_limit_takes_restarts() {
    assert_eq!(
        supervised_nursery(true).await.unwrap(),
        "Ok(Err(Custom { kind: Other, error: \"refresh failed\" })) Ok(\"worker\")"
    );
    assert_eq!(
        supervised_nursery(false).await.unwrap(),
        "Ok(Ok(())) Ok(\"worker\")"
    );
}

/// An `Exit` escapes its scope (it is not branded) and is dropped later,
/// outside any scope: counted, never resumed anywhere.
#[taskgroup::test(start_paused = true)]
async fn an_exit_carried_out_of_its_scope_is_counted_when_dropped() {
    let _turn = TURN.lock().await;
    let before = taskgroup::unobserved_panics();
    let exit = scope! {
        spawn!(isolated, async { if true { panic!("carried out") } }).await.unwrap_err()
    };
    assert_eq!(taskgroup::unobserved_panics(), before);
    assert!(exit.to_string().contains("carried out"));
    drop(exit);
    assert_eq!(taskgroup::unobserved_panics(), before + 1);
}

// ---------------------------------------------------------------------------
// Second batch: cancellations passing through an isolated child, drains,
// background and blocking siblings, transitive joins.

/// An isolated child caught mid-poll by its scope's abort (two workers: the
/// child is in `block_in_place` while a sibling fails) then calls
/// `pool::map`, which unwinds as a cancellation (`Unwound`, rule 4: "never
/// recorded as a panic"). The isolated wrapper must let it through, not
/// turn it into `Exit::Panicked` and count an unobserved panic.
#[taskgroup::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancellation_unwinding_through_an_isolated_child_is_not_a_panic() {
    let _turn = TURN.lock().await;
    let before = taskgroup::unobserved_panics();
    let (fail, failing) = oneshot::channel::<()>();
    let (aborted, is_aborted) = std_mpsc::channel::<()>();
    let result: Result<(), &str> = scope! {
        spawn!(async move {
            let _tell = common::on_drop(move || aborted.send(()).unwrap());
            std::future::pending::<()>().await
        });
        spawn!(async move {
            failing.await.unwrap();
            Err::<(), &str>("sibling")
        });
        let isolated = spawn!(isolated, async move {
            tokio::task::block_in_place(|| {
                fail.send(()).unwrap();
                // The stuck sibling is dropped: the scope aborts.
                is_aborted.recv().unwrap();
            });
            taskgroup::pool::map(vec![1u32], 1, |x| async move { x }).await
        });
        let _ = isolated.await;
        Ok(())
    };
    assert_eq!(result, Err("sibling"));
    assert_eq!(
        taskgroup::unobserved_panics(),
        before,
        "a cancellation is not an unobserved panic"
    );
}

/// The same unwinding through a restarted (not isolated) child: the
/// restart loop passes it on, nothing restarts, nothing is a panic.
#[taskgroup::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancellation_unwinding_through_a_restart_loop_is_not_a_panic() {
    let starts = Count::default();
    let counted = starts.clone();
    let (fail, failing) = oneshot::channel::<()>();
    let fail = Arc::new(Mutex::new(Some(fail)));
    let (aborted, is_aborted) = std_mpsc::channel::<()>();
    let is_aborted = Arc::new(Mutex::new(is_aborted));
    let result: Result<(), &str> = scope! {
        spawn!(async move {
            let _tell = common::on_drop(move || aborted.send(()).unwrap());
            std::future::pending::<()>().await
        });
        spawn!(async move {
            failing.await.unwrap();
            Err::<(), &str>("sibling")
        });
        spawn!(restart = Restart::always().backoff(Backoff::none()), move || {
            counted.bump();
            let (fail, is_aborted) = (fail.clone(), is_aborted.clone());
            async move {
                tokio::task::block_in_place(|| {
                    if let Some(fail) = fail.lock().unwrap().take() {
                        fail.send(()).unwrap();
                    }
                    is_aborted.lock().unwrap().recv().unwrap();
                });
                taskgroup::pool::map(vec![1u32], 1, |x| async move { x }).await;
            }
        });
        Ok(())
    };
    assert_eq!(result, Err("sibling"));
    assert_eq!(starts.get(), 1);
}

/// An isolated restarted child whose handle is dropped: the intermediate
/// panics are the restart loop's (restarted), only the escalated one is
/// unobserved: counted once.
#[taskgroup::test(start_paused = true)]
async fn an_unobserved_escalated_panic_is_counted_once() {
    let _turn = TURN.lock().await;
    let before = taskgroup::unobserved_panics();
    let starts = Count::default();
    let counted = starts.clone();
    scope! {
        spawn!(
            isolated,
            restart = Restart::on_failure().backoff(Backoff::fixed(MS)).at_most(2, 1000 * MS),
            move || {
                let n = counted.bump();
                async move {
                    if true {
                        panic!("attempt {n}");
                    }
                }
            }
        );
    };
    assert_eq!(starts.get(), 3);
    assert_eq!(taskgroup::unobserved_panics(), before + 1);
}

/// An isolated child aborted with its scope (`cancel!()`) whose `Drop`
/// panics: counted, and the scope's value stands.
#[taskgroup::test(start_paused = true)]
async fn an_isolated_childs_drop_panic_on_the_scopes_cancel_is_counted() {
    let _turn = TURN.lock().await;
    let before = taskgroup::unobserved_panics();
    let value: Result<u32, &str> = scope! {
        spawn!(isolated, async {
            let _bomb = PanicOnDrop("isolated child dropped by cancel!()");
            std::future::pending::<()>().await
        });
        sleep(5 * MS).await;
        cancel!();
        Ok(9)
    };
    assert_eq!(value, Ok(9));
    assert_eq!(taskgroup::unobserved_panics(), before + 1);
}

/// A `Shutdown` drain over `errors = isolated` connections: one finishes
/// in the drain, one panics in it (its handle dropped: counted), the
/// service drains cleanly.
#[taskgroup::test(start_paused = true)]
async fn a_drain_over_isolated_connections() {
    let _turn = TURN.lock().await;
    let before = taskgroup::unobserved_panics();
    let shutdown = Shutdown::new(1000 * MS).without_signals();
    let trigger = shutdown.trigger();
    let outcome = shutdown
        .run(async move {
            scope!(errors = isolated; {
                let polite = spawn!(async {
                    taskgroup::cancelled().await;
                    sleep(10 * MS).await;
                    1u32
                });
                spawn!(async {
                    taskgroup::cancelled().await;
                    sleep(20 * MS).await;
                    if true { panic!("connection crashed while draining") }
                    2u32
                });
                sleep(5 * MS).await;
                trigger.shutdown();
                polite.await.unwrap()
            })
        })
        .await;
    assert!(
        matches!(outcome, Outcome::Drained { value: 1, .. }),
        "{outcome:?}"
    );
    assert_eq!(taskgroup::unobserved_panics(), before + 1);
}

/// `spawn_background!(restart = …)`: restarted while the body runs,
/// stopped (no restart) once the body is done.
#[taskgroup::test(start_paused = true)]
async fn a_restarted_background_child_stops_with_the_body() {
    let starts = Count::default();
    let counted = starts.clone();
    let origin = Instant::now();
    let result: Result<(), &str> = scope! {
        spawn_background!(restart = Restart::always().backoff(Backoff::fixed(10 * MS)).at_most(1000, 10_000 * MS), move || {
            counted.bump();
            async { sleep(10 * MS).await }
        });
        sleep(45 * MS).await;
        Ok(())
    };
    assert_eq!(result, Ok(()));
    assert_eq!(origin.elapsed(), 45 * MS);
    assert_eq!(starts.get(), 3, "starts at 0, 20, 40 ms");
}

/// `cancel()` on a background child's handle: not a failure, the body and
/// the scope go on.
#[taskgroup::test(start_paused = true)]
async fn cancelling_a_background_child() {
    let seen = Seen::default();
    let guard = seen.guard();
    let result: Result<u32, &str> = scope! {
        let heartbeat = spawn_background!(async move {
            let _guard = guard;
            loop { sleep(MS).await }
        });
        sleep(5 * MS).await;
        heartbeat.cancel();
        sleep(5 * MS).await;
        assert!(!taskgroup::is_cancelled());
        Ok(3)
    };
    assert_eq!(result, Ok(3));
    assert!(matches!(
        seen.take().as_slice(),
        [Some(Cause::CancelledByHandle(_))]
    ));
}

/// `cancel()` of a child that opened a nested scope with a blocking
/// grandchild: the join is transitive, so the scope returns only after the
/// grandchild's closure has returned.
#[taskgroup::test]
async fn cancelling_a_child_joins_its_nested_blocking_grandchild() {
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let finished = done.clone();
    let (started, is_started) = oneshot::channel();
    let (release, released) = std_mpsc::channel::<()>();
    scope! {
        let child = spawn!(async move {
            scope! {
                spawn_blocking!(move || {
                    started.send(()).unwrap();
                    released.recv().unwrap();
                    finished.store(true, SeqCst);
                });
            }
        });
        is_started.await.unwrap();
        child.cancel();
        release.send(()).unwrap();
    };
    assert!(
        done.load(SeqCst),
        "the grandchild returned before the scope"
    );
}

/// `spawn!(isolated, …)` after `cancel!()` (with `grace`): refused; the
/// handle says the scope is cancelled.
#[taskgroup::test(start_paused = true)]
async fn an_isolated_spawn_refused_after_cancel() {
    let exit = scope!(grace = 100 * MS; {
        cancel!();
        spawn!(isolated, async { 1 }).await.unwrap_err()
    });
    assert!(
        matches!(exit, Exit::Cancelled(Some(Cause::Cancelled { .. }))),
        "{exit:?}"
    );
}

/// `try_spawn!(restart = …)` without a free slot: `None`, the factory is
/// never called.
#[taskgroup::test(start_paused = true)]
async fn try_spawn_restart_without_a_slot_calls_no_factory() {
    let calls = Count::default();
    let counted = calls.clone();
    scope!(limit = 1; {
        let busy = spawn!(async { sleep(10 * MS).await });
        let shed = try_spawn!(restart = Restart::always(), move || {
            counted.bump();
            async {}
        });
        assert!(shed.is_none());
        busy.await;
    });
    assert_eq!(calls.get(), 0);
}

/// An isolated child's output whose `Drop` panics, its handle dropped
/// before it finished: the panic is not lost (rule 6: resumed by the
/// scope).
#[tokio::test(start_paused = true)]
async fn an_isolated_output_panicking_in_drop_is_not_lost() {
    struct Output;
    impl Drop for Output {
        fn drop(&mut self) {
            panic!("isolated output dropped");
        }
    }
    let outcome = catch_unwind(async {
        scope! {
            drop(spawn!(isolated, async { sleep(10 * MS).await; Output }));
        }
    })
    .await;
    assert_eq!(
        payload_str(&*outcome.unwrap_err()).as_deref(),
        Some("isolated output dropped")
    );
}

/// An inline `async` block in an isolated `spawn!` (or under `errors =
/// isolated`) should take the scope's error type, as in a plain `spawn!`
/// (README: "an `async` block written inline in `spawn!` takes the scope's
/// error type, so `?` needs no annotation"; `tests/ui/pass/async-block-question-mark.rs`).
/// Built with trybuild from a file written at run time.
#[rustversion::attr(not(stable), ignore)]
#[test]
fn an_isolated_inline_block_takes_the_scopes_error_type() {
    const SOURCE: &str = r#"
use taskgroup::{scope, Restart};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let plain: Result<(), std::num::ParseIntError> = scope!(errors = isolated; {
        let handle = spawn!(async { let n: u32 = "5".parse()?; Ok(n) });
        assert_eq!(handle.await.unwrap().unwrap(), 5);
        let restarted = spawn!(restart = Restart::on_failure(), || async { let _: u32 = "6".parse()?; Ok(()) });
        restarted.await.unwrap().unwrap();
        Ok(())
    });
    plain.unwrap();
}
"#;
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("adversarial4-ui");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("isolated_question_mark.rs");
    std::fs::write(&file, SOURCE).unwrap();
    trybuild::TestCases::new().pass(&file);
}

/// A scope's future dropped (the caller's timeout) while an isolated child
/// runs a nested scope: every grandchild is dropped too (the leak check
/// would report a straggler), their `Drop` sees the drop.
#[taskgroup::test(start_paused = true)]
async fn a_dropped_scope_stops_the_nested_scope_of_an_isolated_child() {
    let seen = Seen::default();
    let (g1, g2) = (seen.guard(), seen.guard());
    let dropped = tokio::time::timeout(20 * MS, async move {
        scope! {
            let isolated = spawn!(isolated, async move {
                scope! {
                    spawn!(async move { let _g = g1; std::future::pending::<()>().await });
                    spawn!(async move { let _g = g2; std::future::pending::<()>().await });
                }
            });
            let _ = isolated.await;
        }
    })
    .await;
    assert!(dropped.is_err());
    let wait = async {
        while seen.0.lock().unwrap().len() < 2 {
            tokio::task::yield_now().await;
        }
    };
    tokio::time::timeout(common::HANG, wait)
        .await
        .expect("both grandchildren dropped");
    for cause in seen.take() {
        assert!(matches!(cause, Some(Cause::Parent(_))), "{cause:?}");
    }
}

/// `limit` + `errors = isolated`: the body waits for a slot when a scoped
/// child (which holds the other slot) calls `cancel!()`: the waiting
/// `spawn!` is refused, its handle says the scope was cancelled, nothing
/// hangs.
#[taskgroup::test(start_paused = true)]
async fn a_spawn_waiting_for_a_slot_is_refused_by_cancel() {
    let exit = tokio::time::timeout(common::HANG, async {
        scope!(errors = isolated, limit = 2; {
            let _busy = spawn!(std::future::pending::<()>());
            spawn_scoped!(async {
                sleep(10 * MS).await;
                cancel!();
            });
            spawn!(async { 1 }).await.unwrap_err()
        })
    })
    .await
    .expect("no hang");
    assert!(
        matches!(exit, Exit::Cancelled(Some(Cause::Cancelled { .. }))),
        "{exit:?}"
    );
}
