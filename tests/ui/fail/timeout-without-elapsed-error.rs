// `timeout` fails the scope with `taskgroup::Elapsed`: the scope must be
// fallible, with an error type that can be built from it.
use std::time::Duration;
use taskgroup::{nursery, scope};

#[derive(Debug)]
struct NotFromElapsed;

#[nursery(timeout = Duration::from_secs(1))]
async fn infallible() -> u32 {
    1
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let _ = infallible().await;
    let _: Result<(), NotFromElapsed> = scope!(timeout = Duration::from_secs(1); {
        Ok(())
    });
    let _: Result<(), NotFromElapsed> = scope! {
        spawn!(timeout = Duration::from_secs(1), async { Ok(()) });
        Ok(())
    };
}
