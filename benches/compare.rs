//! Side-by-side benchmark: taskgroup against raw `tokio::spawn`, `JoinSet`
//! and `TaskTracker`, in one process, one run. Prints per scenario the median
//! cost and its ratio to the floor (raw `tokio::spawn` + awaiting the
//! `JoinHandle`s).
//!
//! Run: `cargo bench --bench compare` (add `-- quick` for fewer rounds).
//!
//! Scenarios (multi-thread runtime with 2 workers unless noted; the owner of
//! the group runs inside a spawned task, as in a service):
//! 1. spawn N trivial tasks and join them, N = 1e3, 1e5, 1e6: ns per task;
//! 2. errgroup's micro-benchmark shape: a group of 4 trivial tasks, 1e5
//!    times: ns per group;
//! 6. scenario 1 on the current-thread runtime.
use std::future::Future;
use std::hint::black_box;
use std::time::{Duration, Instant};

use taskgroup::scope;
use tokio::runtime::{Builder, Runtime};
use tokio::task::JoinSet;
use tokio_util::task::TaskTracker;

/// Rounds per measurement; the median is reported.
fn rounds() -> usize {
    if std::env::args().any(|arg| arg == "quick") {
        3
    } else {
        9
    }
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// Runs `job` on the runtime inside a spawned task, `rounds()` times.
fn measure<F, Fut>(runtime: &Runtime, job: F) -> Duration
where
    F: Fn() -> Fut + Send + Sync + Clone + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let samples = (0..rounds())
        .map(|_| {
            let job = job.clone();
            runtime.block_on(async move {
                tokio::spawn(async move {
                    let start = Instant::now();
                    job().await;
                    start.elapsed()
                })
                .await
                .expect("benchmark job panicked")
            })
        })
        .collect();
    median(samples)
}

async fn raw_spawn(n: usize) {
    let mut handles = Vec::with_capacity(n);
    for i in 0..n {
        handles.push(tokio::spawn(async move { black_box(i) }));
    }
    for handle in handles {
        black_box(handle.await.unwrap());
    }
}

async fn join_set(n: usize) {
    let mut set = JoinSet::new();
    for i in 0..n {
        set.spawn(async move { black_box(i) });
    }
    while let Some(result) = set.join_next().await {
        black_box(result.unwrap());
    }
}

async fn task_tracker(n: usize) {
    let tracker = TaskTracker::new();
    for i in 0..n {
        tracker.spawn(async move { black_box(i) });
    }
    tracker.close();
    tracker.wait().await;
}

async fn taskgroup_scope(n: usize) {
    scope! {
        for i in 0..n {
            spawn!(async move { black_box(i) });
        }
    };
}

type Job = fn(usize) -> std::pin::Pin<Box<dyn Future<Output = ()> + Send>>;

fn contenders() -> Vec<(&'static str, Job)> {
    vec![
        ("tokio::spawn (floor)", |n| Box::pin(raw_spawn(n))),
        ("JoinSet", |n| Box::pin(join_set(n))),
        ("TaskTracker", |n| Box::pin(task_tracker(n))),
        ("taskgroup scope!", |n| Box::pin(taskgroup_scope(n))),
    ]
}

fn print_row(name: &str, per_item: f64, floor: f64, unit: &str) {
    println!(
        "| {name:<22} | {per_item:>9.0} {unit} | {:>5.2}x |",
        per_item / floor
    );
}

fn spawn_and_join(runtime: &Runtime, label: &str) {
    for n in [1_000usize, 100_000, 1_000_000] {
        println!("\n{label}: spawn {n} trivial tasks and join\n");
        println!("| contender              |   per task    | ratio |");
        println!("|------------------------|---------------|-------|");
        let mut floor = None;
        for (name, job) in contenders() {
            let elapsed = measure(runtime, move || job(n));
            let per_task = elapsed.as_nanos() as f64 / n as f64;
            let floor = *floor.get_or_insert(per_task);
            print_row(name, per_task, floor, "ns");
        }
    }
}

/// errgroup's `BenchmarkGo`-like shape: many small groups of 4 tasks.
fn small_groups(runtime: &Runtime) {
    const GROUPS: usize = 100_000;
    println!("\n(2) {GROUPS} groups of 4 trivial tasks\n");
    println!("| contender              |   per group   | ratio |");
    println!("|------------------------|---------------|-------|");
    let mut floor = None;
    for (name, job) in contenders() {
        let elapsed = measure(runtime, move || async move {
            for _ in 0..GROUPS {
                job(4).await;
            }
        });
        let per_group = elapsed.as_nanos() as f64 / GROUPS as f64;
        let floor = *floor.get_or_insert(per_group);
        print_row(name, per_group, floor, "ns");
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing
    // we act on, so the harness stays quick there.
    let multi = Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    println!(
        "taskgroup benchmark: medians of {} rounds, same process, same run",
        rounds()
    );
    spawn_and_join(&multi, "(1) multi-thread, 2 workers");
    small_groups(&multi);
    let current = Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    spawn_and_join(&current, "(6) current-thread");
}
