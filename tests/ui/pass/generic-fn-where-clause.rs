// Generic functions, with bounds inline and in a `where` clause.
use std::fmt::Debug;
use taskgroup::nursery;

#[derive(Debug)]
struct Error;

#[nursery]
async fn double_all<T>(items: Vec<T>) -> Result<Vec<T>, Error>
where
    T: Clone + Send + Sync + 'static + std::ops::Add<Output = T>,
{
    let mut handles = Vec::new();
    for item in items {
        handles.push(spawn!(async move { Ok(item.clone() + item) }));
    }
    let mut out = Vec::new();
    for handle in handles {
        out.push(handle.await);
    }
    Ok(out)
}

#[nursery(limit = 2)]
async fn describe<T: Debug + Send + 'static, const N: usize>(items: [T; N]) -> Vec<String> {
    let mut handles = Vec::new();
    for item in items {
        handles.push(spawn!(async move { format!("{item:?}") }));
    }
    let mut out = Vec::new();
    for handle in handles {
        out.push(handle.await);
    }
    out
}

#[nursery]
async fn with_lifetime<'a>(prefix: &'a str, n: u32) -> Result<String, Error> {
    let h = spawn!(async move { Ok(n + 1) });
    Ok(format!("{prefix}{}", h.await))
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    assert_eq!(double_all(vec![1, 2, 3]).await.unwrap(), vec![2, 4, 6]);
    assert_eq!(describe([1, 2, 3]).await, vec!["1", "2", "3"]);
    let prefix = String::from("n=");
    assert_eq!(with_lifetime(&prefix, 1).await.unwrap(), "n=2");
}
