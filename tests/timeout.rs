//! `timeout = d` on a scope and on a task, the `Elapsed` error and `taskgroup::deadline()`.
//!
//! All on paused tokio time: the clock only moves when every task waits, so
//! the instants checked are exact.

mod common;

use std::time::Duration;

use common::{forever, on_drop, Tracker};
use taskgroup::{nursery, scope, Cause, Elapsed};
use tokio::time::{sleep, Instant};

#[derive(Debug, PartialEq)]
enum AppError {
    TimedOut,
    Failed(&'static str),
}

impl From<Elapsed> for AppError {
    fn from(_: Elapsed) -> Self {
        AppError::TimedOut
    }
}

const SECOND: Duration = Duration::from_secs(1);

/// The deadline cancels every child and the body, joins them, and the scope
/// fails with `E::from(Elapsed)` at exactly the deadline.
#[taskgroup::test(start_paused = true)]
async fn scope_timeout_fails_with_elapsed_and_joins_everything() {
    let tracker = Tracker::new();
    let causes = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let start = Instant::now();
    let result: Result<(), AppError> = scope!(timeout = 3 * SECOND; {
        for _ in 0..10 {
            let (alive, causes) = (tracker.alive(), causes.clone());
            spawn!(async move {
                let _seen = on_drop(move || causes.lock().unwrap().push(taskgroup::cause()));
                forever::<()>().await;
                alive.finish();
            });
        }
        forever::<()>().await;
        Ok(())
    });
    assert_eq!(result, Err(AppError::TimedOut));
    assert_eq!(start.elapsed(), 3 * SECOND);
    assert_eq!(tracker.live(), 0);
    assert_eq!(tracker.finished(), 0);
    let causes = causes.lock().unwrap();
    assert_eq!(causes.len(), 10);
    for cause in causes.iter() {
        let Some(Cause::DeadlineExceeded { after, .. }) = cause else {
            panic!("{cause:?}");
        };
        assert_eq!(*after, 3 * SECOND);
    }
}

#[taskgroup::test(start_paused = true)]
async fn a_scope_that_finishes_in_time_is_not_affected() {
    let start = Instant::now();
    let result: Result<u32, Elapsed> = scope!(timeout = 10 * SECOND; {
        let a = spawn!(async {
            sleep(2 * SECOND).await;
            20
        });
        let b = spawn!(async {
            sleep(SECOND).await;
            22
        });
        Ok(a.await + b.await)
    });
    assert_eq!(result, Ok(42));
    assert_eq!(start.elapsed(), 2 * SECOND);
}

/// A failure before the deadline is the scope's result, not `Elapsed`.
#[taskgroup::test(start_paused = true)]
async fn an_earlier_failure_wins_over_the_deadline() {
    let result: Result<(), AppError> = scope!(timeout = 5 * SECOND; {
        spawn!(async {
            sleep(SECOND).await;
            Err::<(), _>(AppError::Failed("first"))
        });
        forever::<()>().await;
        Ok(())
    });
    assert_eq!(result, Err(AppError::Failed("first")));
}

#[nursery(timeout = SECOND)]
async fn slow_fetch() -> Result<u32, AppError> {
    let answer = spawn!(async {
        sleep(10 * SECOND).await;
        1
    });
    Ok(answer.await)
}

#[taskgroup::test(start_paused = true)]
async fn nursery_timeout() {
    let start = Instant::now();
    assert_eq!(slow_fetch().await, Err(AppError::TimedOut));
    assert_eq!(start.elapsed(), SECOND);
}

/// `timeout` takes any expression; `None` means no time limit.
#[taskgroup::test(start_paused = true)]
async fn runtime_timeout_and_none() {
    let configured: Option<Duration> = None;
    let result: Result<&str, Elapsed> = scope!(timeout = configured; {
        sleep(1000 * SECOND).await;
        Ok("no limit")
    });
    assert_eq!(result, Ok("no limit"));
    let configured = Some(2 * SECOND);
    let result: Result<&str, Elapsed> = scope!(timeout = configured; {
        sleep(1000 * SECOND).await;
        Ok("too late")
    });
    assert_eq!(result, Err(Elapsed));
}

/// `deadline()` is the earliest deadline of the enclosing scopes, in the
/// body and in tasks; `None` outside any scope or without a `timeout`.
#[taskgroup::test(start_paused = true)]
async fn deadline_is_the_earliest_of_the_enclosing_scopes() {
    assert_eq!(taskgroup::deadline(), None);
    let start = Instant::now();
    let result: Result<(), Elapsed> = scope!(timeout = 10 * SECOND; {
        assert_eq!(taskgroup::deadline(), Some(start + 10 * SECOND));
        let in_task = spawn!(async { taskgroup::deadline() });
        assert_eq!(in_task.await, Some(start + 10 * SECOND));
        scope!(timeout = 60 * SECOND; {
            assert_eq!(taskgroup::deadline(), Some(start + 10 * SECOND));
            Ok::<_, Elapsed>(())
        })?;
        scope!(timeout = 2 * SECOND; {
            assert_eq!(taskgroup::deadline(), Some(start + 2 * SECOND));
            Ok::<_, Elapsed>(())
        })?;
        scope! {
            assert_eq!(taskgroup::deadline(), Some(start + 10 * SECOND));
        };
        Ok(())
    });
    assert_eq!(result, Ok(()));
    scope! {
        assert_eq!(taskgroup::deadline(), None);
    };
}

/// An enclosing scope's deadline stops a nested scope that has none.
#[taskgroup::test(start_paused = true)]
async fn an_outer_deadline_stops_nested_scopes() {
    let tracker = Tracker::new();
    let start = Instant::now();
    let result: Result<(), Elapsed> = scope!(timeout = 4 * SECOND; {
        let alive = tracker.alive();
        spawn!(async move {
            scope! {
                spawn!(async move {
                    forever::<()>().await;
                    drop(alive);
                });
            };
        });
        Ok(())
    });
    assert_eq!(result, Err(Elapsed));
    assert_eq!(start.elapsed(), 4 * SECOND);
    assert_eq!(tracker.live(), 0);
}

/// A task's own timeout fails the scope with `Elapsed` and cancels its
/// siblings; the cause names where the task was spawned.
#[taskgroup::test(start_paused = true)]
async fn task_timeout_fails_the_scope() {
    let tracker = Tracker::new();
    let cause = std::sync::Arc::new(std::sync::Mutex::new(None));
    let seen = cause.clone();
    let start = Instant::now();
    let result: Result<(), AppError> = scope! {
        let alive = tracker.alive();
        spawn!(async move {
            let _seen = on_drop(move || *seen.lock().unwrap() = taskgroup::cause());
            forever::<()>().await;
            drop(alive);
        });
        spawn!(timeout = 2 * SECOND, async {
            sleep(60 * SECOND).await;
            Ok(())
        });
        Ok(())
    };
    assert_eq!(result, Err(AppError::TimedOut));
    assert_eq!(start.elapsed(), 2 * SECOND);
    assert_eq!(tracker.live(), 0);
    let cause = cause.lock().unwrap().clone();
    let Some(Cause::TaskTimedOut { at, after }) = cause else {
        panic!("{cause:?}");
    };
    assert_eq!(after, 2 * SECOND);
    assert_eq!(at.file(), file!());
}

#[taskgroup::test(start_paused = true)]
async fn a_task_finishing_in_time_yields_its_value() {
    let result: Result<u32, Elapsed> = scope! {
        let quick = spawn!(name = "quick", timeout = 5 * SECOND, async {
            sleep(SECOND).await;
            7
        });
        Ok(quick.await)
    };
    assert_eq!(result, Ok(7));
}

/// A task's clock starts when it starts running, not while `spawn!` waits
/// for a `limit` slot.
#[taskgroup::test(start_paused = true)]
async fn waiting_for_a_slot_does_not_count_against_a_task_timeout() {
    let result: Result<(), Elapsed> = scope!(limit = 1; {
        // Each runs 1.5 s of its 2 s; the second waits 1.5 s for its slot.
        for _ in 0..5 {
            spawn!(timeout = 2 * SECOND, async {
                sleep(SECOND * 3 / 2).await;
                Ok(())
            });
        }
        Ok(())
    });
    assert_eq!(result, Ok(()));
}

#[test]
fn elapsed_is_an_error() {
    let error: Box<dyn std::error::Error> = Box::new(Elapsed);
    assert_eq!(error.to_string(), "deadline elapsed");
}
