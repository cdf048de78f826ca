//! `taskgroup::as_completed`: children's results in the order they finish, for every kind of handle.

use std::time::Duration;

use taskgroup::{scope, Exit};
use tokio::time::{sleep, Instant};

const MS: Duration = Duration::from_millis(1);

#[taskgroup::test(start_paused = true)]
async fn scoped_handles_in_completion_order_and_at_their_instant() {
    let delays = [30u64, 10, 20];
    let origin = Instant::now();
    let seen = scope! {
        let handles = delays.iter().map(|ms| spawn_scoped!(async move {
            sleep(MS * *ms as u32).await;
            *ms
        }));
        let mut done = taskgroup::as_completed(handles);
        let mut seen = Vec::new();
        while let Some(ms) = done.next().await {
            seen.push((ms, origin.elapsed().as_millis()));
        }
        assert!(done.is_empty());
        seen
    };
    assert_eq!(seen, [(10, 10), (20, 20), (30, 30)]);
}

#[taskgroup::test(start_paused = true)]
async fn a_failure_cancels_the_body_waiting_for_the_next_result() {
    let origin = Instant::now();
    let result: Result<Vec<u32>, &str> = scope! {
        let first = spawn!(async { sleep(10 * MS).await; Ok::<u32, &str>(1) });
        let failing = spawn!(async { sleep(20 * MS).await; Err::<u32, &str>("down") });
        let last = spawn!(async { sleep(50 * MS).await; Ok::<u32, &str>(3) });
        let mut done = taskgroup::as_completed([first, failing, last]);
        let mut seen = Vec::new();
        while let Some(value) = done.next().await {
            seen.push(value);
        }
        Ok(seen)
    };
    assert_eq!(result, Err("down"));
    assert_eq!(
        origin.elapsed(),
        20 * MS,
        "the body was cancelled at the failure"
    );
}

#[taskgroup::test(start_paused = true)]
async fn isolated_outcomes_arrive_as_items() {
    let outcomes = scope!(errors = isolated; {
        let quick_panic = spawn!(async {
            sleep(5 * MS).await;
            if true {
                panic!("boom")
            }
            0u32
        });
        let slow = spawn!(async { sleep(20 * MS).await; 2u32 });
        let mut done = taskgroup::as_completed([quick_panic, slow]);
        done.push(spawn!(async { 1u32 }));
        let mut outcomes = Vec::new();
        while let Some(outcome) = done.next().await {
            outcomes.push(match outcome {
                Ok(value) => format!("ok {value}"),
                Err(Exit::Panicked(panic)) => {
                    let message = panic.message().unwrap_or_default().to_owned();
                    drop(panic.into_payload());
                    format!("panicked {message}")
                }
                Err(other) => format!("{other}"),
            });
        }
        Ok::<_, std::io::Error>(outcomes)
    });
    assert_eq!(outcomes.unwrap(), ["ok 1", "panicked boom", "ok 2"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_handles_on_two_workers() {
    let total = scope! {
        let mut done = taskgroup::as_completed((0..500u64).map(|i| spawn!(async move {
            tokio::task::yield_now().await;
            i
        })));
        let mut total = 0;
        while let Some(i) = done.next().await {
            total += i;
        }
        total
    };
    assert_eq!(total, 499 * 500 / 2);
}
