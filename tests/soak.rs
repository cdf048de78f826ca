//! Soak: many tasks through limited and nested limited scopes, in rounds; memory stays bounded.
//!
//! Soak: many tasks through a limited scope and through nested limited
//! scopes, in repeated rounds, in one process (this test binary holds only
//! this test, so the process's memory is this test's).
//!
//! Checked: the peak resident memory of a round stays bounded by the
//! limit, not by the number of tasks (at most 64 tasks exist at once; a
//! task costs ~450 bytes: without the limit, 200,000 tasks peak at ~23 MB);
//! and memory does not grow from round to round (nothing is retained per
//! task: registry, slabs, counters). Linux only (`/proc/self`).
//!
//! CI: `cargo test -p taskgroup-tests --test soak` (200,000 tasks per kind,
//! 3 rounds). Long:
//! `SOAK_TASKS=1000000 SOAK_ROUNDS=10 cargo test --release -p taskgroup-tests --test soak -- --nocapture`.
#![cfg(target_os = "linux")]

use std::time::Instant;

use taskgroup::scope;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

/// A field of `/proc/self/status`, in bytes (`VmRSS`, `VmHWM`).
fn status_bytes(field: &str) -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status
        .lines()
        .find(|line| line.starts_with(field))
        .unwrap_or_else(|| panic!("no {field} in /proc/self/status"));
    let kb: usize = line
        .split_whitespace()
        .nth(1)
        .and_then(|kb| kb.parse().ok())
        .unwrap();
    kb * 1024
}

/// Resets the peak (`VmHWM`) to the current resident size.
fn reset_peak() {
    std::fs::write("/proc/self/clear_refs", "5").unwrap();
}

const LIMIT: usize = 64;

/// `n` trivial tasks through one scope with `limit = 64`.
async fn limited(n: usize) {
    scope!(limit = LIMIT; {
        for _ in 0..n {
            spawn!(async { tokio::task::yield_now().await });
        }
    });
}

/// `n` trivial tasks through 8-at-a-time scopes nested in an 8-at-a-time
/// scope (at most 64 leaves at once), 1,000 nested scopes in all.
async fn nested(n: usize) {
    let per_scope = n / 1000;
    scope!(limit = 8; {
        for _ in 0..1000 {
            spawn!(async move {
                scope!(limit = 8; {
                    for _ in 0..per_scope {
                        spawn!(async { tokio::task::yield_now().await });
                    }
                });
            });
        }
    });
}

#[test]
fn a_million_tasks_in_bounded_memory_without_growth() {
    let (tasks, rounds) = (env("SOAK_TASKS", 200_000), env("SOAK_ROUNDS", 3));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // Warm up: the runtime's threads, the allocator's arenas.
    runtime.block_on(limited(10_000));
    let baseline = status_bytes("VmRSS:");
    let mut ends = Vec::new();
    for round in 1..=rounds {
        let mut peaks = Vec::new();
        for kind in ["limited", "nested"] {
            reset_peak();
            let start = Instant::now();
            match kind {
                "limited" => runtime.block_on(limited(tasks)),
                _ => runtime.block_on(nested(tasks)),
            }
            let peak = status_bytes("VmHWM:");
            eprintln!(
                "round {round}, {kind}: {tasks} tasks in {:.2?}, peak {:.1} MB above the baseline",
                start.elapsed(),
                (peak.saturating_sub(baseline)) as f64 / 1e6
            );
            peaks.push(peak.saturating_sub(baseline));
        }
        let end = status_bytes("VmRSS:");
        ends.push(end);
        // Bounded by the limit (measured: 0.3 MB); without the limit the
        // same 200,000 tasks peak at ~23 MB here, as the spawner outruns
        // the workers.
        for peak in peaks {
            assert!(
                peak < 4 << 20,
                "round {round}: peak {peak} bytes above the baseline"
            );
        }
    }
    let growth = ends.last().unwrap().saturating_sub(ends[0]);
    eprintln!(
        "{rounds} rounds of {tasks} tasks per kind: resident after round 1 {:.1} MB, after round \
         {rounds} {:.1} MB (growth {growth} bytes)",
        ends[0] as f64 / 1e6,
        *ends.last().unwrap() as f64 / 1e6
    );
    assert!(
        growth < 4 << 20,
        "memory grew by {growth} bytes over the rounds"
    );
}
