// `taskgroup::detached!(…)` is the explicit, greppable opt-out: the task it
// starts is not part of the scope, by design.
use taskgroup::{detached, nursery};

#[nursery]
async fn hand_off() -> tokio::task::JoinHandle<u32> {
    let worker = spawn!(async { 1 });
    let value = worker.await;
    detached!(tokio::spawn(async move { value + 1 }))
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let outlives = hand_off().await;
    assert_eq!(outlives.await.unwrap(), 2);
    // Spelled with its full path too.
    let thread = taskgroup::detached!(std::thread::spawn(|| 3));
    assert_eq!(thread.join().unwrap(), 3);
}
