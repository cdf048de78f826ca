// `context = …` is read by every task of the scope, on any thread: the
// value must be `Send + Sync + 'static`.
use std::rc::Rc;
use taskgroup::scope;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let user = Rc::new("ada".to_owned());
    scope!(context = user; {
        spawn!(async {});
    });
}
