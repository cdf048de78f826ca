// `#[nursery]` on the `async fn` of a trait impl (async fn in trait).
use taskgroup::nursery;

#[derive(Debug)]
struct Error;

trait Loader {
    async fn load(&self, ids: Vec<u32>) -> Result<u32, Error>;
    async fn count(&self) -> usize;
}

struct Sum;

impl Loader for Sum {
    #[nursery]
    async fn load(&self, ids: Vec<u32>) -> Result<u32, Error> {
        let mut handles = Vec::new();
        for id in ids {
            handles.push(spawn!(async move { Ok(id * 10) }));
        }
        let mut total = 0;
        for handle in handles {
            total += handle.await;
        }
        Ok(total)
    }

    #[nursery(name = "count")]
    async fn count(&self) -> usize {
        spawn!(async { 3 }).await
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    assert_eq!(Sum.load(vec![1, 2]).await.unwrap(), 30);
    assert_eq!(Sum.count().await, 3);
}
