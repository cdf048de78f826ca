// In a scope whose body does not return a `Result` (an infallible scope),
// a child returning its own `Result` has nowhere to send its error.
use taskgroup::scope;

#[derive(Debug)]
struct Error;

async fn fetch() -> Result<u32, Error> {
    Ok(1)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let n = scope! {
        let h = spawn!(fetch());
        h.await
    };
    let _ = n;
}
