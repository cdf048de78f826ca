// `scope!` options that are not `key = value` pairs before `;`.
use taskgroup::scope;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    // Missing `;` between the options and the block.
    scope!(limit = 2 {
        spawn!(async {});
    });
    // A bare word instead of `key = value`.
    scope!(limit = 2, fast; {
        spawn!(async {});
    });
}
