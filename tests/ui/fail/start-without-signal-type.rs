// `start!` returns what the child signals: a child that never calls
// `ready.send(…)` leaves that type unknown.
use taskgroup::scope;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    scope! {
        let _ = start!(|_ready| async { 1 });
    };
}
