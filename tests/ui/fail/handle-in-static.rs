// A handle cannot be stored anywhere that outlives its scope: a
// `thread_local!` / `static`, or a struct living longer than the scope.
use std::cell::RefCell;
use std::sync::Mutex;
use taskgroup::{scope, TaskHandle};

thread_local! {
    static SAVED: RefCell<Option<TaskHandle<'static, u32>>> = const { RefCell::new(None) };
}

static GLOBAL: Mutex<Vec<TaskHandle<'static, u32>>> = Mutex::new(Vec::new());

struct Keeper<'a> {
    handles: Vec<TaskHandle<'a, u32>>,
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    scope! {
        let handle = spawn!(async { 1 });
        SAVED.with(|saved| *saved.borrow_mut() = Some(handle));
    };

    scope! {
        GLOBAL.lock().unwrap().push(spawn!(async { 2 }));
    };

    let mut keeper = Keeper {
        handles: Vec::new(),
    };
    scope! {
        keeper.handles.push(spawn!(async { 3 }));
    };
    drop(keeper);
}
