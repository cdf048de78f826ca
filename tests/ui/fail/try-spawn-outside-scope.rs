// `try_spawn!` outside any `#[nursery]` fn or `scope!` block.
use taskgroup::try_spawn;

async fn work() {}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let _ = try_spawn!(work());
}
