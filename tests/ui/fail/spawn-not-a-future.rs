// `spawn!` takes a future; a value or a closure is rejected with a message
// that says what to pass instead.
use taskgroup::scope;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    scope! {
        spawn!(42);
        spawn!(|| 1);
    };
}
