// `cancel!()` outside any `#[nursery]` fn or `scope!` block, with all three
// fallbacks imported.
#[allow(unused_imports)]
use taskgroup::{cancel, spawn, try_spawn};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    cancel!();
}
