// A child's error type must convert into the scope's: `E: From<E2>`.
use taskgroup::nursery;

#[derive(Debug)]
struct AppError;
#[derive(Debug)]
struct OtherError;

async fn other() -> Result<u32, OtherError> {
    Err(OtherError)
}

#[nursery]
async fn load() -> Result<u32, AppError> {
    let h = spawn!(other());
    Ok(h.await)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let _ = load().await;
}
