// A body that does not return a `Result` makes an infallible scope: its
// children return plain values and can fail only by panicking.
use taskgroup::{nursery, scope};

#[nursery]
async fn sum(values: Vec<u64>) -> u64 {
    let mut handles = Vec::new();
    for value in values {
        handles.push(spawn!(async move { value * value }));
    }
    let mut total = 0;
    for handle in handles {
        total += handle.await;
    }
    total
}

#[nursery]
async fn unit() {
    spawn!(async {});
    spawn!(tokio::task::yield_now());
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    assert_eq!(sum(vec![1, 2, 3]).await, 14);
    unit().await;
    let word = scope! {
        let h = spawn!(async { "hello" });
        h.await.len()
    };
    assert_eq!(word, 5);
    let nothing: () = scope! {
        spawn!(async {});
    };
    nothing
}
