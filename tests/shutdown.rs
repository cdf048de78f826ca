//! `taskgroup::shutdown`: a trigger or a signal starts a bounded drain, then the rest is aborted.
//!
//! `taskgroup::shutdown`: a service as a root scope; a trigger (or SIGINT /
//! SIGTERM) starts a drain with a bounded time, then what is left is
//! aborted and reported. Paused time: the instants are exact.

mod common;

use std::time::Duration;

use common::{forever, Tracker};
use taskgroup::shutdown::{Outcome, Shutdown};
use taskgroup::{nursery, Cause};
use tokio::time::{sleep, Instant};

const SECOND: Duration = Duration::from_secs(1);

#[taskgroup::test(start_paused = true)]
async fn a_service_that_returns_is_finished() {
    let outcome = Shutdown::new(SECOND)
        .without_signals()
        .run(async { 7 })
        .await;
    assert!(matches!(outcome, Outcome::Finished(7)));
    assert_eq!(outcome.exit_code(), std::process::ExitCode::SUCCESS);
}

/// A small service: three requests in flight, each finishing its work
/// (`clean_up`) once told to stop; optionally one that ignores it.
#[nursery]
async fn serve(tracker: Tracker, clean_up: Duration, stubborn: bool) -> &'static str {
    for n in 0..3 {
        let alive = tracker.alive();
        spawn!(name = format!("request {n}"), async move {
            taskgroup::cancelled().await;
            assert!(matches!(
                taskgroup::cause().map(|cause| cause.root().clone()),
                Some(Cause::Shutdown { reason: "trigger" })
            ));
            sleep(clean_up).await; // finish the response
            alive.finish();
        });
    }
    if stubborn {
        let alive = tracker.alive();
        spawn!(name = "stubborn request", async move {
            forever::<()>().await;
            alive.finish();
        });
    }
    taskgroup::cancelled().await; // stop accepting
    assert!(
        try_spawn!(async {}).is_none(),
        "new work started during the drain"
    );
    "stopped accepting"
}

/// In-flight work finishes within the drain time; the service returns.
#[taskgroup::test(start_paused = true)]
async fn in_flight_work_drains() {
    let tracker = Tracker::new();
    let shutdown = Shutdown::new(10 * SECOND).without_signals();
    let trigger = shutdown.trigger();
    let start = Instant::now();
    let (outcome, ()) = tokio::join!(shutdown.run(serve(tracker.clone(), SECOND, false)), async {
        sleep(2 * SECOND).await;
        trigger.shutdown();
    });
    assert!(
        matches!(
            outcome,
            Outcome::Drained {
                value: "stopped accepting",
                reason: "trigger"
            }
        ),
        "{outcome:?}"
    );
    assert_eq!(start.elapsed(), 3 * SECOND); // triggered at 2 s, 1 s of clean-up
    assert_eq!(tracker.finished(), 3);
    assert_eq!(tracker.live(), 0);
}

/// Work still alive when the drain time is over is aborted and reported.
#[taskgroup::test(start_paused = true)]
async fn what_outlives_the_drain_is_aborted_and_reported() {
    let tracker = Tracker::new();
    let shutdown = Shutdown::new(5 * SECOND).without_signals();
    let trigger = shutdown.trigger();
    let start = Instant::now();
    let (outcome, ()) = tokio::join!(shutdown.run(serve(tracker.clone(), SECOND, true)), async {
        sleep(SECOND).await;
        trigger.shutdown();
    });
    assert_eq!(start.elapsed(), 6 * SECOND); // triggered at 1 s, 5 s of drain
    assert_eq!(outcome.exit_code(), std::process::ExitCode::from(1));
    let Outcome::Aborted {
        reason,
        still_alive,
    } = outcome
    else {
        panic!("{outcome:?}");
    };
    assert_eq!(reason, "trigger");
    let tree = still_alive.to_string();
    assert!(tree.contains("\"stubborn request\""), "{tree}");
    assert!(!tree.contains("\"request 0\""), "{tree}");
    tokio::time::timeout(SECOND, tracker.wait_idle())
        .await
        .expect("aborted work did not stop");
    assert_eq!(tracker.finished(), 3);
}
