//! Scenario 3: cancellation latency. 10k children are parked (each has
//! been polled and is waiting); then one more child fails and records the
//! instant. The figure is the time from that instant to the group having
//! stopped every child (the owner's join returning).

use std::future::pending;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use taskgroup::scope;
use tokio::runtime::Runtime;
use tokio::sync::{mpsc, Notify};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::measure::{interleaved, Figure};

const CHILDREN: usize = 10_000;

#[derive(Debug)]
struct Boom;

/// Counts parked children; wakes the owner when all are.
#[derive(Clone)]
struct Parking {
    parked: Arc<AtomicUsize>,
    all: Arc<Notify>,
    failed_at: Arc<Mutex<Option<Instant>>>,
}

impl Parking {
    fn new() -> Self {
        Parking {
            parked: Arc::new(AtomicUsize::new(0)),
            all: Arc::new(Notify::new()),
            failed_at: Arc::new(Mutex::new(None)),
        }
    }

    /// A child: marks itself parked, then waits forever.
    async fn park(self) {
        if self.parked.fetch_add(1, Ordering::SeqCst) + 1 == CHILDREN {
            self.all.notify_one();
        }
        pending::<()>().await;
    }

    async fn all_parked(&self) {
        self.all.notified().await;
    }

    fn fail_now(&self) {
        *self.failed_at.lock().unwrap() = Some(Instant::now());
    }

    /// Microseconds from the failure to now.
    fn latency(&self) -> f64 {
        let failed_at = self.failed_at.lock().unwrap().expect("nothing failed");
        failed_at.elapsed().as_nanos() as f64 / 1e3
    }
}

/// errgroup by hand: errors come back on a channel, the owner aborts every
/// handle and awaits them.
async fn raw_spawn() -> f64 {
    let parking = Parking::new();
    let mut handles: Vec<_> = (0..CHILDREN)
        .map(|_| tokio::spawn(parking.clone().park()))
        .collect();
    parking.all_parked().await;
    let (errors, mut first_error) = mpsc::channel(1);
    let failing = parking.clone();
    handles.push(tokio::spawn(async move {
        failing.fail_now();
        let _ = errors.send(Boom).await;
    }));
    let _: Option<Boom> = first_error.recv().await;
    for handle in &handles {
        handle.abort();
    }
    for handle in handles {
        let _ = handle.await;
    }
    parking.latency()
}

/// The owner sees the error from `join_next` and calls `shutdown`.
async fn join_set() -> f64 {
    let parking = Parking::new();
    let mut set = JoinSet::new();
    for _ in 0..CHILDREN {
        let child = parking.clone();
        set.spawn(async move {
            child.park().await;
            Ok(())
        });
    }
    parking.all_parked().await;
    let failing = parking.clone();
    set.spawn(async move {
        failing.fail_now();
        Err(Boom)
    });
    while let Some(result) = set.join_next().await {
        if let Ok(Err(Boom)) = result {
            set.shutdown().await;
            break;
        }
    }
    parking.latency()
}

/// `TaskTracker` has no failure propagation: the failing child cancels a
/// `CancellationToken` that every child selects on.
async fn task_tracker() -> f64 {
    let parking = Parking::new();
    let tracker = TaskTracker::new();
    let token = CancellationToken::new();
    for _ in 0..CHILDREN {
        let token = token.clone();
        tracker.spawn(token.run_until_cancelled_owned(parking.clone().park()));
    }
    parking.all_parked().await;
    let failing = parking.clone();
    tracker.spawn(async move {
        failing.fail_now();
        token.cancel();
    });
    tracker.close();
    tracker.wait().await;
    parking.latency()
}

async fn taskgroup_scope() -> f64 {
    let parking = Parking::new();
    let result: Result<(), Boom> = scope! {
        for _ in 0..CHILDREN {
            spawn!(parking.clone().park());
        }
        parking.all_parked().await;
        let failing = parking.clone();
        spawn!(async move {
            failing.fail_now();
            Err::<(), _>(Boom)
        });
        Ok(())
    };
    assert!(result.is_err());
    parking.latency()
}

pub fn latencies(runtime: &Runtime) -> Vec<Figure> {
    type Job = fn() -> crate::measure::BoxFuture;
    let contenders: [(&'static str, Job); 4] = [
        ("tokio::spawn + abort (floor)", || {
            Box::pin(async { record(raw_spawn().await) })
        }),
        ("JoinSet::shutdown", || {
            Box::pin(async { record(join_set().await) })
        }),
        ("TaskTracker + CancellationToken", || {
            Box::pin(async { record(task_tracker().await) })
        }),
        ("taskgroup scope!", || {
            Box::pin(async { record(taskgroup_scope().await) })
        }),
    ];
    let medians = interleaved(&contenders, |(_, job)| {
        crate::measure::time_once(runtime, job());
        take_recorded()
    });
    contenders
        .iter()
        .zip(medians)
        .map(|((name, _), value)| Figure { name, value })
        .collect()
}

static RECORDED: Mutex<Option<f64>> = Mutex::new(None);

fn record(latency: f64) {
    *RECORDED.lock().unwrap() = Some(latency);
}

fn take_recorded() -> f64 {
    RECORDED
        .lock()
        .unwrap()
        .take()
        .expect("no latency recorded")
}
