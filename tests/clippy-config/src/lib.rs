//! Fixture for `tests/clippy_config.rs`: detached spawns in ordinary
//! functions, where `#[nursery]` and `scope!` cannot see them. Only the
//! `clippy.toml` next to `Cargo.toml` catches these; every call below must be
//! reported by `clippy::disallowed_methods` (the test finds them by the
//! `// disallowed:` marker and checks the line of each report).

/// `tokio::spawn` is a re-export: clippy resolves it to the function the
/// `tokio::task::spawn` entry names.
pub fn tokio_spawn() -> tokio::task::JoinHandle<u32> {
    tokio::spawn(async { 1 }) // disallowed: tokio::task::spawn
}

pub fn thread_spawn() -> std::thread::JoinHandle<u32> {
    std::thread::spawn(|| 2) // disallowed: std::thread::spawn
}

pub fn blocking_spawn() -> tokio::task::JoinHandle<u32> {
    tokio::task::spawn_blocking(|| 3) // disallowed: tokio::task::spawn_blocking
}

pub fn local_spawn() -> tokio::task::JoinHandle<u32> {
    tokio::task::spawn_local(async { 4 }) // disallowed: tokio::task::spawn_local
}

pub fn handle_spawn(handle: &tokio::runtime::Handle) -> tokio::task::JoinHandle<u32> {
    handle.spawn(async { 5 }) // disallowed: tokio::runtime::Handle::spawn
}

/// The most common import styles resolve to the same function.
pub fn imported_spawn() -> tokio::task::JoinHandle<u32> {
    use tokio::spawn;
    spawn(async { 7 }) // disallowed: tokio::task::spawn
}

pub fn module_spawn() -> tokio::task::JoinHandle<u32> {
    use tokio::task;
    task::spawn(async { 8 }) // disallowed: tokio::task::spawn
}

pub fn handle_spawn_blocking(handle: &tokio::runtime::Handle) -> tokio::task::JoinHandle<u32> {
    handle.spawn_blocking(|| 9) // disallowed: tokio::runtime::Handle::spawn_blocking
}

pub fn thread_builder(builder: std::thread::Builder) -> std::thread::JoinHandle<u32> {
    builder.spawn(|| 10).unwrap() // disallowed: std::thread::Builder::spawn
}

/// A set kept outside the scope outlives it; `spawn!` makes the scope the set.
pub fn join_set(set: &mut tokio::task::JoinSet<u32>) {
    set.spawn(async { 11 }); // disallowed: tokio::task::JoinSet::spawn
}

pub fn join_set_on(set: &mut tokio::task::JoinSet<u32>, handle: &tokio::runtime::Handle) {
    set.spawn_on(async { 12 }, handle); // disallowed: tokio::task::JoinSet::spawn_on
}

/// A macro of the user's that expands to a spawn: clippy sees the expansion.
macro_rules! go {
    ($future:expr) => {
        tokio::spawn($future) // disallowed: tokio::task::spawn
    };
}

pub fn through_a_macro() -> tokio::task::JoinHandle<u32> {
    go!(async { 13 })
}

/// The deliberate exception: `taskgroup::detached!` also silences the clippy
/// rule, so this call must not be reported.
pub fn deliberate() -> tokio::task::JoinHandle<u32> {
    taskgroup::detached!(tokio::spawn(async { 6 }))
}
