// A handle cannot be moved into another parallel task: `spawn!` needs a
// `'static` future and the handle borrows its scope.
use taskgroup::scope;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    scope! {
        let first = spawn!(async { 1 });
        let second = spawn!(async move { first.await + 1 });
        second.await
    };
}
