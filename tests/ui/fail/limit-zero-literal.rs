// `limit = 0` would never let a task start: rejected when written literally.
use taskgroup::{nursery, scope};

#[nursery(limit = 0)]
async fn never() {
    spawn!(async {});
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    never().await;
    scope!(limit = 0_usize; {
        spawn!(async {});
    });
}
