// A bad option does not hide the body: it is still expanded and
// type-checked, so its own errors are reported in the same build.
use taskgroup::{nursery, scope};

#[nursery(limt = 4)]
async fn typo() -> u32 {
    let n: u32 = "not a number";
    spawn!(async move { n }).await
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let _ = typo().await;
    scope!(speed = 2; {
        let m: bool = 1;
        spawn!(async move { m }).await
    });
}
