//! `errors = all`: no error cancels a sibling; the scope returns every error, in order.
//!
//! `errors = all`: failures do not cancel siblings; the scope joins every
//! child and returns `Errors<E>`, every error in the order it happened,
//! with the task that failed (Go's `errors.Join`, `ExceptionGroup`).

mod common;

use std::time::Duration;

use common::{catch_unwind, forever, panic_message, Tracker};
use taskgroup::{nursery, scope, Elapsed, Errors};
use tokio::time::sleep;

#[derive(Debug, PartialEq)]
enum AppError {
    Fetch(u32),
    Body,
    TimedOut,
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

impl From<Elapsed> for AppError {
    fn from(_: Elapsed) -> Self {
        AppError::TimedOut
    }
}

#[derive(Debug)]
struct FetchError(u32);

impl From<FetchError> for AppError {
    fn from(error: FetchError) -> Self {
        AppError::Fetch(error.0)
    }
}

async fn fetch(id: u32, after: Duration) -> Result<u32, FetchError> {
    sleep(after).await;
    if id % 2 == 0 {
        Err(FetchError(id))
    } else {
        Ok(id)
    }
}

/// Every failure is collected, in order of occurrence (not of spawning),
/// each with its task; the siblings are not cancelled and run to the end.
#[taskgroup::test(start_paused = true)]
async fn every_error_in_order_and_no_sibling_cancelled() {
    let tracker = Tracker::new();
    let result: Result<(), Errors<AppError>> = scope!(errors = all; {
        spawn!(name = "late", fetch(2, Duration::from_secs(3)));
        spawn!(name = "early", fetch(4, Duration::from_secs(1)));
        for id in [1, 3, 5] {
            let alive = tracker.alive();
            spawn!(async move {
                let value = fetch(id, Duration::from_secs(5)).await?;
                alive.finish();
                Ok(value)
            });
        }
        Ok(())
    });
    let errors = result.unwrap_err();
    assert_eq!(errors.len(), 2);
    assert_eq!(errors.first(), Some(&AppError::Fetch(4)));
    let names: Vec<_> = errors
        .iter()
        .map(|failure| failure.task().and_then(|task| task.name()))
        .collect();
    assert_eq!(names, [Some("early"), Some("late")]);
    assert_eq!(tracker.finished(), 3, "a sibling was cancelled");
    assert_eq!(
        errors.into_errors(),
        [AppError::Fetch(4), AppError::Fetch(2)]
    );
}

#[taskgroup::test(start_paused = true)]
async fn no_failure_is_ok() {
    let result: Result<u32, Errors<AppError>> = scope!(errors = all; {
        let a = spawn!(fetch(1, Duration::from_secs(1)));
        let b = spawn!(fetch(3, Duration::from_secs(2)));
        Ok(a.await + b.await)
    });
    assert_eq!(result.unwrap(), 4);
}

/// The body's own error takes its place in time among the children's.
#[taskgroup::test(start_paused = true)]
async fn the_body_error_is_one_of_them() {
    let result: Result<(), Errors<AppError>> = scope!(errors = all; {
        spawn!(fetch(2, Duration::from_secs(1)));
        spawn!(fetch(4, Duration::from_secs(3)));
        sleep(Duration::from_secs(2)).await;
        Err(AppError::Body)
    });
    let errors = result.unwrap_err();
    let all: Vec<_> = errors
        .iter()
        .map(|failure| (failure.error(), failure.task().is_some()))
        .collect();
    assert_eq!(
        all,
        [
            (&AppError::Fetch(2), true),
            (&AppError::Body, false),
            (&AppError::Fetch(4), true)
        ]
    );
}

#[nursery(errors = all, limit = 2)]
async fn fetch_all(ids: Vec<u32>) -> Result<Vec<u32>, Errors<AppError>> {
    let mut handles = Vec::new();
    for id in ids {
        handles.push(spawn!(
            name = format!("fetch {id}"),
            fetch(id, Duration::from_millis(10))
        ));
    }
    let mut out = Vec::new();
    for handle in handles {
        // Awaiting a task that failed ends the body: the other tasks still
        // run to the end, and the errors are the result.
        out.push(handle.await);
    }
    Ok(out)
}

#[taskgroup::test(start_paused = true)]
async fn nursery_errors_all_and_display() {
    assert_eq!(fetch_all(vec![1, 3]).await.unwrap(), [1, 3]);
    let errors = fetch_all(vec![1, 2, 3, 4]).await.unwrap_err();
    // Task 4 ran to the end although the body stopped at task 2's handle.
    assert_eq!(errors.len(), 2);
    let text = errors.to_string();
    assert!(text.starts_with("2 errors:\n  1. task #"), "{text}");
    assert!(text.contains("\"fetch 2\""), "{text}");
    assert!(text.contains("Fetch(4)"), "{text}");
    let source = std::error::Error::source(&errors).map(ToString::to_string);
    assert_eq!(source.as_deref(), Some("Fetch(2)"));
}

impl std::error::Error for AppError {}

async fn a_bug() {
    sleep(Duration::from_secs(2)).await;
    panic!("a bug")
}

/// A panic is still a bug: it cancels the scope and is resumed after the
/// join.
#[taskgroup::test(start_paused = true)]
async fn a_panic_still_cancels_and_resumes() {
    let tracker = Tracker::new();
    let alive = tracker.alive();
    let outcome = catch_unwind(async {
        let _: Result<(), Errors<AppError>> = scope!(errors = all; {
            spawn!(fetch(2, Duration::from_secs(1)));
            spawn!(async move {
                forever::<()>().await;
                drop(alive);
            });
            spawn!(a_bug());
            Ok(())
        });
    })
    .await;
    assert_eq!(panic_message(&*outcome.unwrap_err()), Some("a bug"));
    assert_eq!(tracker.live(), 0);
}

/// The deadline stops everything and is one more error.
#[taskgroup::test(start_paused = true)]
async fn the_deadline_is_one_more_error() {
    let tracker = Tracker::new();
    let alive = tracker.alive();
    let result: Result<(), Errors<AppError>> = scope!(errors = all, timeout = Duration::from_secs(5); {
        spawn!(fetch(2, Duration::from_secs(1)));
        spawn!(async move {
            forever::<()>().await;
            drop(alive);
        });
        Ok(())
    });
    let errors = result.unwrap_err().into_errors();
    assert_eq!(errors, [AppError::Fetch(2), AppError::TimedOut]);
    assert_eq!(tracker.live(), 0);
}
