// `stop = …` is `together` (the default) or `reverse`; anything else says so.
use taskgroup::scope;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    scope!(stop = sideways; {
        spawn!(async {});
    });
}
