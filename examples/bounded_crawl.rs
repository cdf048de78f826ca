//! A crawl of 400 pages, 16 at a time, two ways, with a progress bar
//! (`indicatif`, drawn on a terminal) and a summary:
//!
//! 1. `limit = 16` with `errors = all`: a task per page, at most 16 running
//!    (`spawn!` waits for a free slot: backpressure on the loop), every
//!    failed page collected instead of stopping the crawl.
//! 2. `taskgroup::pool::map`: 16 workers over the list, results in input
//!    order — the cheap way when the same work runs over many items.
//!
//! The pages are simulated (latency 5–20 ms, every 37th page fails), so the
//! run is the same everywhere.
//!
//! Run: `cargo run -p taskgroup-examples --example bounded_crawl`.
//! Expected output (timings ±):
//!
//! ```text
//! limit = 16, errors = all: 390 pages, 10 failed (first: page 36: 500 Internal Server Error), at most 16 in flight, 363 ms
//! pool::map, 16 workers:    400 results in input order (390 pages, 10 failed), at most 16 in flight, 351 ms
//! ```

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use taskgroup::{scope, Errors};

const PAGES: usize = 400;
const AT_ONCE: usize = 16;

#[derive(Debug)]
struct Failed(usize);

impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "page {}: 500 Internal Server Error", self.0)
    }
}

/// How many pages are being fetched right now, and the most ever.
#[derive(Default)]
struct InFlight {
    now: AtomicUsize,
    most: AtomicUsize,
}

impl InFlight {
    async fn fetch(&self, page: usize) -> Result<usize, Failed> {
        let now = self.now.fetch_add(1, SeqCst) + 1;
        self.most.fetch_max(now, SeqCst);
        tokio::time::sleep(Duration::from_millis(5 + (page * 7 % 16) as u64)).await;
        self.now.fetch_sub(1, SeqCst);
        if page % 37 == 36 {
            Err(Failed(page))
        } else {
            Ok(page * 1024) // its size, say
        }
    }
}

fn bar() -> ProgressBar {
    let bar = ProgressBar::new(PAGES as u64);
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{bar:40}] {pos}/{len} {msg}")
            .expect("a valid template"),
    );
    bar
}

#[tokio::main]
async fn main() {
    // 1. A task per page, at most 16 at once, every failure collected.
    let in_flight = Arc::new(InFlight::default());
    let progress = bar();
    let start = Instant::now();
    let crawled: Result<(), Errors<Failed>> = scope!(limit = AT_ONCE, errors = all; {
        for page in 0..PAGES {
            let (in_flight, progress) = (in_flight.clone(), progress.clone());
            spawn!(async move {
                let fetched = in_flight.fetch(page).await;
                progress.inc(1);
                fetched.map(drop)
            });
        }
        Ok(())
    });
    progress.finish_and_clear();
    let failed = crawled.err().map(Errors::into_errors).unwrap_or_default();
    println!(
        "limit = 16, errors = all: {} pages, {} failed (first: {}), at most {} in flight, {} ms",
        PAGES - failed.len(),
        failed.len(),
        failed.first().map_or("none".into(), ToString::to_string),
        in_flight.most.load(SeqCst),
        start.elapsed().as_millis()
    );

    // 2. The same crawl with the worker pool: results in input order.
    let in_flight = Arc::new(InFlight::default());
    let progress = bar();
    let start = Instant::now();
    let shared = (in_flight.clone(), progress.clone());
    let results = taskgroup::pool::map(0..PAGES, AT_ONCE, move |page| {
        let (in_flight, progress) = (shared.0.clone(), shared.1.clone());
        async move {
            let fetched = in_flight.fetch(page).await;
            progress.inc(1);
            fetched
        }
    })
    .await;
    progress.finish_and_clear();
    let in_order = results.iter().enumerate().all(|(n, result)| match result {
        Ok(size) => *size == n * 1024,
        Err(Failed(page)) => *page == n,
    });
    let failed = results.iter().filter(|result| result.is_err()).count();
    println!(
        "pool::map, 16 workers:    {} results {} ({} pages, {failed} failed), at most {} in flight, {} ms",
        results.len(),
        if in_order { "in input order" } else { "OUT OF ORDER" },
        results.len() - failed,
        in_flight.most.load(SeqCst),
        start.elapsed().as_millis()
    );
    assert!(in_order && in_flight.most.load(SeqCst) <= AT_ONCE);
}
