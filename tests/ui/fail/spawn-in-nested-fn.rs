// A nested `fn` item in a nursery body is not part of the scope: a `spawn!`
// there would escape the join, so it must not compile, whether or not the
// fallback `taskgroup::spawn` is imported.
use taskgroup::{nursery, spawn};

#[nursery]
async fn outer() -> u32 {
    fn helper() {
        spawn!(async {});
    }
    helper();
    spawn!(async { 1 }).await
}

#[nursery]
async fn outer_without_import() -> u32 {
    async fn helper() -> u32 {
        try_spawn!(async { 2 });
        2
    }
    helper().await
}

#[nursery]
async fn outer_cancelling() {
    fn stop() {
        cancel!();
    }
    stop();
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let _ = outer().await + outer_without_import().await;
    outer_cancelling().await;
}
