// Methods: `Self`-returning constructors, `&self` and `&mut self`.
use taskgroup::nursery;

#[derive(Debug)]
struct Error;

#[derive(Debug, PartialEq)]
struct Counter {
    value: u64,
}

impl Counter {
    #[nursery]
    async fn load() -> Result<Self, Error> {
        let a = spawn!(async { Ok(40) });
        let b = spawn!(async { Ok(2) });
        Ok(Self {
            value: a.await + b.await,
        })
    }

    #[nursery]
    async fn fresh() -> Self {
        Counter {
            value: spawn!(async { 1 }).await,
        }
    }

    #[nursery]
    async fn doubled(&self) -> Result<u64, Error> {
        let value = self.value;
        let h = spawn!(async move { Ok(value * 2) });
        Ok(h.await)
    }

    #[nursery]
    async fn add_parallel(&mut self, parts: Vec<u64>) -> Result<(), Error> {
        let mut handles = Vec::new();
        for part in parts {
            handles.push(spawn!(async move { Ok(part) }));
        }
        for handle in handles {
            self.value += handle.await;
        }
        Ok(())
    }

    #[nursery]
    async fn into_value(self) -> u64 {
        let value = self.value;
        spawn!(async move { value }).await
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut counter = Counter::load().await.unwrap();
    assert_eq!(counter, Counter { value: 42 });
    assert_eq!(counter.doubled().await.unwrap(), 84);
    counter.add_parallel(vec![1, 2, 3]).await.unwrap();
    assert_eq!(counter.value, 48);
    assert_eq!(counter.into_value().await, 48);
    assert_eq!(Counter::fresh().await, Counter { value: 1 });
}
