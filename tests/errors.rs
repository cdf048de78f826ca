//! `errors = first` (errgroup): the first failure is the scope's result and cancels the siblings.
//!
//! Errors, errgroup style: the first failure is the scope's result, the
//! others are dropped, and the failing child's siblings see the
//! cancellation. Several tests port Go's `golang.org/x/sync/errgroup` tests
//! (`TestZeroGroup`, `TestWithContext`).

mod common;

use std::num::ParseIntError;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{forever, on_drop, Tracker};
use taskgroup::{nursery, scope, Cause, TaskHandle};
use tokio::sync::oneshot;

#[derive(Debug, PartialEq)]
enum Error {
    Doom,
    RanOut,
    Body,
    Parse(ParseIntError),
}

impl From<ParseIntError> for Error {
    fn from(error: ParseIntError) -> Self {
        Error::Parse(error)
    }
}

/// Spins (inside one poll, on a thread of its own thanks to
/// `block_in_place`) until the current scope is cancelled, so that the caller
/// is provably *running* when the cancellation happens.
fn spin_until_cancelled() {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !taskgroup::is_cancelled() {
        assert!(Instant::now() < deadline, "the scope was never cancelled");
        std::thread::yield_now();
    }
}

/// Port of errgroup's `TestZeroGroup`: the first error sticks; children
/// after it never get to report theirs. Go waits after each `Go`; here each
/// child starts only once the previous one has finished (it waits for the
/// previous child's future to be dropped), on a single thread, so the order
/// of completion is fixed.
#[taskgroup::test(flavor = "current_thread")]
async fn zero_group_first_error_sticks() {
    let cases: [&[Option<Error>]; 6] = [
        &[],
        &[None],
        &[Some(Error::Doom)],
        &[Some(Error::Doom), None],
        &[Some(Error::Doom), None, Some(Error::RanOut)],
        &[None, Some(Error::RanOut), Some(Error::Doom)],
    ];
    for case in cases {
        let tracker = Tracker::new();
        let first_error = case.iter().position(Option::is_some);
        let result: Result<(), Error> = scope! {
            let (first_tx, mut previous) = oneshot::channel::<()>();
            drop(first_tx);
            for outcome in case {
                let (tx, rx) = oneshot::channel::<()>();
                let alive = tracker.alive();
                let result = match outcome {
                    None => Ok(()),
                    Some(Error::Doom) => Err(Error::Doom),
                    Some(_) => Err(Error::RanOut),
                };
                spawn!(async move {
                    let _next = tx; // dropped with this child: starts the next
                    let _ = previous.await;
                    alive.finish();
                    result
                });
                previous = rx;
            }
            Ok(())
        };
        let expected = match first_error {
            None => Ok(()),
            Some(i) => Err(if case[i] == Some(Error::Doom) {
                Error::Doom
            } else {
                Error::RanOut
            }),
        };
        assert_eq!(result, expected, "case {case:?}");
        let ran = first_error.map_or(case.len(), |i| i + 1);
        assert_eq!(tracker.finished(), ran, "case {case:?}");
        assert_eq!(tracker.live(), 0, "case {case:?}");
    }
}

