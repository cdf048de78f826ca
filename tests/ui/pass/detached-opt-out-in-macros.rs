// The opt-out by its full path, `taskgroup::detached!(…)`, is recognised
// inside other macros too (`vec!`, `println!`, `select!`), as the bare
// `detached!(…)` is.
use taskgroup::{detached, nursery};

#[nursery]
async fn hand_off() -> Vec<tokio::task::JoinHandle<u32>> {
    let handles = vec![
        taskgroup::detached!(tokio::spawn(async { 1 })),
        detached!(tokio::spawn(async { 2 })),
    ];
    println!("{:?}", taskgroup::detached!(std::thread::spawn(|| 3)).join().unwrap());
    tokio::select! {
        result = taskgroup::detached!(tokio::spawn(async { 4 })) => assert_eq!(result.unwrap(), 4),
    }
    handles
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut total = 0;
    for handle in hand_off().await {
        total += handle.await.unwrap();
    }
    assert_eq!(total, 3);
}
