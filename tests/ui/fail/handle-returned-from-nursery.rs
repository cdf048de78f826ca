// A `#[nursery]` fn cannot hand out a handle of its own scope.
use taskgroup::{nursery, TaskHandle};

#[nursery]
async fn start() -> TaskHandle<'static, u32> {
    spawn!(async { 1 })
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let _ = start().await.await;
}
