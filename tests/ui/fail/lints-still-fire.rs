// Lint transparency, the other way: the expansion does not silence the
// user's own lints. Each warning below is reported on the user's tokens,
// as it would be without the macros (`lints-stay-clean.rs` is the other half:
// the same lints stay quiet about the generated code).
#![deny(dead_code, unused_variables, unused_mut, unused_qualifications)]

use taskgroup::{nursery, scope};

#[nursery]
async fn unused_in_nursery() -> u32 {
    let forgotten = 1;
    let label = std::string::String::from("two");
    spawn!(async move { u32::try_from(label.len()).unwrap() - 1 }).await
}

#[nursery]
async fn unused_in_task() -> Result<u32, String> {
    let handle = spawn!(async {
        let also_forgotten = 3;
        Ok(4)
    });
    Ok(handle.await)
}

#[nursery]
async fn never_called() -> u32 {
    spawn!(async { 5 }).await
}

struct Service;

impl Service {
    #[nursery]
    async fn never_called_method(&self) {
        spawn!(async {});
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let _service = Service;
    let total = scope! {
        let unused_in_scope = 6;
        let mut never_mutated = 7;
        spawn!(async move { never_mutated }).await
    };
    assert_eq!(
        total + unused_in_nursery().await + unused_in_task().await.unwrap(),
        13
    );
}
