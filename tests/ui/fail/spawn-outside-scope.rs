// `spawn!` outside any `#[nursery]` fn or `scope!` block.
use taskgroup::spawn;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let handle = spawn!(async { 1 });
    let _ = handle.await;
}
