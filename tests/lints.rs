//! Lint transparency: the code the macros generate stays clean under `clippy::pedantic`.
//!
//! Lint transparency under clippy: CI's `cargo clippy --workspace
//! --all-targets -- -D warnings` lints this file with `clippy::pedantic`
//! denied, so a pedantic lint raised by the code the macros generate fails CI.
//! Every macro shape appears below, in tests that also check what it does.
//! No `#[allow]` here covers generated code; any that is needed for the
//! tests' own code sits on that code and says why.
#![deny(clippy::pedantic)]
#![deny(unused_qualifications)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use taskgroup::{nursery, scope, Cause};

/// The tests' error type.
#[derive(Debug, PartialEq, Eq)]
pub enum Error {
    /// `try_spawn!` found no free slot.
    Refused,
    /// A child failed.
    Failed(&'static str),
}

async fn double(value: u64) -> Result<u64, Error> {
    tokio::task::yield_now().await;
    Ok(value * 2)
}

/// Fallible, with `limit` and `name`, named tasks, `try_spawn!`.
#[nursery(limit = 2, name = "fallible")]
async fn fallible(values: Vec<u64>) -> Result<u64, Error> {
    let mut handles = Vec::new();
    for value in values {
        handles.push(spawn!(name = "double", double(value)));
    }
    let mut total = 0;
    for handle in handles {
        total += handle.await;
    }
    let extra = try_spawn!(async { Ok(1) }).ok_or(Error::Refused)?;
    Ok(total + extra.await)
}

/// Public, so that the documentation lints (`missing_errors_doc`,
/// `missing_panics_doc`, `must_use_candidate`) look at it too.
///
/// # Errors
///
/// The first child's error.
#[nursery]
pub async fn public_fallible(value: u64) -> Result<u64, Error> {
    Ok(spawn!(double(value)).await)
}

/// The infallible twin: nothing to document but what it returns.
#[nursery]
pub async fn public_infallible(value: u64) -> u64 {
    spawn!(async move { value + 1 }).await
}

/// Infallible, no options.
#[nursery]
async fn infallible(values: Vec<u64>) -> u64 {
    let handles: Vec<_> = values
        .into_iter()
        .map(|value| spawn!(async move { value + 1 }))
        .collect();
    let mut total = 0;
    for handle in handles {
        total += handle.await;
    }
    total
}

/// A body that ends with `return`.
#[nursery]
async fn early(flag: bool) -> Result<u64, Error> {
    let first = spawn!(async { Ok(5) });
    if flag {
        return Ok(first.await);
    }
    Err(Error::Failed("flag not set"))
}

#[derive(Debug)]
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

    #[nursery(name = "doubled")]
    async fn doubled(&self) -> Result<u64, Error> {
        let value = self.value;
        Ok(spawn!(name = "double-self", double(value)).await)
    }

    #[nursery(limit = 1)]
    async fn add_parallel(&mut self, parts: Vec<u64>) {
        let mut handles = Vec::new();
        for part in parts {
            handles.push(spawn!(async move { part }));
        }
        for handle in handles {
            self.value += handle.await;
        }
    }
}

/// A nested `scope!` inside a spawned task and one in the body.
#[nursery]
async fn tree(n: u64) -> Result<u64, Error> {
    let outer = spawn!(name = "outer", async move {
        let inner = scope!(limit = 1, name = "inner"; {
            let a = spawn!(async move { n });
            let b = spawn!(name = "b", async move { n + 1 });
            a.await + b.await
        });
        Ok(inner)
    });
    let direct: Result<u64, Error> = scope! {
        let c = spawn!(async { Ok(10) });
        Ok(c.await)
    };
    Ok(outer.await + direct?)
}

#[taskgroup::test]
async fn fallible_and_infallible_nurseries() {
    assert_eq!(fallible(vec![1, 2, 3]).await, Ok(2 + 4 + 6 + 1));
    assert_eq!(infallible(vec![1, 2]).await, 2 + 3);
    assert_eq!(early(true).await, Ok(5));
    assert_eq!(early(false).await, Err(Error::Failed("flag not set")));
    assert_eq!(public_fallible(4).await, Ok(8));
    assert_eq!(public_infallible(4).await, 5);
}

#[taskgroup::test]
async fn methods() {
    let mut counter = Counter::load().await.unwrap();
    assert_eq!(counter.value, 42);
    assert_eq!(counter.doubled().await, Ok(84));
    counter.add_parallel(vec![1, 2, 3]).await;
    assert_eq!(counter.value, 48);
}

#[taskgroup::test]
async fn nested_scopes() {
    assert_eq!(tree(1).await, Ok(1 + 2 + 10));
}

/// Records, when dropped, the name of the task `taskgroup::cause()` blames.
struct RecordCause(Arc<Mutex<Option<String>>>);

impl Drop for RecordCause {
    fn drop(&mut self) {
        *self.0.lock().unwrap() = taskgroup::cause()
            .as_ref()
            .and_then(Cause::task)
            .and_then(|task| task.name().map(str::to_owned));
    }
}

#[taskgroup::test]
async fn named_task_failure_is_the_cause() {
    let blamed = Arc::new(Mutex::new(None));
    let guard = RecordCause(Arc::clone(&blamed));
    let result: Result<(), Error> = scope!(name = "failing-scope"; {
        let _guard = guard; // dropped when the failure cancels the body
        let named = spawn!(name = "fails", async { Err::<(), _>(Error::Failed("boom")) });
        assert_eq!(named.info().name(), Some("fails"));
        taskgroup::cancelled().await;
        Ok(())
    });
    assert_eq!(result, Err(Error::Failed("boom")));
    assert_eq!(blamed.lock().unwrap().as_deref(), Some("fails"));
}

#[nursery(limit = 2)]
#[taskgroup::test]
async fn nursery_above_tokio_test() -> Result<(), Error> {
    let a = spawn!(async { Ok(20) });
    let b = spawn!(name = "b", double(11));
    assert_eq!(a.await + b.await, 42);
    Ok(())
}

#[taskgroup::test]
async fn cancel_and_try_spawn() {
    let started = Arc::new(AtomicUsize::new(0));
    let value = scope!(limit = 4, name = "cancelling"; {
        let done = spawn!(async { 7 });
        let seven = done.await;
        cancel!();
        assert!(taskgroup::is_cancelled());
        let counted = Arc::clone(&started);
        let refused = try_spawn!(async move {
            counted.fetch_add(1, Ordering::SeqCst);
        });
        assert!(refused.is_none());
        seven * 6
    });
    assert_eq!(value, 42);
    assert_eq!(started.load(Ordering::SeqCst), 0);

    let fallible: Result<u8, Error> = scope! {
        cancel!();
        Ok(1)
    };
    assert_eq!(fallible, Ok(1));
}
