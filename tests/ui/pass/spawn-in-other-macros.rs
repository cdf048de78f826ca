// `spawn!` inside `tokio::select!`, `println!`, `format!`, `vec!`, `assert_eq!`.
use std::time::Duration;
use taskgroup::{nursery, scope};

#[nursery]
async fn race() -> &'static str {
    tokio::select! {
        fast = spawn!(async { "fast" }) => fast,
        () = tokio::time::sleep(Duration::from_secs(3600)) => "slow",
    }
}

#[nursery]
async fn printed() -> String {
    println!("answer: {}", spawn!(async { 42 }).await);
    let text = format!(
        "{}-{}",
        spawn!(async { 1 }).await,
        spawn!(name = "two", async { 2 }).await
    );
    let handles = vec![spawn!(async { 3 }), spawn!(async { 4 })];
    let mut sum = 0;
    for handle in handles {
        sum += handle.await;
    }
    assert_eq!(spawn!(async move { sum }).await, 7);
    text
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    assert_eq!(race().await, "fast");
    assert_eq!(printed().await, "1-2");
    let picked = scope! {
        tokio::select! {
            biased;
            v = spawn!(async { 1 }) => v,
            v = spawn!(async { 2 }) => v,
        }
    };
    assert!(picked == 1 || picked == 2);
}
