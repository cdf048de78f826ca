// `#[nursery]` below `#[tokio::main]` / `#[tokio::test]`: tokio has already
// made the function a plain `fn` by the time `#[nursery]` runs.
use taskgroup::nursery;

#[tokio::test]
#[nursery]
async fn below_tokio_test() {}

#[tokio::main(flavor = "current_thread")]
#[nursery]
async fn main() {
    spawn!(async {});
}
