// A scoped child's handle cannot leave the scope either.
use taskgroup::scope;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let data = vec![1, 2, 3];
    let handle = scope! {
        spawn_scoped!(async { data.len() })
    };
    let _ = handle.await;
}
