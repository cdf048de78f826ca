// `isolated` and `restart = …` apply to the kinds that can honour them;
// elsewhere the macro says which kinds take them. A restarted child takes no
// `timeout` (one start, or all of them?); `isolated` is a flag, written once.
use std::time::Duration;
use taskgroup::{scope, Restart};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let data = 1;
    scope! {
        spawn_scoped!(isolated, async { data });
        spawn_blocking!(isolated, || 1);
        start!(restart = Restart::on_failure(), |ready| async move { ready.send(()); });
        spawn_scoped!(restart = Restart::on_failure(), || async { data });
        spawn!(restart = Restart::on_failure(), timeout = Duration::from_secs(1), || async {});
        spawn!(isolated, isolated, async {});
        spawn!(isolate, async {});
        spawn!(isolated async {});
    };
}
