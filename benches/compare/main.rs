//! Side-by-side benchmark of taskgroup against its peers, in one process and
//! one run: raw `tokio::spawn` (the floor), `JoinSet`, `TaskTracker`,
//! `FuturesUnordered`, moro, and Go's errgroup when Go is installed (the
//! same scenarios in `benches/errgroup/main.go`).
//!
//! Run: `cargo bench -p taskgroup-bench --bench compare` (`-- quick` for 3 rounds
//! instead of 11; `-- only=1,5,go` for some scenarios, with or without Go; `-- dump`
//! with `taskgroup::enable_dump()` called first, to measure the recording). Every figure is the median of the rounds; contenders are
//! interleaved round by round. Each table gives the ratio to its first row.
//!
//! Scenarios (2-worker multi-thread runtime unless noted; the owner of the
//! group runs inside a spawned task, as in a service):
//! 1. spawn N trivial tasks and join, N = 1e3, 1e5, 1e6: ns per task;
//! 2. a group of 4 trivial tasks, 1e5 times: ns per group;
//! 3. cancellation latency: 10k children parked, one fails: µs from the
//!    failure to the group having stopped every child;
//! 4. memory: 1e5 and 1e6 parked children, bytes per task (peak RSS of a
//!    process of its own, minus its baseline);
//! 5. bounded: 1e6 trivial items, at most 16 at a time;
//! 6. scenario 1 on the current-thread runtime;
//! 7. 2,000 futures in one task woken one at a time: `spawn_scoped!`
//!    against `FuturesUnordered`: ns per wake-up;
//! 8. spawn N trivial futures in one task and join, N = 1e3, 1e5, 1e6:
//!    `spawn_scoped!` against `FuturesUnordered`: ns per child;
//! 9. 1e5 groups of 4 trivial futures, the same contenders: ns per group;
//! 10. memory: 1e5 and 1e6 parked children (a 16-byte future), the same
//!     contenders: bytes per child.
//!
//! `-- only=7,8,9,10` runs the `spawn_scoped!` scenarios alone.

mod bounded;
mod cancel;
mod go;
mod measure;
mod memory;
mod scoped;
mod spawn_join;

use measure::{per_item, print_table};

