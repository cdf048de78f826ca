// An option the macros do not know, in `#[nursery]` and in `scope!`.
use taskgroup::{nursery, scope};

#[nursery(limt = 4)]
async fn typo() {
    spawn!(async {});
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    typo().await;
    scope!(retries = 5; {
        spawn!(async {});
    });
}
