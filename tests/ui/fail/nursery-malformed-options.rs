// `#[nursery(...)]` options that are not `key = value` pairs.
use taskgroup::nursery;

// A bare word.
#[nursery(fast)]
async fn bare_word() {}

// A key without a value, followed by a valid option.
#[nursery(limit name = "x")]
async fn missing_equals() {}

// Not a name at all.
#[nursery("limit" = 2)]
async fn string_key() {}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    bare_word().await;
    missing_equals().await;
    string_key().await;
}
