// `spawn!` and the other task kinds outside any `#[nursery]` fn or
// `scope!` block.
use taskgroup::{spawn, spawn_background, spawn_scoped};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let handle = spawn!(async { 1 });
    let _ = handle.await;
    spawn_background!(async { loop {} });
    spawn_scoped!(async {});
}
