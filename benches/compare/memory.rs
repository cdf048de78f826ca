//! Scenario 4: bytes per parked child. Each contender and size runs in a
//! process of its own (this binary, re-executed with `memory-child`), so
//! that one measurement's freed memory does not hide the next one's: the
//! figure is (peak RSS after N children are parked − RSS before) / N.

use std::future::pending;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use futures_util::stream::{FuturesUnordered, StreamExt};
use taskgroup::scope;
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio_util::task::TaskTracker;

use crate::measure::{multi_thread, Figure};

const CONTENDERS: [&str; 5] = [
    "tokio::spawn (floor)",
    "JoinSet",
    "TaskTracker",
    "taskgroup scope!",
    "FuturesUnordered (1 task)",
];

/// Runs every contender for `n` children, each in its own process.
pub fn per_task(n: usize) -> Vec<Figure> {
    in_own_processes("memory-child", &CONTENDERS, n)
}

/// Runs this binary again as `<mode> <contender> <n>` for each contender,
/// and reads the figure it prints (`bytes-per-task …`).
pub fn in_own_processes(mode: &str, contenders: &[&'static str], n: usize) -> Vec<Figure> {
    let exe = std::env::current_exe().expect("own path");
    contenders
        .iter()
        .map(|&name| {
            let output = Command::new(&exe)
                .args([mode, name, &n.to_string()])
                .args(crate::dump_enabled().then_some("dump"))
                .output()
                .expect("re-executing the benchmark");
            let stdout = String::from_utf8_lossy(&output.stdout);
            let value = stdout
                .lines()
                .find_map(|line| line.strip_prefix("bytes-per-task "))
                .and_then(|value| value.trim().parse().ok())
                .unwrap_or_else(|| {
                    panic!(
                        "{mode} {name} {n} failed: {stdout}{}",
                        String::from_utf8_lossy(&output.stderr)
                    )
                });
            Figure { name, value }
        })
        .collect()
}

/// Reads a `kB` line of `/proc/self/status`.
pub fn status_kib(key: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix(key))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {key} in /proc/self/status"))
}

/// The children: mark themselves parked, then wait forever.
#[derive(Clone)]
struct Parking {
    n: usize,
    parked: Arc<AtomicUsize>,
    all: Arc<Notify>,
}

impl Parking {
    fn child(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let Parking { n, parked, all } = self.clone();
        async move {
            if parked.fetch_add(1, Ordering::SeqCst) + 1 == n {
                all.notify_one();
            }
            pending::<()>().await;
        }
    }
}

/// In the child process: park `n` children of one contender, print the
/// figure, exit without cleaning up.
pub fn child(args: &[String]) {
    let [name, n, ..] = args else {
        panic!("usage: memory-child <contender> <n> [dump]");
    };
    if args.get(2).is_some_and(|arg| arg == "dump") {
        taskgroup::enable_dump();
    }
    let n: usize = n.parse().expect("n");
    let runtime = multi_thread();
    let name = name.clone();
    runtime.block_on(async move {
        // Warm the runtime up before the baseline.
        tokio::spawn(async {}).await.unwrap();
        let parking = Parking {
            n,
            parked: Arc::new(AtomicUsize::new(0)),
            all: Arc::new(Notify::new()),
        };
        let baseline = status_kib("VmRSS:");
        let report = move || {
            let peak = status_kib("VmHWM:");
            println!(
                "bytes-per-task {}",
                (peak.saturating_sub(baseline) * 1024) as f64 / n as f64
            );
            std::process::exit(0)
        };
        let all_parked = parking.all.clone();
        match name.as_str() {
            "tokio::spawn (floor)" => {
                let handles: Vec<_> = (0..n).map(|_| tokio::spawn(parking.child())).collect();
                all_parked.notified().await;
                drop(std::hint::black_box(handles));
                report();
            }
            "JoinSet" => {
                let mut set = JoinSet::new();
                for _ in 0..n {
                    set.spawn(parking.child());
                }
                all_parked.notified().await;
                report();
            }
            "TaskTracker" => {
                let tracker = TaskTracker::new();
                for _ in 0..n {
                    tracker.spawn(parking.child());
                }
                all_parked.notified().await;
                report();
            }
            "taskgroup scope!" => {
                scope! {
                    for _ in 0..n {
                        spawn!(parking.child());
                    }
                    all_parked.notified().await;
                    report();
                };
            }
            "FuturesUnordered (1 task)" => {
                let mut set: FuturesUnordered<_> = (0..n).map(|_| parking.child()).collect();
                tokio::select! {
                    _ = set.next() => unreachable!(),
                    () = all_parked.notified() => report(),
                }
            }
            other => panic!("unknown contender {other}"),
        }
    });
}
