// An option whose value is missing or not an expression.
use taskgroup::{nursery, scope};

#[nursery(limit = , name = "a")]
async fn empty_value() {
    spawn!(async {});
}

#[nursery(crate = "taskgroup")]
async fn crate_not_a_path() {}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    empty_value().await;
    crate_not_a_path().await;
    scope!(limit = fn; {
        spawn!(async {});
    });
}
