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

/// The deliberate exception: `taskgroup::detached!` also silences the clippy
/// rule, so this call must not be reported.
pub fn deliberate() -> tokio::task::JoinHandle<u32> {
    taskgroup::detached!(tokio::spawn(async { 6 }))
}
