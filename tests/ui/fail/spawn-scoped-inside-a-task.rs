// A scope that uses `spawn_scoped!` is not `Send` (its children live in the
// scope's own future), so it cannot be the future of a `spawn!` task; the
// error says why and what to do.
use taskgroup::scope;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let words = vec!["a".to_owned(), "bb".to_owned()];
    scope! {
        spawn!(async move {
            scope! {
                for word in &words {
                    spawn_scoped!(async move { word.len() });
                }
            };
        });
    };
}
