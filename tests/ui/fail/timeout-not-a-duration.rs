// `timeout = …` takes a `Duration` (or an `Option<Duration>`), in a scope's
// options and in a task's.
use taskgroup::{scope, Elapsed};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let _ = scope!(timeout = 5; {
        spawn!(timeout = "1s", async { Ok(()) });
        Ok::<_, Elapsed>(())
    });
}
