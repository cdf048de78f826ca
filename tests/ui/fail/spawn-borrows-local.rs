// `spawn!` runs the task in parallel: it cannot borrow a local of the body.
use taskgroup::nursery;

#[nursery]
async fn count(words: Vec<String>) -> usize {
    let total = words.len();
    let h = spawn!(async { words.len() + total });
    h.await
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let _ = count(vec![]).await;
}
