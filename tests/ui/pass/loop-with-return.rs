// An `async` block ending in a `loop` that leaves by `return` has the
// output type of its `return`: it is not taken for a `break`-less server
// loop (whose output is the scope's `Result<(), E>`).
use taskgroup::scope;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let found = scope! {
        let search = spawn!(async {
            let mut i = 0u32;
            loop {
                i += 1;
                tokio::task::yield_now().await;
                if i * i > 50 {
                    return i;
                }
            }
        });
        search.await
    };
    assert_eq!(found, 8);
}
