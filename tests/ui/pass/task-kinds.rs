// `spawn_blocking!` and `spawn_background!` in the shapes users write:
// closures with `?`, named tasks, loops that only end by failing.
use std::time::Duration;
use taskgroup::{nursery, scope};

#[derive(Debug)]
enum Error {
    Parse,
    Io,
}

impl From<std::num::ParseIntError> for Error {
    fn from(_: std::num::ParseIntError) -> Self {
        Error::Parse
    }
}

async fn ping() -> Result<(), Error> {
    Err(Error::Io)
}

#[nursery(limit = 4)]
async fn work(inputs: Vec<String>) -> Result<u64, Error> {
    spawn_background!(name = "heartbeat", async {
        loop {
            tokio::time::sleep(Duration::from_secs(1)).await;
            ping().await?;
        }
    });
    let mut handles = Vec::new();
    for input in inputs {
        handles.push(spawn_blocking!(name = "parse", move || {
            let n: u64 = input.trim().parse()?;
            Ok(n)
        }));
    }
    let mut total = 0;
    for handle in handles {
        total += handle.await;
    }
    Ok(total)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let _ = work(vec!["1".into()]).await;
    let n = scope! {
        spawn_background!(async { loop { tokio::task::yield_now().await; } });
        spawn_blocking!(|| 7).await
    };
    assert_eq!(n, 7);
}
