// `#[nursery]` written above `#[tokio::main]`: the nursery sees the
// `async fn` first, then tokio turns it into a plain `fn main`.
use taskgroup::nursery;

#[nursery]
#[tokio::main(flavor = "current_thread")]
async fn main() {
    let a = spawn!(async { 20 });
    let b = spawn!(async { 22 });
    assert_eq!(a.await + b.await, 42);
}
