// A scoped child borrows from around the scope, not from the body: a local
// of the body ends before the scope's children are joined.
use taskgroup::scope;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    scope! {
        let mut inside = 0;
        spawn_scoped!(async {
            inside += 1;
        });
    };
}
