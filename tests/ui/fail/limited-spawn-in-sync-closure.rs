// With a `limit`, `spawn!` waits for a free slot, so it contains an `.await`
// and cannot be used in a plain (non-async) closure.
use taskgroup::nursery;

#[nursery(limit = 2)]
async fn start_all(items: Vec<u32>) -> u32 {
    let handles: Vec<_> = items
        .into_iter()
        .map(|item| spawn!(async move { item }))
        .collect();
    let mut total = 0;
    for handle in handles {
        total += handle.await;
    }
    total
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let _ = start_all(vec![1, 2]).await;
}
