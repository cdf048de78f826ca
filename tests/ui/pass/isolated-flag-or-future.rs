// `isolated,` is the flag only when a future follows: a future named
// `isolated` with a trailing comma is a future. An isolated inline block
// takes the scope's error type, so `?` works in it.
use taskgroup::scope;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let result: Result<(), std::num::ParseIntError> = scope! {
        let isolated = async { 1 };
        assert_eq!(spawn!(isolated,).await, 1);
        let parsed = spawn!(isolated, async { Ok("7".parse::<u32>()?) });
        assert_eq!(parsed.await.unwrap(), Ok(7));
        Ok(())
    };
    result.unwrap();
}
