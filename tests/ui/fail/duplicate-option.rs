// The same option given twice.
use taskgroup::{nursery, scope};

#[nursery(limit = 4, name = "a", limit = 8)]
async fn twice() {
    spawn!(async {});
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    twice().await;
    scope!(name = "x", name = "y"; {
        spawn!(async {});
    });
}
