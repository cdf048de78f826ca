// Detached spawns inside a scope are rejected, each at the call, written
// directly or inside another macro.
use std::thread;
use taskgroup::{nursery, scope};
use tokio::task::{spawn_blocking, spawn_local};

#[nursery]
async fn direct() {
    tokio::spawn(async {});
    tokio::task::spawn(async {});
    ::tokio::task::spawn_blocking(|| ());
    std::thread::spawn(|| ());
    thread::spawn(|| ());
    spawn_blocking(|| ());
    spawn_local(async {});
    let _as_value = [async {}].map(tokio::spawn);
    tokio::runtime::Handle::current().spawn(async {});
    tokio::runtime::Handle::current().spawn_blocking(|| ());
    thread::Builder::new().name("worker".into()).spawn(|| ()).unwrap();
    use tokio::task;
    task::spawn(async {});
}

#[nursery]
async fn inside_macros() {
    println!("{:?}", tokio::spawn(async {}));
    let _v = vec![std::thread::spawn(|| ())];
    tokio::select! {
        _ = tokio::spawn(async {}) => {}
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    direct().await;
    inside_macros().await;
    scope! {
        let _ = tokio::task::spawn_local(async {});
        let _ = scope! { tokio::spawn(async {}) };
    };
}
