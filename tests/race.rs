//! `taskgroup::first_ok`: the first success wins and cancels the other attempts.
//!
//! `taskgroup::first_ok`: the first success cancels the other attempts and
//! is the result; if all fail, every error.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{catch_unwind, forever, on_drop, panic_message, Tracker};
use taskgroup::{first_ok, scope, Cause};
use tokio::time::{sleep, Instant};

#[derive(Debug, PartialEq)]
struct Down(u64);

impl std::fmt::Display for Down {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "mirror {} is down", self.0)
    }
}

async fn attempt(id: u64, after_ms: u64, ok: bool) -> Result<u64, Down> {
    sleep(Duration::from_millis(after_ms)).await;
    if ok {
        Ok(id)
    } else {
        Err(Down(id))
    }
}

/// The fastest success wins at once; the slower attempts are cancelled and
/// see why.
#[taskgroup::test(start_paused = true)]
async fn the_first_success_wins_and_cancels_the_rest() {
    let tracker = Tracker::new();
    let causes = Arc::new(Mutex::new(Vec::new()));
    let start = Instant::now();
    let attempts = [(1, 300), (2, 100), (3, 200)].map(|(id, ms)| {
        let (alive, causes) = (tracker.alive(), causes.clone());
        async move {
            let _seen = on_drop(move || causes.lock().unwrap().push(taskgroup::cause()));
            let value = attempt(id, ms, true).await?;
            alive.finish();
            Ok::<_, Down>(value)
        }
    });
    assert_eq!(first_ok(attempts).await.ok(), Some(2));
    assert_eq!(start.elapsed(), Duration::from_millis(100));
    assert_eq!(tracker.live(), 0);
    assert_eq!(tracker.finished(), 1);
    let causes = causes.lock().unwrap();
    let cancelled = causes
        .iter()
        .filter(|cause| matches!(cause, Some(Cause::FirstOk { .. })))
        .count();
    assert_eq!(cancelled, 2, "{causes:?}");
}

/// Failures do not stop the race: a later success still wins.
#[taskgroup::test(start_paused = true)]
async fn failures_before_a_success_are_ignored() {
    let attempts = vec![
        attempt(1, 10, false),
        attempt(2, 20, false),
        attempt(3, 30, true),
    ];
    assert_eq!(first_ok(attempts).await.ok(), Some(3));
}

#[taskgroup::test(start_paused = true)]
async fn all_failing_gives_every_error_in_order() {
    let attempts = vec![
        attempt(1, 30, false),
        attempt(2, 10, false),
        attempt(3, 20, false),
    ];
    let errors = first_ok(attempts).await.unwrap_err().into_errors();
    assert_eq!(errors, [Down(2), Down(3), Down(1)]);
}

#[taskgroup::test]
async fn no_attempt_is_an_empty_error() {
    let errors = first_ok(Vec::<std::future::Ready<Result<u8, Down>>>::new())
        .await
        .unwrap_err();
    assert!(errors.is_empty());
    assert_eq!(errors.to_string(), "no attempt was made");
}

async fn panicking() -> Result<u64, Down> {
    sleep(Duration::from_millis(10)).await;
    panic!("attempt panicked")
}

#[taskgroup::test(start_paused = true)]
async fn a_panic_is_resumed() {
    let tracker = Tracker::new();
    let alive = tracker.alive();
    let slow = async move {
        forever::<()>().await;
        drop(alive);
        Ok::<u64, Down>(0)
    };
    let outcome = catch_unwind(first_ok(vec![
        Box::pin(slow)
            as std::pin::Pin<Box<dyn std::future::Future<Output = Result<u64, Down>> + Send>>,
        Box::pin(panicking()),
    ]))
    .await;
    assert_eq!(
        panic_message(&*outcome.unwrap_err()),
        Some("attempt panicked")
    );
    assert_eq!(tracker.live(), 0);
}

/// Inside a scope, the race is cancelled with it.
#[taskgroup::test(start_paused = true)]
async fn a_race_in_a_failing_scope_is_cancelled() {
    let tracker = Tracker::new();
    let alive = tracker.alive();
    let result: Result<u64, Down> = scope! {
        spawn!(async {
            sleep(Duration::from_millis(50)).await;
            Err::<(), _>(Down(0))
        });
        let slow = async move {
            forever::<()>().await;
            drop(alive);
            Ok::<u64, Down>(1)
        };
        let won = first_ok([slow]).await;
        Ok(won.unwrap_or_default())
    };
    assert_eq!(result, Err(Down(0)));
    assert_eq!(tracker.live(), 0);
}
