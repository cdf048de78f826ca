//! Quickstart: three tasks A, B and C run in parallel inside a `#[nursery]`.
//! B fails after 500 ms; that cancels C (which would have taken 2 s) and the
//! body, the scope joins everything, and `main` prints the error and why C
//! stopped.
//!
//! Run: `cargo run --example quickstart`. Expected output (timings ±):
//!
//! ```text
//! [   0 ms] A: started
//! [   0 ms] B: started
//! [   0 ms] C: started, needs 2 s
//! [ 200 ms] A: done
//! [ 500 ms] B: failing
//! [ 500 ms] C: cancelled because task #2 "B" spawned at examples/quickstart.rs:… failed
//! [ 500 ms] scope returned: error: B could not reach the database
//! [ 500 ms] C ran to completion: false
//! ```
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use taskgroup::nursery;

#[derive(Debug)]
struct Error(String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn log(start: Instant, message: impl std::fmt::Display) {
    println!("[{:>4} ms] {message}", start.elapsed().as_millis());
}

/// Logs, when C is dropped before it finished, why it was cancelled.
struct OnCancel(Instant);

impl Drop for OnCancel {
    fn drop(&mut self) {
        if let Some(cause) = taskgroup::cause() {
            log(self.0, format!("C: cancelled because {cause}"));
        }
    }
}

#[nursery]
async fn run(start: Instant, c_finished: Arc<AtomicBool>) -> Result<(), Error> {
    spawn!(name = "A", async move {
        log(start, "A: started");
        tokio::time::sleep(Duration::from_millis(200)).await;
        log(start, "A: done");
        Ok(())
    });
    spawn!(name = "B", async move {
        log(start, "B: started");
        tokio::time::sleep(Duration::from_millis(500)).await;
        log(start, "B: failing");
        Err::<(), _>(Error("B could not reach the database".into()))
    });
    spawn!(name = "C", async move {
        // Cancellation drops the task at its next `.await`; a guard's `Drop`
        // sees it happen and can ask why.
        let _report = OnCancel(start);
        log(start, "C: started, needs 2 s");
        tokio::time::sleep(Duration::from_secs(2)).await;
        c_finished.store(true, Ordering::SeqCst);
        log(start, "C: done");
        Ok(())
    });
    Ok(())
}

#[tokio::main]
async fn main() {
    let start = Instant::now();
    let c_finished = Arc::new(AtomicBool::new(false));
    match run(start, c_finished.clone()).await {
        Ok(()) => log(start, "scope returned: ok"),
        Err(error) => log(start, format!("scope returned: error: {error}")),
    }
    log(
        start,
        format!("C ran to completion: {}", c_finished.load(Ordering::SeqCst)),
    );
}
