//! `taskgroup::testing::check_leaks`: passes when all has stopped, else reports what is alive.
//!
//! `taskgroup::testing::check_leaks`: a test passes when everything it
//! started has stopped, and fails with the tree of what is still alive
//! when something has not, a bound after the test's future returned.

mod common;

use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

use common::{catch_unwind, panic_message};
use taskgroup::scope;
use taskgroup::testing::{check_leaks, check_leaks_within};

#[tokio::test]
async fn a_clean_test_passes_and_keeps_its_value() {
    let total = check_leaks(async {
        scope! {
            let a = spawn!(async { 20 });
            let b = spawn!(async { 22 });
            a.await + b.await
        }
    })
    .await;
    assert_eq!(total, 42);
}

/// A scope dropped (as by a lost `select!` branch) once its blocking task
/// is running leaves that task, which ignores the cancellation: the test's
/// future returns, the straggler does not stop, and the check fails with
/// the tree. (Real time: tokio does not
/// auto-advance paused time while a blocking task runs; the bound under
/// test is 200 ms.)
#[tokio::test]
async fn a_straggler_fails_the_check_with_the_tree() {
    let release = Arc::new(AtomicBool::new(false));
    let stuck = release.clone();
    let outcome = catch_unwind(check_leaks_within(Duration::from_millis(200), async move {
        let (started, running) = tokio::sync::oneshot::channel();
        let leaky = async move {
            scope!(name = "leaky"; {
                spawn_blocking!(name = "stubborn", move || {
                    started.send(()).unwrap();
                    while !stuck.load(SeqCst) {
                        std::thread::yield_now(); // never looks at is_cancelled()
                    }
                });
                std::future::pending::<()>().await;
            });
        };
        // The scope's future is dropped as soon as the task runs.
        tokio::select! {
            () = leaky => unreachable!(),
            _ = running => {}
        }
    }))
    .await;
    release.store(true, SeqCst); // let the thread end before the runtime does
    let payload = outcome.expect_err("the leak was not reported");
    let message = panic_message(&*payload).expect("a message");
    assert!(
        message.contains("leak check at tests/leak_check.rs"),
        "{message}"
    );
    assert!(message.contains("still alive"), "{message}");
    assert!(message.contains("scope \"leaky\""), "{message}");
    assert!(
        message.contains("\"stubborn\" spawned at tests/leak_check.rs:"),
        "{message}"
    );
    assert!(
        message.contains("— blocking, aborted, not stopped yet, age "),
        "{message}"
    );
}
