// A closure that captures a handle cannot leave the scope either: the
// handle inside it would outlive the join.
use taskgroup::scope;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let later = scope! {
        let handle = spawn!(async { 1 });
        move || handle
    };
    let _ = later().await;
}
