//! A worker pool over an iterator: `workers` tasks of a scope of their own
//! pull the items one at a time and run a closure on each; results come back
//! in input order. For millions of small items, where one task per item
//! costs more than the work.
//!
//! Same semantics as `spawn!` in a scope: the first `Err` cancels the other
//! workers and is the result, a panic is resumed after every worker has
//! stopped, an enclosing scope's cancellation reaches the workers, and
//! dropping the returned future aborts them. The pool opens a scope nested
//! in the caller's (if any), so [`crate::cancelled`] and [`crate::cause`]
//! work inside the closure.
//!
//! Backpressure comes for free: the iterator is advanced only when a worker
//! is ready for the next item, so at most `workers` items are in flight and
//! a lazy iterator is never drained ahead of the work.
//!
//! When to use which:
//! * `pool::map` / `for_each`: the same work on many items (thousands to
//!   millions); one task per worker, not per item;
//! * `spawn!` in a scope with `limit = n`: a handful of heterogeneous tasks,
//!   each with its own handle, or when items arrive from the body over time.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use taskgroup::pool;
//! // 1,000 items, 8 at a time, results in input order.
//! let squares = pool::map(0..1000u64, 8, |n| async move { n * n }).await;
//! assert_eq!(squares[999], 998_001);
//! // The first error cancels the other workers and is the result.
//! let parsed: Result<Vec<u32>, _> =
//!     pool::try_map(["1", "2", "x"], 2, |s| async move { s.parse::<u32>() }).await;
//! assert!(parsed.is_err());
//! # }
//! ```

use std::convert::Infallible;
use std::future::{pending, Future};
use std::iter::Enumerate;
use std::panic::Location;
use std::sync::{Arc, Mutex, PoisonError};

use crate::core::ambient;
use crate::core::state::Shared;
use crate::kinds::parallel;
use crate::scope::options::Options;
use crate::scope::returns::Fallible;
use crate::scope::{Scope, Spawn};

/// The items, handed out one at a time with their position.
struct Queue<I> {
    items: Mutex<Enumerate<I>>,
}

impl<I: Iterator> Queue<I> {
    /// The next item. In an aborting scope the worker parks instead, and
    /// the child wrapper drops it at once. (A drain's signal does not stop
    /// the pool: its items are the caller's in-flight work.)
    async fn next(&self) -> Option<(usize, I::Item)> {
        // A worker whose items never wait still lets other tasks run.
        tokio::task::coop::consume_budget().await;
        if ambient::with_current(|shared| shared.is_some_and(Shared::is_aborting)) {
            return pending().await;
        }
        // Held only to advance the iterator. A panic in the iterator's `next`
        // is that worker's panic; the queue stays usable for the others.
        self.items
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .next()
    }
}

/// What a worker keeps of its items' values.
trait Collect<U>: Default + Send + 'static {
    fn keep(&mut self, position: usize, value: U);
}

/// `map`: every value with its position.
impl<U: Send + 'static> Collect<U> for Vec<(usize, U)> {
    fn keep(&mut self, position: usize, value: U) {
        self.push((position, value));
    }
}

/// `for_each`: nothing.
#[derive(Default)]
struct Discard;

impl Collect<()> for Discard {
    fn keep(&mut self, _position: usize, (): ()) {}
}

/// Puts the workers' `(position, value)` pairs back in input order.
fn in_order<U>(parts: Vec<Vec<(usize, U)>>) -> Vec<U> {
    let total = parts.iter().map(Vec::len).sum();
    let mut slots: Vec<Option<U>> = std::iter::repeat_with(|| None).take(total).collect();
    for (position, value) in parts.into_iter().flatten() {
        slots[position] = Some(value);
    }
    slots
        .into_iter()
        .map(|slot| slot.expect("taskgroup: every item has a result"))
        .collect()
}

/// The pool: a scope of its own whose children are the workers. Returns
/// each worker's collection.
async fn run<I, F, Fut, U, E, C>(
    location: &'static Location<'static>,
    items: I,
    workers: usize,
    f: F,
) -> Result<Vec<C>, E>
where
    I: Iterator + Send + 'static,
    I::Item: Send + 'static,
    F: Fn(I::Item) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<U, E>> + Send + 'static,
    E: Send + 'static,
    C: Collect<U>,
{
    let scope = Scope::<E>::open(Options::new(location).name("pool"));
    scope.refuse_own_work_if_aborting("pool");
    let workers = match items.size_hint() {
        (_, Some(upper)) => workers.min(upper),
        (_, None) => workers,
    };
    let queue = Arc::new(Queue {
        items: Mutex::new(items.enumerate()),
    });
    let f = Arc::new(f);
    let body = async {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                let (queue, f) = (queue.clone(), f.clone());
                let worker = async move {
                    let mut kept = C::default();
                    while let Some((position, item)) = queue.next().await {
                        kept.keep(position, f(item).await?);
                    }
                    Ok::<C, E>(kept)
                };
                parallel::spawn_result_same(
                    &scope,
                    Spawn::new(scope.slot_for_own_work(), None, location),
                    worker,
                )
            })
            .collect();
        let mut parts = Vec::with_capacity(handles.len());
        for handle in handles {
            parts.push(handle.await);
        }
        Ok(parts)
    };
    Fallible::new().run(&scope, body).await
}

