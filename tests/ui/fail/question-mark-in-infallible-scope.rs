// `?` in an inline `async` block of an infallible scope: the block takes the
// scope's error type, and an infallible scope has none.
use taskgroup::scope;

#[derive(Debug)]
struct Error;

async fn fetch() -> Result<u32, Error> {
    Ok(1)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let n = scope! {
        let h = spawn!(async {
            let v = fetch().await?;
            Ok(v)
        });
        h.await
    };
    let _ = n;
}
