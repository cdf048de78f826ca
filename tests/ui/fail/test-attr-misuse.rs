// `#[taskgroup::test]` on a function that is not an async test, and with
// arguments it does not take.

#[taskgroup::test]
fn not_async() {}

#[taskgroup::test]
async fn with_an_argument(n: u32) {
    let _ = n;
}

#[taskgroup::test(crate = "tokio")]
async fn naming_a_crate() {}

#[taskgroup::test(multi_thread)]
async fn not_key_value() {}

fn main() {}