/// Port of errgroup's `TestWithContext`: the group's result is the first
/// error, and the context (here the scope's cancellation token, taken from
/// inside the scope) is cancelled once the scope has returned — in every
/// case, as Go's test checks `ctx.Done()` after `Wait`.
#[taskgroup::test(flavor = "current_thread")]
async fn with_context_error_cancels_the_context() {
    type Case = (&'static [Option<Error>], Result<(), Error>);
    let cases: [Case; 4] = [
        (&[], Ok(())),
        (&[None], Ok(())),
        (&[Some(Error::Doom)], Err(Error::Doom)),
        (&[Some(Error::Doom), None], Err(Error::Doom)),
    ];
    for (outcomes, want) in cases {
        let tracker = Tracker::new();
        let token = Arc::new(Mutex::new(None));
        let result: Result<(), Error> = scope! {
            *token.lock().unwrap() = taskgroup::cancellation_token();
            for outcome in outcomes {
                let alive = tracker.alive();
                let failing = outcome.is_some();
                spawn!(async move {
                    alive.finish();
                    if failing { Err(Error::Doom) } else { Ok(()) }
                });
            }
            Ok(())
        };
        assert_eq!(result, want, "case {outcomes:?}");
        let token = token
            .lock()
            .unwrap()
            .take()
            .expect("a token inside the scope");
        assert!(
            token.is_cancelled(),
            "case {outcomes:?}: token not cancelled after the scope"
        );
        assert_eq!(tracker.live(), 0);
    }
}

fn alive_after_cancel() {
    panic!("a cancelled child must be dropped, not resumed")
}

/// errgroup.WithContext: the siblings of a failing task see the
/// cancellation, and `cause()` says which task failed and where it was
/// spawned. Observed from a guard's `Drop` in each sibling (they are dropped
/// at their next poll).
#[taskgroup::test]
async fn with_context_siblings_see_which_task_failed() {
    let tracker = Tracker::new();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut doomed_line = 0;
    let result: Result<(), Error> = scope! {
        for _ in 0..3 {
            let (seen, alive) = (seen.clone(), tracker.alive());
            spawn!(async move {
                let _alive = alive;
                let _guard = on_drop(move || {
                    seen.lock().unwrap().push((taskgroup::is_cancelled(), taskgroup::cause()));
                });
                taskgroup::cancelled().await;
                // Not reached: a cancelled child is dropped, not resumed.
                alive_after_cancel()
            });
        }
        tokio::task::yield_now().await; // the siblings are waiting now
        spawn!(name = "doomed", async { Err::<(), _>(Error::Doom) });
        doomed_line = line!() - 1;
        forever::<Result<(), Error>>().await
    };
    assert_eq!(result, Err(Error::Doom));
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 3);
    for (cancelled, cause) in seen.iter() {
        assert!(cancelled);
        let Some(Cause::TaskFailed(task)) = cause else {
            panic!("expected TaskFailed, got {cause:?}");
        };
        assert_eq!(task.name(), Some("doomed"));
        assert_eq!(task.location().line(), doomed_line);
        assert!(task.location().file().ends_with("errors.rs"));
        let message = cause.as_ref().unwrap().to_string();
        assert!(
            message.contains("\"doomed\"") && message.contains("failed"),
            "{message}"
        );
    }
    assert_eq!(tracker.finished(), 0);
    assert_eq!(tracker.live(), 0);
}

/// A sibling busy in a CPU-bound loop (never at an await) sees
/// `is_cancelled()` flip, and the cause, as soon as the other task fails.
#[taskgroup::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_context_busy_sibling_sees_is_cancelled() {
    let tracker = Tracker::new();
    let seen = Arc::new(Mutex::new(None));
    let (ready_tx, ready_rx) = oneshot::channel();
    let result: Result<(), Error> = scope! {
        let (seen, alive) = (seen.clone(), tracker.alive());
        spawn!(async move {
            assert!(!taskgroup::is_cancelled());
            tokio::task::block_in_place(|| {
                ready_tx.send(()).unwrap();
                spin_until_cancelled();
            });
            *seen.lock().unwrap() = taskgroup::cause();
            alive.finish();
        });
        spawn!(name = "doomed", async move {
            ready_rx.await.unwrap();
            Err::<(), _>(Error::Doom)
        });
        Ok(())
    };
    assert_eq!(result, Err(Error::Doom));
    let seen = seen.lock().unwrap().take();
    assert_eq!(
        seen.as_ref().and_then(Cause::task).and_then(|t| t.name()),
        Some("doomed"),
        "{seen:?}"
    );
    assert_eq!(tracker.live(), 0);
}

