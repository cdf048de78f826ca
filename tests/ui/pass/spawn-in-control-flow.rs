// `spawn!` inside a closure, `match`, `if let` and a `for` loop.
use taskgroup::nursery;

#[derive(Debug)]
struct Error;

enum Job {
    Square(u64),
    Skip,
}

#[nursery]
async fn run(jobs: Vec<Job>, extra: Option<u64>) -> Result<u64, Error> {
    // A plain (non-async) closure: without a limit `spawn!` never awaits.
    let start = |n: u64| spawn!(async move { Ok(n + 100) });
    let from_closure = start(1);

    let mut handles = Vec::new();
    for job in jobs {
        match job {
            Job::Square(n) => handles.push(spawn!(async move { Ok(n * n) })),
            Job::Skip => {}
        }
    }

    let extra = if let Some(n) = extra {
        Some(spawn!(name = "extra", async move { Ok(n) }))
    } else {
        None
    };

    let mut total = from_closure.await;
    for handle in handles {
        total += handle.await;
    }
    if let Some(extra) = extra {
        total += extra.await;
    }
    Ok(total)
}

#[nursery(limit = 2)]
async fn limited(n: u64) -> u64 {
    // With a limit, `spawn!` awaits a slot: it works in async closures and
    // async blocks of the body.
    let start = async |i: u64| spawn!(async move { i });
    let mut handles = Vec::new();
    for i in 0..n {
        handles.push(start(i).await);
    }
    let mut total = 0;
    for handle in handles {
        total += handle.await;
    }
    total
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let jobs = vec![Job::Square(2), Job::Skip, Job::Square(3)];
    assert_eq!(run(jobs, Some(5)).await.unwrap(), 101 + 4 + 9 + 5);
    assert_eq!(limited(4).await, 6);
}
