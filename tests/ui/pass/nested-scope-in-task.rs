// A `scope!` nested in a spawned task, and one nested directly in the body:
// the inner `spawn!` binds to the innermost scope.
use taskgroup::{nursery, scope};

#[derive(Debug)]
struct Error;

#[nursery]
async fn tree(n: u64) -> Result<u64, Error> {
    let outer = spawn!(async move {
        let inner = scope! {
            let a = spawn!(async move { n });
            let b = spawn!(async move { n + 1 });
            a.await + b.await
        };
        Ok(inner)
    });
    let direct: Result<u64, Error> = scope!(limit = 1; {
        let c = spawn!(async { Ok(10) });
        Ok(c.await)
    });
    Ok(outer.await + direct?)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    assert_eq!(tree(1).await.unwrap(), 1 + 2 + 10);
    let deep = scope! {
        let h = spawn!(async {
            scope! {
                spawn!(async { scope! { spawn!(async { 5 }).await } }).await
            }
        });
        h.await
    };
    assert_eq!(deep, 5);
}
