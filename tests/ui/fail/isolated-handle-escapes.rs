// An `IsolatedHandle` is branded with its scope like a `TaskHandle`: it
// cannot leave the `scope!` that spawned it.
use taskgroup::scope;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let handle = scope! {
        spawn!(isolated, async { 1 })
    };
    let _ = handle.await;
}
