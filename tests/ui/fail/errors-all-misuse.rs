// `errors = all` collects the errors of a fallible scope: the function
// returns `Result<T, Errors<E>>`, the body must be able to fail, and the
// policy is `first` or `all`.
use taskgroup::{nursery, scope, Errors};

#[nursery(errors = all)]
async fn wrong_return() -> Result<u32, String> {
    Ok(1)
}

#[nursery(errors = some)]
async fn unknown_policy() -> Result<u32, String> {
    Ok(1)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let _ = wrong_return().await;
    let _ = unknown_policy().await;
    let _: u32 = scope!(errors = all; {
        spawn!(async { 1 });
        2
    });
    let _: Result<u32, Errors<String>> = scope!(errors = all; { Ok(3) });
}
