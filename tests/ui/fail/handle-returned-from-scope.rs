// A `TaskHandle` cannot leave the `scope!` that spawned it: the task is
// joined at the closing brace, so the handle would outlive the scope.
use taskgroup::scope;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let handle = scope! {
        spawn!(async { 1 })
    };
    let _ = handle.await;
}
