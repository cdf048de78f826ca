//! Load shedding with `try_spawn!` (Go's `errgroup.TryGo`): a metrics
//! emitter takes a sample every millisecond for one second and ships each
//! one in a task, at most 4 at a time, to a sink that needs 10 ms per
//! sample. When the 4 slots are busy, `try_spawn!` does not wait: it
//! returns `None` at once and the sample is dropped and counted, so the
//! emitter keeps its pace and memory stays bounded, instead of queueing
//! without end (or blocking, as `spawn!` under a limit would).
//!
//! Run: `cargo run --example load_shedding`. Expected output (counts vary
//! a little with timing):
//!
//! ```text
//! 1000 samples in 1.0 s: 340 shipped, 660 dropped (the sink takes 4 per 10 ms); at most 4 shipping at once
//! ```

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};

use taskgroup::nursery;
use tokio::time::{interval, sleep, MissedTickBehavior};

#[derive(Default)]
struct Counts {
    shipped: AtomicUsize,
    shipping: AtomicUsize,
    most: AtomicUsize,
}

/// Ships one sample to a slow sink.
async fn ship(_sample: u64, counts: Arc<Counts>) {
    let now = counts.shipping.fetch_add(1, SeqCst) + 1;
    counts.most.fetch_max(now, SeqCst);
    sleep(Duration::from_millis(10)).await;
    counts.shipping.fetch_sub(1, SeqCst);
    counts.shipped.fetch_add(1, SeqCst);
}

/// Takes `samples` samples, one per millisecond; returns how many were
/// dropped.
#[nursery(limit = 4)]
async fn emit(samples: u64, counts: Arc<Counts>) -> usize {
    let mut dropped = 0;
    let mut tick = interval(Duration::from_millis(1));
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    for sample in 0..samples {
        tick.tick().await;
        if try_spawn!(ship(sample, counts.clone())).is_none() {
            dropped += 1; // all 4 slots busy: shed this sample
        }
    }
    dropped
}

#[tokio::main]
async fn main() {
    let counts = Arc::new(Counts::default());
    let start = Instant::now();
    let dropped = emit(1000, counts.clone()).await;
    let shipped = counts.shipped.load(SeqCst);
    println!(
        "1000 samples in {:.1} s: {shipped} shipped, {dropped} dropped (the sink takes 4 per 10 ms); \
         at most {} shipping at once",
        start.elapsed().as_secs_f64(),
        counts.most.load(SeqCst)
    );
    assert_eq!(
        shipped + dropped,
        1000,
        "a sample was lost without being counted"
    );
    assert!(counts.most.load(SeqCst) <= 4);
}
