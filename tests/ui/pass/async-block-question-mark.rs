// An inline `async` block in `spawn!` takes the scope's error type, so `?`
// inside it needs no annotation.
use taskgroup::{nursery, scope};

#[derive(Debug, PartialEq)]
struct Error(&'static str);

async fn fetch(n: u32) -> Result<u32, Error> {
    Ok(n * 2)
}

#[nursery]
async fn total() -> Result<u32, Error> {
    let a = spawn!(async move {
        let x = fetch(1).await?;
        Ok(x + 1)
    });
    let b = spawn!(name = "second", async move {
        let y = fetch(2).await?;
        Ok(y)
    });
    Ok(a.await + b.await)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    assert_eq!(total().await, Ok(7));

    let inline = scope! {
        let h = spawn!(async {
            let v = fetch(10).await?;
            Ok(v)
        });
        Ok::<_, Error>(h.await)
    };
    assert_eq!(inline, Ok(20));

    let failed: Result<u32, Error> = scope! {
        let h = spawn!(async {
            let v = fetch(1).await?;
            if v > 0 {
                return Err(Error("too big"));
            }
            Ok(v)
        });
        Ok(h.await)
    };
    assert_eq!(failed, Err(Error("too big")));
}
