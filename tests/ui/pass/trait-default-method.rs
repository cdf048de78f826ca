// `#[nursery]` on the default body of an `async fn` declared in a trait, and
// on a generic method with a `where` clause.
use std::fmt::Debug;
use taskgroup::nursery;

trait Fetch {
    fn base(&self) -> u32;

    #[nursery]
    async fn fetch_all(&self, ids: Vec<u32>) -> Result<u32, String> {
        let base = self.base();
        let mut handles = Vec::new();
        for id in ids {
            handles.push(spawn!(async move {
                if id == 0 {
                    return Err(format!("bad id {id}"));
                }
                Ok(base + id)
            }));
        }
        let mut total = 0;
        for handle in handles {
            total += handle.await;
        }
        Ok(total)
    }

    #[nursery]
    async fn describe<T>(&self, value: T) -> String
    where
        T: Debug + Send + 'static,
    {
        spawn!(async move { format!("{value:?}") }).await
    }
}

struct Api;

impl Fetch for Api {
    fn base(&self) -> u32 {
        10
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    assert_eq!(Api.fetch_all(vec![1, 2]).await, Ok(23));
    assert_eq!(Api.fetch_all(vec![1, 0]).await, Err("bad id 0".to_string()));
    assert_eq!(Api.describe(vec![1]).await, "[1]");
}
