// `#[nursery]` written above `#[tokio::test]` is accepted by both macros.
// trybuild builds pass cases without `--test`, so after both attributes have
// expanded `#[test]` removes the function and its body is not type-checked
// here (the integration tests run this shape for real); `main` runs the same
// shape through `#[tokio::main]` with a fallible body.
use taskgroup::nursery;

#[derive(Debug)]
struct Error;

#[nursery]
#[tokio::test]
async fn parallel_sum() -> Result<(), Error> {
    let a = spawn!(async { Ok(20) });
    let b = spawn!(async { Ok(22) });
    assert_eq!(a.await + b.await, 42);
    Ok(())
}

#[nursery(limit = 1)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limited() {
    spawn!(async {});
    spawn!(async {});
}

#[nursery]
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let a = spawn!(async { Ok(1) });
    assert_eq!(a.await, 1);
    Ok(())
}
