// `timeout` on a scope and on tasks, with the shapes users write: a
// `Duration` expression, an `Option<Duration>` from configuration, an error
// type with `From<Elapsed>`, `Elapsed` itself, named tasks.
use std::time::Duration;
use taskgroup::{nursery, scope, Elapsed};

#[derive(Debug)]
enum Error {
    TimedOut,
}

impl From<Elapsed> for Error {
    fn from(_: Elapsed) -> Self {
        Error::TimedOut
    }
}

struct Config {
    request_timeout: Option<Duration>,
}

#[nursery(timeout = config.request_timeout, limit = 4)]
async fn fetch_all(config: &Config, ids: Vec<u32>) -> Result<Vec<u32>, Error> {
    let mut handles = Vec::new();
    for id in ids {
        handles.push(spawn!(name = format!("fetch {id}"), timeout = Duration::from_millis(500), async move {
            Ok(id * 2)
        }));
    }
    let mut out = Vec::new();
    for handle in handles {
        out.push(handle.await);
    }
    Ok(out)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let config = Config {
        request_timeout: Some(Duration::from_secs(2)),
    };
    let _ = fetch_all(&config, vec![1, 2]).await;
    let _ = scope!(timeout = Duration::from_secs(1); {
        spawn!(timeout = Duration::from_millis(10), async { 5 });
        Ok::<_, Elapsed>(taskgroup::deadline())
    });
}
