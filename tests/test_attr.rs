//! `#[taskgroup::test]`: `#[tokio::test]` with the leak check around the body.

use std::time::Duration;

#[taskgroup::test]
async fn a_clean_test_passes() {
    let total = taskgroup::scope! {
        let a = spawn!(async { 20 });
        let b = spawn!(async { 22 });
        a.await + b.await
    };
    assert_eq!(total, 42);
}

/// The body runs inside the leak check's root scope.
#[taskgroup::test(start_paused = true)]
async fn the_body_runs_in_the_leak_check_scope() {
    let start = tokio::time::Instant::now();
    tokio::time::sleep(Duration::from_secs(3600)).await;
    assert_eq!(start.elapsed(), Duration::from_secs(3600), "paused time");
    assert!(taskgroup::cancellation_token().is_some());
    assert!(taskgroup::dump()
        .to_string()
        .contains("scope \"leak check\""));
}

#[taskgroup::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_test_returning_a_result() -> Result<(), std::num::ParseIntError> {
    let n: u32 = "42".parse()?;
    assert_eq!(n, 42);
    Ok(())
}

/// A panic in the test is the test's failure, with its own message.
#[taskgroup::test]
#[should_panic(expected = "the test's own assertion")]
async fn a_failing_assertion_fails_the_test() {
    panic!("the test's own assertion");
}

/// A task still alive `leak_bound` after the test returned fails it with
/// the tree: here a blocking closure of a dropped scope, stuck for 2 s in a
/// synchronous call that ignores the cancellation (it must end on its own:
/// the runtime waits for blocking threads when it shuts down).
#[taskgroup::test(leak_bound = Duration::from_millis(100))]
#[should_panic(expected = "\"straggler\" spawned at tests/test_attr.rs:")]
async fn a_task_left_behind_fails_the_test() {
    let (started, running) = tokio::sync::oneshot::channel();
    let leaky = async move {
        taskgroup::scope!(name = "leaky"; {
            spawn_blocking!(name = "straggler", move || {
                started.send(()).unwrap();
                std::thread::sleep(Duration::from_secs(2)); // stuck, not a synchronisation
            });
            std::future::pending::<()>().await;
        });
    };
    tokio::select! {
        () = leaky => unreachable!(),
        _ = running => {}
    }
}

/// A scope whose future is leaked (`std::mem::forget`) after it opened
/// never returns and skips its join: the leak check names it (issue 14).
/// Its child, waiting on a channel, is released so that the test's own
/// scope can join it.
#[taskgroup::test]
#[should_panic(expected = "the future of the scope \"forgotten\" at tests/test_attr.rs:")]
async fn a_leaked_scope_future_fails_the_test() {
    let (release, released) = tokio::sync::oneshot::channel::<()>();
    let mut forgotten = Box::pin(async move {
        taskgroup::scope!(name = "forgotten"; {
            spawn!(async move {
                released.await.ok();
            });
            std::future::pending::<()>().await;
        });
    });
    // Polled once: the scope opens and starts its child.
    assert!(futures_util::poll!(forgotten.as_mut()).is_pending());
    std::mem::forget(forgotten);
    release.send(()).unwrap();
}

/// The body's inner attributes stay the body's.
#[taskgroup::test]
async fn inner_attributes_stay_in_the_body() {
    #![allow(unused_variables)]
    let unused = 1;
}
