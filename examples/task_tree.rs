//! `taskgroup::dump()`: prints the live tree of scopes and their waiting
//! tasks, as a service would on a hang or at shutdown.
//!
//! Run: `cargo run --example task_tree`. Expected output: a tree with the
//! scope "server", its waiting tasks ("accept", "metrics"), and the scope
//! "request 1" nested under the task that handles it, with how long each
//! has been waiting; then "no live scope" once everything has stopped.

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