/// [`run`] for a closure whose futures cannot fail.
async fn run_infallible<I, F, Fut, U, C>(
    location: &'static Location<'static>,
    items: I,
    workers: usize,
    f: F,
) -> Vec<C>
where
    I: Iterator + Send + 'static,
    I::Item: Send + 'static,
    F: Fn(I::Item) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = U> + Send + 'static,
    C: Collect<U>,
{
    let f = move |item| {
        let future = f(item);
        async move { Ok::<_, Infallible>(future.await) }
    };
    match run(location, items, workers, f).await {
        Ok(parts) => parts,
        Err(never) => match never {},
    }
}

fn check_workers(workers: usize, location: &Location<'_>) {
    assert!(
        workers > 0,
        "taskgroup: a pool with 0 workers (at {location}) would never process an item; \
         use at least 1"
    );
}

/// Runs `f` on every item with `workers` tasks and returns the values in
/// input order.
///
/// # Panics
/// If `workers` is 0. A panic in `f` or its future is resumed here, after
/// every worker has stopped.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let lengths = taskgroup::pool::map(["a", "bb", "ccc"], 2, |word| async move { word.len() }).await;
/// assert_eq!(lengths, [1, 2, 3]);
/// # }
/// ```
#[track_caller]
pub fn map<I, F, Fut>(
    items: I,
    workers: usize,
    f: F,
) -> impl Future<Output = Vec<Fut::Output>> + Send
where
    I: IntoIterator,
    I::IntoIter: Send + 'static,
    I::Item: Send + 'static,
    F: Fn(I::Item) -> Fut + Send + Sync + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: Send + 'static,
{
    let location = Location::caller();
    check_workers(workers, location);
    let items = items.into_iter();
    async move { in_order(run_infallible(location, items, workers, f).await) }
}

/// Runs the fallible `f` on every item with `workers` tasks: the values in
/// input order, or the first error, which cancels the other workers
/// (errgroup's semantics).
///
/// # Panics
/// If `workers` is 0. A panic in `f` or its future is resumed here, after
/// every worker has stopped.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let parsed = taskgroup::pool::try_map(["1", "2", "x"], 2, |text| async move {
///     text.parse::<u32>()
/// })
/// .await;
/// assert!(parsed.is_err());
/// # }
/// ```
#[track_caller]
pub fn try_map<I, F, Fut, U, E>(
    items: I,
    workers: usize,
    f: F,
) -> impl Future<Output = Result<Vec<U>, E>> + Send
where
    I: IntoIterator,
    I::IntoIter: Send + 'static,
    I::Item: Send + 'static,
    F: Fn(I::Item) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<U, E>> + Send + 'static,
    U: Send + 'static,
    E: Send + 'static,
{
    let location = Location::caller();
    check_workers(workers, location);
    let items = items.into_iter();
    async move { run(location, items, workers, f).await.map(in_order) }
}

/// Runs `f` on every item with `workers` tasks, keeping nothing: memory
/// stays bounded by the number of workers, however many items.
///
/// # Panics
/// If `workers` is 0. A panic in `f` or its future is resumed here, after
/// every worker has stopped.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use std::sync::Arc;
/// let total = Arc::new(AtomicUsize::new(0));
/// let sum = total.clone();
/// taskgroup::pool::for_each(1..=100, 8, move |n| {
///     let sum = sum.clone();
///     async move { sum.fetch_add(n, Ordering::Relaxed); }
/// })
/// .await;
/// assert_eq!(total.load(Ordering::Relaxed), 5050);
/// # }
/// ```
#[track_caller]
pub fn for_each<I, F, Fut>(items: I, workers: usize, f: F) -> impl Future<Output = ()> + Send
where
    I: IntoIterator,
    I::IntoIter: Send + 'static,
    I::Item: Send + 'static,
    F: Fn(I::Item) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let location = Location::caller();
    check_workers(workers, location);
    let items = items.into_iter();
    async move {
        run_infallible::<_, _, _, _, Discard>(location, items, workers, f).await;
    }
}

/// Runs the fallible `f` on every item with `workers` tasks, keeping
/// nothing; the first error cancels the other workers and is the result.
///
/// # Panics
/// If `workers` is 0. A panic in `f` or its future is resumed here, after
/// every worker has stopped.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let checked = taskgroup::pool::try_for_each(["1", "2", "3"], 2, |text| async move {
///     text.parse::<u32>().map(drop)
/// })
/// .await;
/// assert!(checked.is_ok());
/// # }
/// ```
#[track_caller]
pub fn try_for_each<I, F, Fut, E>(
    items: I,
    workers: usize,
    f: F,
) -> impl Future<Output = Result<(), E>> + Send
where
    I: IntoIterator,
    I::IntoIter: Send + 'static,
    I::Item: Send + 'static,
    F: Fn(I::Item) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), E>> + Send + 'static,
    E: Send + 'static,
{
    let location = Location::caller();
    check_workers(workers, location);
    let items = items.into_iter();
    async move {
        run::<_, _, _, _, _, Discard>(location, items, workers, f)
            .await
            .map(drop)
    }
}