/// Several children fail; the one that failed first is the result and the
/// error of a child that was still running when the scope was cancelled is
/// dropped.
#[taskgroup::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_error_wins_later_errors_are_dropped() {
    let tracker = Tracker::new();
    let (ready_tx, ready_rx) = oneshot::channel();
    let result: Result<(), Error> = scope! {
        let alive = tracker.alive();
        spawn!(async move {
            tokio::task::block_in_place(|| {
                ready_tx.send(()).unwrap();
                spin_until_cancelled();
            });
            alive.finish();
            Err::<(), _>(Error::RanOut) // second: must be dropped
        });
        spawn!(async move {
            ready_rx.await.unwrap();
            Err::<(), _>(Error::Doom)
        });
        Ok(())
    };
    assert_eq!(result, Err(Error::Doom));
    assert_eq!(tracker.finished(), 1, "the second failure did happen");
    assert_eq!(tracker.live(), 0);
}

#[taskgroup::test(flavor = "multi_thread", worker_threads = 2)]
async fn body_error_wins_over_a_later_child_error() {
    let tracker = Tracker::new();
    let (ready_tx, ready_rx) = oneshot::channel();
    let result: Result<(), Error> = scope! {
        let alive = tracker.alive();
        spawn!(async move {
            tokio::task::block_in_place(|| {
                ready_tx.send(()).unwrap();
                spin_until_cancelled();
            });
            alive.finish();
            Err::<(), _>(Error::RanOut)
        });
        ready_rx.await.unwrap();
        Err(Error::Body)
    };
    assert_eq!(result, Err(Error::Body));
    assert_eq!(tracker.finished(), 1);
    assert_eq!(tracker.live(), 0);
}

#[taskgroup::test(flavor = "multi_thread", worker_threads = 2)]
async fn child_error_wins_over_a_later_body_error() {
    let body_saw_cancel = AtomicBool::new(false);
    let result: Result<(), Error> = scope! {
        spawn!(async { Err::<(), _>(Error::Doom) });
        // The body is busy (not at an await) when the child fails, then
        // returns its own error: too late.
        tokio::task::block_in_place(spin_until_cancelled);
        body_saw_cancel.store(true, SeqCst);
        Err(Error::Body)
    };
    assert!(body_saw_cancel.load(SeqCst));
    assert_eq!(result, Err(Error::Doom));
}

/// After `cancel!()` the scope is not failed: an error returned by a child
/// that was still running is dropped, and the body's value is the result.
#[taskgroup::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_of_a_child_cancelled_by_cancel_is_dropped() {
    let tracker = Tracker::new();
    let (ready_tx, ready_rx) = oneshot::channel();
    let result: Result<u32, Error> = scope! {
        let alive = tracker.alive();
        spawn!(async move {
            tokio::task::block_in_place(|| {
                ready_tx.send(()).unwrap();
                spin_until_cancelled();
            });
            alive.finish();
            Err::<(), _>(Error::RanOut)
        });
        ready_rx.await.unwrap();
        cancel!();
        Ok(5)
    };
    assert_eq!(result, Ok(5));
    assert_eq!(tracker.finished(), 1);
    assert_eq!(tracker.live(), 0);
}

#[taskgroup::test]
async fn child_error_is_the_result_even_if_the_body_succeeded() {
    let tracker = Tracker::new();
    let result: Result<&str, Error> = scope! {
        let alive = tracker.alive();
        spawn!(async move {
            tokio::task::yield_now().await;
            alive.finish();
            Err::<(), _>(Error::Doom)
        });
        Ok("body done")
    };
    assert_eq!(result, Err(Error::Doom));
    assert_eq!(tracker.finished(), 1);
    assert_eq!(tracker.live(), 0);
}

async fn parse(text: &'static str) -> Result<u32, ParseIntError> {
    tokio::task::yield_now().await;
    text.parse()
}

#[taskgroup::test]
async fn child_error_is_converted_with_from() {
    let ok: Result<u32, Error> = scope! {
        let a = spawn!(parse("40"));
        let b = spawn!(parse("2"));
        Ok(a.await + b.await)
    };
    assert_eq!(ok, Ok(42));
    let failed: Result<u32, Error> = scope! {
        let a = spawn!(parse("forty"));
        Ok(a.await)
    };
    assert!(matches!(failed, Err(Error::Parse(_))), "{failed:?}");
}

