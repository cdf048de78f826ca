// `start!` takes a closure of one argument, the `Ready` signal; outside a
// scope it is an error.
use taskgroup::{scope, start};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let _ = start!(|ready| async move { ready.send(1) });
    scope! {
        let _ = start!(async { 1 });
        let _ = start!(|| async { 1 });
    };
}
