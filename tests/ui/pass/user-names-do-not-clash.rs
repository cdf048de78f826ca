// User items named like the hidden locals or like detached spawns do not
// clash with the expansion: a variable `__tg_scope`, modules `thread` and
// `spawn`, a local fn `spawn`. (A call written `thread::spawn(…)` is taken
// for `std::thread::spawn` whatever `thread` is: the scan is syntactic.)
#![allow(non_snake_case)]
use taskgroup::{nursery, scope};

mod thread {
    pub fn start(n: u32) -> u32 {
        n + 1
    }
}

mod spawn {
    pub fn run(n: u32) -> u32 {
        n
    }
}

#[nursery]
async fn shadowing(__tg_scope: u32) -> u32 {
    let __tg_mode = 1;
    let __tg_ret = 2;
    let __tg_future = 3;
    let __tg_slot = 4;
    let h = spawn!(async move { __tg_scope + __tg_future + __tg_slot });
    h.await + __tg_mode + __tg_ret
}

#[nursery]
async fn local_spawn_fn() -> u32 {
    fn spawn(n: u32) -> u32 {
        n * 2
    }
    let h = spawn!(async { 5 });
    spawn(h.await) + thread::start(1) + spawn::run(0)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    assert_eq!(shadowing(10).await, 10 + 3 + 4 + 1 + 2);
    assert_eq!(local_spawn_fn().await, 12);
    let __tg_scope = "mine";
    let __tg_body = "also mine";
    let n = scope! {
        let h = spawn!(async move { __tg_scope.len() });
        h.await + __tg_body.len()
    };
    assert_eq!(n, 4 + 9);
    assert_eq!(__tg_scope, "mine");
}