#[taskgroup::test]
async fn inline_async_block_takes_the_scope_error_type() {
    let tracker = Tracker::new();
    let run = |text: &'static str| {
        let alive = tracker.alive();
        async move {
            let result: Result<u32, Error> = scope! {
                // No annotation: `?` converts into the scope's `Error`.
                let handle = spawn!(async move {
                    let n: u32 = text.parse()?;
                    let m = parse("1").await?;
                    alive.finish();
                    Ok(n + m)
                });
                Ok(handle.await * 2)
            };
            result
        }
    };
    assert_eq!(run("20").await, Ok(42));
    assert!(matches!(run("x").await, Err(Error::Parse(_))));
    assert_eq!(tracker.finished(), 1);
    assert_eq!(tracker.live(), 0);
}

#[taskgroup::test]
async fn handles_yield_ok_values_and_plain_values_in_a_fallible_scope() {
    let result: Result<String, Error> = scope! {
        let number = spawn!(async { Ok(4u8) });
        let plain = spawn!(async { "plain" });
        let nested: TaskHandle<'_, Option<u8>> = spawn!(async { Some(1u8) });
        Ok(format!("{} {} {:?}", number.await, plain.await, nested.await))
    };
    assert_eq!(result.as_deref(), Ok("4 plain Some(1)"));
}

#[nursery]
async fn load(text: &'static str, tracker: Tracker) -> Result<u32, Error> {
    for _ in 0..3 {
        let alive = tracker.alive();
        spawn!(async move {
            let _alive = alive;
            forever::<()>().await
        });
    }
    tokio::task::yield_now().await;
    let value: u32 = text.parse()?; // fails the scope, cancels the children
    forever::<()>().await;
    Ok(value)
}

#[taskgroup::test]
async fn body_question_mark_fails_the_nursery_and_cancels_children() {
    let tracker = Tracker::new();
    let result = load("not a number", tracker.clone()).await;
    assert!(matches!(result, Err(Error::Parse(_))), "{result:?}");
    assert_eq!(tracker.started(), 3);
    assert_eq!(tracker.finished(), 0);
    assert_eq!(tracker.live(), 0);
}

#[taskgroup::test]
async fn body_question_mark_fails_an_inline_scope_and_cancels_children() {
    let tracker = Tracker::new();
    let body_went_on = AtomicBool::new(false);
    let result: Result<u32, Error> = scope! {
        let alive = tracker.alive();
        spawn!(async move {
            let _alive = alive;
            forever::<()>().await
        });
        let value = parse("nope").await?;
        body_went_on.store(true, SeqCst);
        Ok(value)
    };
    assert!(matches!(result, Err(Error::Parse(_))), "{result:?}");
    assert!(!body_went_on.load(SeqCst));
    assert_eq!(tracker.finished(), 0);
    assert_eq!(tracker.live(), 0);
}

#[taskgroup::test]
async fn body_error_after_children_succeeded_is_the_result() {
    let tracker = Tracker::new();
    let result: Result<u32, Error> = scope! {
        let alive = tracker.alive();
        let handle = spawn!(async move {
            alive.finish();
            Ok(1)
        });
        let _ = handle.await;
        Err(Error::Body)
    };
    assert_eq!(result, Err(Error::Body));
    assert_eq!(tracker.finished(), 1);
    assert_eq!(tracker.live(), 0);
}

/// The body awaits the handle of a child that fails: the `.await` never
/// returns (the body is dropped), and the child's error is the result.
#[taskgroup::test]
async fn awaiting_a_failed_child_never_returns() {
    let after_await = AtomicBool::new(false);
    let result: Result<u32, Error> = scope! {
        let handle = spawn!(async { Err::<u32, _>(Error::Doom) });
        let value = handle.await;
        after_await.store(true, SeqCst);
        Ok(value)
    };
    assert_eq!(result, Err(Error::Doom));
    assert!(!after_await.load(SeqCst));
}
