//! `taskgroup::dump()`: prints the live tree of scopes and their tasks, as
//! a service would on a hang or at shutdown.
//!
//! Run: `cargo run --example task_tree`. Expected output (ages ±):
//!
//! ```text
//! scope "server" at examples/task_tree.rs:28:5 — running, 4 children, open 251.8ms
//!   task #1 "accept" spawned at examples/task_tree.rs:30:9 — running, age 251.8ms
//!   task #2 "metrics" spawned at examples/task_tree.rs:35:9 — background, running, age 251.8ms
//!   task #3 "connection 1" spawned at examples/task_tree.rs:42:9 — running, age 251.8ms
//!   scope "request 1" at examples/task_tree.rs:43:13 — joining, 1 child, open 251.7ms
//!     task #4 "query database" spawned at examples/task_tree.rs:44:17 — running, age 251.7ms
//! no live scope
//! ```
//!
//! The request's scope is nested under the task that opened it; the last
//! line is the dump once everything has stopped.

use std::time::Duration;

use taskgroup::scope;
use tokio::sync::Barrier;

#[tokio::main]
async fn main() {
    taskgroup::enable_dump(); // scopes are recorded from here on
    let all_waiting = std::sync::Arc::new(Barrier::new(4));
    scope!(name = "server"; {
        let ready = all_waiting.clone();
        spawn!(name = "accept", async move {
            ready.wait().await;
            std::future::pending::<()>().await
        });
        let ready = all_waiting.clone();
        spawn_background!(name = "metrics", async move {
            ready.wait().await;
            loop {
                tokio::time::sleep(Duration::from_secs(60)).await;
            }
        });
        let ready = all_waiting.clone();
        spawn!(name = "connection 1", async move {
            scope!(name = "request 1"; {
                spawn!(name = "query database", async move {
                    ready.wait().await;
                    std::future::pending::<()>().await
                });
            });
        });
        all_waiting.wait().await;
        tokio::time::sleep(Duration::from_millis(250)).await;
        print!("{}", taskgroup::dump());
        cancel!();
    });
    print!("{}", taskgroup::dump());
}
