// A task cannot spawn into its parent's scope (it runs on its own, `Send +
// 'static`): the error says so on the inner `spawn!`, and how to open a
// scope of the task's own. A nested `scope!` inside the task is fine.
use taskgroup::scope;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    scope! {
        spawn!(async move {
            spawn!(async {});
        });
        spawn_blocking!(move || {
            cancel!();
        });
        spawn!(async move {
            // Its own scope: fine.
            scope! {
                spawn!(async {});
            };
        });
    };
}
