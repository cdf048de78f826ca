// `spawn!` runs the task on any worker thread: it must be `Send`.
use std::rc::Rc;
use taskgroup::scope;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let shared = Rc::new(5);
    scope! {
        let shared = shared.clone();
        spawn!(async move { *shared + 1 }).await
    };
}
