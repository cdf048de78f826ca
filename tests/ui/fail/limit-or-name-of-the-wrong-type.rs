// Adversarial round 3: `limit` of a type other than `usize` /
// `NonZeroUsize` / `Option` of them (a `u32` is the usual mistake), and a
// scope's `name` that is not a string. The notes must name no hidden item
// (docs/compile-time-checks.md: "No message names a hidden path").
// FOUND (fixed): both said "required by a bound in
// `taskgroup::__private::Options::…`"; now the public `IntoLimit` and
// `checks::IntoName` with a message of their own.
use taskgroup::{nursery, scope};

#[nursery(limit = 4u32)]
async fn crawl() {}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    crawl().await;
    let workers: u32 = 8;
    scope!(limit = workers; {});
    scope!(name = 5; {});
}