/// `-- dump`: scopes and tasks are recorded for `taskgroup::dump()`.
fn dump_enabled() -> bool {
    std::env::args().any(|arg| arg == "dump")
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|arg| arg == "memory-child") {
        // Re-executed by scenario 4: one contender, one size, own process.
        return memory::child(&args[at + 1..]);
    }
    if let Some(at) = args.iter().position(|arg| arg == "scoped-memory-child") {
        // Re-executed by scenario 10.
        return scoped::memory_child(&args[at + 1..]);
    }
    if let Some(name) = args.iter().find_map(|arg| arg.strip_prefix("profile=")) {
        // For `perf record`: one contender of scenario 1, N = 1e6, 10 times
        // (`current`: on the current-thread runtime; `scenario=7` or `8`: below).
        let runtime = if args.iter().any(|arg| arg == "current") {
            measure::current_thread()
        } else {
            measure::multi_thread()
        };
        // `scenario=7`: a contender of scenario 7 instead, 2,000 futures
        // 500 times; `scenario=8`: of scenario 8, N = 1e5, 20 times.
        let (contenders, n, times) = if args.iter().any(|arg| arg == "scenario=7") {
            (scoped::contenders(), 2_000, 500)
        } else if args.iter().any(|arg| arg == "scenario=8") {
            (scoped::join_contenders(), 100_000, 20)
        } else {
            (spawn_join::contenders(), 1_000_000, 10)
        };
        let contender = contenders
            .into_iter()
            .find(|contender| contender.name.starts_with(name))
            .expect("no such contender");
        for _ in 0..times {
            measure::time_once(&runtime, (contender.job)(n));
        }
        return;
    }
    let wanted = |scenario: &str| {
        args.iter()
            .find_map(|arg| arg.strip_prefix("only="))
            .is_none_or(|only| only.split(',').any(|s| s == scenario))
    };
    let go = if wanted("go") {
        go::run()
    } else {
        go::GoFigures::skipped()
    };
    if dump_enabled() {
        taskgroup::enable_dump();
    }
    println!(
        "taskgroup benchmark: medians of {} interleaved rounds, same process, same run{}",
        measure::rounds(),
        if dump_enabled() {
            " (taskgroup::enable_dump() called: scopes and tasks recorded)"
        } else {
            ""
        }
    );
    let multi = measure::multi_thread();
    for n in [1_000usize, 100_000, 1_000_000]
        .into_iter()
        .filter(|_| wanted("1"))
    {
        let figures = per_item(&multi, &spawn_join::contenders(), n, n);
        print_table(
            &format!("(1) spawn {n} trivial tasks and join, multi-thread (2 workers)"),
            "ns/task",
            &figures,
            &go.get(&format!("spawn-{n}")),
        );
    }
    const GROUPS: usize = 100_000;
    if wanted("2") {
        let figures = per_item(&multi, &spawn_join::groups_of_4(), GROUPS, GROUPS);
        print_table(
            &format!("(2) {GROUPS} groups of 4 trivial tasks, multi-thread"),
            "ns/group",
            &figures,
            &go.get("groups-of-4"),
        );
    }
    if wanted("3") {
        print_table(
            "(3) cancellation latency: 10000 parked children, one fails, multi-thread",
            "µs",
            &cancel::latencies(&multi),
            &go.get("cancel-latency"),
        );
    }
    for n in [100_000usize, 1_000_000]
        .into_iter()
        .filter(|_| wanted("4"))
    {
        print_table(
            &format!("(4) memory: {n} parked children, multi-thread"),
            "bytes/task",
            &memory::per_task(n),
            &go.get(&format!("memory-{n}")),
        );
    }
    if wanted("5") {
        let figures = bounded::per_item(&multi);
        print_table(
            "(5) 1000000 trivial items, at most 16 at a time, results in input order, multi-thread",
            "ns/item",
            &figures,
            &go.get("limit16-1000000"),
        );
    }
    const WOKEN: usize = 2_000;
    if wanted("7") {
        let figures = per_item(&multi, &scoped::contenders(), WOKEN, WOKEN);
        print_table(
            &format!("(7) {WOKEN} futures in one task, woken one at a time, multi-thread"),
            "ns/wake-up",
            &figures,
            &[],
        );
    }
    for n in [1_000usize, 100_000, 1_000_000]
        .into_iter()
        .filter(|_| wanted("8"))
    {
        let figures = per_item(&multi, &scoped::join_contenders(), n, n);
        print_table(
            &format!("(8) spawn {n} trivial futures in one task and join, multi-thread"),
            "ns/child",
            &figures,
            &[],
        );
    }
    if wanted("9") {
        let figures = per_item(&multi, &scoped::groups_of_4(), GROUPS, GROUPS);
        print_table(
            &format!("(9) {GROUPS} groups of 4 trivial futures in one task, multi-thread"),
            "ns/group",
            &figures,
            &[],
        );
    }
    for n in [100_000usize, 1_000_000]
        .into_iter()
        .filter(|_| wanted("10"))
    {
        print_table(
            &format!("(10) memory: {n} parked children in one task (16-byte future)"),
            "bytes/child",
            &scoped::memory_per_child(n),
            &[],
        );
    }
    drop(multi);
    let current = measure::current_thread();
    for n in [1_000usize, 100_000, 1_000_000]
        .into_iter()
        .filter(|_| wanted("6"))
    {
        let figures = per_item(&current, &spawn_join::contenders(), n, n);
        print_table(
            &format!("(6) spawn {n} trivial tasks and join, current-thread"),
            "ns/task",
            &figures,
            &[],
        );
    }
    go.report_missing();
}
