// `impl Trait` in the return type, alone or inside a `Result`.
use std::fmt::Display;
use taskgroup::nursery;

#[derive(Debug)]
struct Error;

#[nursery]
async fn shown() -> impl Display {
    let h = spawn!(async { 42 });
    h.await
}

#[nursery]
async fn numbers() -> Result<impl Iterator<Item = u32>, Error> {
    let a = spawn!(async { Ok(1) });
    let b = spawn!(async { Ok(2) });
    Ok(vec![a.await, b.await].into_iter())
}

#[nursery]
async fn boxed() -> Box<dyn Display + Send> {
    Box::new(spawn!(async { "boxed" }).await)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    assert_eq!(shown().await.to_string(), "42");
    assert_eq!(numbers().await.unwrap().sum::<u32>(), 3);
    assert_eq!(boxed().await.to_string(), "boxed");
}
