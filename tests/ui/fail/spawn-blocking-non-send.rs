// A `spawn_blocking!` closure runs on another thread: it must be `Send`.
use std::rc::Rc;
use taskgroup::scope;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let shared = Rc::new(1);
    let _ = scope! {
        spawn_blocking!(move || *shared).await
    };
}
