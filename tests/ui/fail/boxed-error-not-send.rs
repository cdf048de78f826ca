// A scope whose error is `Box<dyn Error>` cannot take a task's error: the
// error crosses threads, so it must be `Send` (`Box<dyn Error + Send + Sync>`).
use std::error::Error;
use taskgroup::nursery;

async fn fetch() -> Result<u32, std::io::Error> {
    Ok(1)
}

#[nursery]
async fn load() -> Result<u32, Box<dyn Error>> {
    let value = spawn!(fetch());
    Ok(value.await)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let _ = load().await;
}
