//! Timing: every contender of a scenario is measured in the same rounds,
//! interleaved (round 1: A B C, round 2: B C A, …), so that drift of the
//! machine (frequency, other load) hits them alike; the median is kept.

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use tokio::runtime::{Builder, Runtime};

pub type BoxFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A contender: its name and the job it runs for a size `n`.
pub struct Contender {
    pub name: &'static str,
    pub job: fn(usize) -> BoxFuture,
}

/// One line of a table: the contender and its median figure.
pub struct Figure {
    pub name: &'static str,
    pub value: f64,
}

/// Rounds per measurement (`quick` on the command line: 3).
pub fn rounds() -> usize {
    if std::env::args().any(|arg| arg == "quick") {
        3
    } else {
        11
    }
}

pub fn multi_thread() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

pub fn current_thread() -> Runtime {
    Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// Runs `job` inside a spawned task (as in a service, not on the thread
/// that blocks on the runtime) and returns how long it took.
pub fn time_once(runtime: &Runtime, job: BoxFuture) -> Duration {
    runtime.block_on(async move {
        tokio::spawn(async move {
            let start = Instant::now();
            job.await;
            start.elapsed()
        })
        .await
        .expect("benchmark job panicked")
    })
}

/// Median per contender of `sample(contender)` over interleaved rounds.
pub fn interleaved<T>(contenders: &[T], mut sample: impl FnMut(&T) -> f64) -> Vec<f64> {
    let rounds = rounds();
    let mut samples = vec![Vec::with_capacity(rounds); contenders.len()];
    // A warm-up round, not counted.
    for contender in contenders {
        sample(contender);
    }
    for round in 0..rounds {
        for offset in 0..contenders.len() {
            let index = (round + offset) % contenders.len();
            samples[index].push(sample(&contenders[index]));
        }
    }
    samples.into_iter().map(median).collect()
}

/// Median time of each contender's job for size `n`, divided by `per`
/// (the number of tasks or groups), in nanoseconds.
pub fn per_item(runtime: &Runtime, contenders: &[Contender], n: usize, per: usize) -> Vec<Figure> {
    let medians = interleaved(contenders, |contender| {
        time_once(runtime, (contender.job)(n)).as_nanos() as f64 / per as f64
    });
    contenders
        .iter()
        .zip(medians)
        .map(|(contender, value)| Figure {
            name: contender.name,
            value,
        })
        .collect()
}

/// Prints a table with the ratio of each figure to the first one (the
/// floor), plus extra rows (Go's figures) that are not measured here.
pub fn print_table(title: &str, unit: &str, figures: &[Figure], extra: &[Figure]) {
    println!("\n{title}\n");
    println!("| contender                     | {unit:>14} | ratio  |");
    println!("|-------------------------------|----------------|--------|");
    let Some(floor) = figures.first().map(|figure| figure.value) else {
        return;
    };
    for figure in figures.iter().chain(extra) {
        println!(
            "| {:<29} | {:>14.0} | {:>5.2}x |",
            figure.name,
            figure.value,
            figure.value / floor
        );
    }
}
