// The scope's error type must be `'static`: the error is said on the
// return type, not as a lifetime error on the attribute.
use taskgroup::nursery;

#[nursery]
async fn first_word<'a>(text: &'a str) -> Result<usize, &'a str> {
    let length = spawn!(async { 3 });
    if text.is_empty() {
        return Err(text);
    }
    Ok(length.await)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let _ = first_word("x").await;
}
