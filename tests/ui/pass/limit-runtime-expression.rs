// `limit = …` accepts any expression: a fn call, a variable, an `Option`,
// a `NonZeroUsize`.
use std::num::NonZeroUsize;
use taskgroup::{nursery, scope};

fn workers() -> usize {
    2
}

#[nursery(limit = workers())]
async fn squares(n: u64) -> u64 {
    let mut handles = Vec::new();
    for i in 0..n {
        handles.push(spawn!(async move { i * i }));
    }
    let mut total = 0;
    for handle in handles {
        total += handle.await;
    }
    total
}

#[nursery(limit = max, name = "param limit")]
async fn with_param(max: usize) -> usize {
    spawn!(async move { max }).await
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    assert_eq!(squares(4).await, 14);
    assert_eq!(with_param(3).await, 3);
    let none: Option<usize> = None;
    let a = scope!(limit = none; { spawn!(async { 1 }).await });
    let b = scope!(limit = NonZeroUsize::new(1).unwrap(); { spawn!(async { 2 }).await });
    let c = scope!(limit = Some(workers() * 2), name = "doubled"; { spawn!(async { 3 }).await });
    assert_eq!(a + b + c, 6);
}
