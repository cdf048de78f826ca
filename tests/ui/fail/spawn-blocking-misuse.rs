// `spawn_blocking!` takes a closure and no `timeout` (a blocking task cannot
// be aborted); outside a scope it is an error too.
use std::time::Duration;
use taskgroup::{scope, spawn_blocking, Elapsed};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let _ = spawn_blocking!(|| 1);
    let _ = scope!(timeout = Duration::from_secs(1); {
        spawn_blocking!(timeout = Duration::from_secs(1), || 1);
        spawn_blocking!(async { 1 });
        Ok::<_, Elapsed>(())
    });
}
