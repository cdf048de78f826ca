// An `async` block written inline in `spawn!` (and the other kinds) takes
// the scope's error type; one whose own error type is fixed otherwise
// (here by `str::parse`) gets a message that says so, on the block, and
// names no hidden type.
use taskgroup::nursery;

#[derive(Debug)]
struct AppError;

#[nursery]
async fn load(text: String) -> Result<u32, AppError> {
    let parsed = spawn!(async move { text.parse::<u32>() });
    let data = [1u32];
    let scoped = spawn_scoped!(async { "7".parse::<u32>().map(|n| n + data[0]) });
    let blocking = spawn_blocking!(|| "8".parse::<u32>());
    Ok(parsed.await + scoped.await + blocking.await)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let _ = load("1".to_owned()).await;
}
