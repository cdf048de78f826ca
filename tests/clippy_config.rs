//! The `clippy.toml` of docs/compile-time-checks.md rejects detached spawns in a whole crate.
//!
//! The README's `clippy.toml` (`disallowed-methods`) really extends the
//! "no detached spawns" rule to a whole crate: `cargo clippy` on the fixture
//! crate in `tests/clippy-config/` (same `clippy.toml`, detached spawns in
//! ordinary functions) must fail, with one `disallowed_methods` error on each
//! line marked `// disallowed: <path>` in its `src/lib.rs`.
//!
//! A path clippy cannot resolve is only a warning and silently stops
//! matching, so this also fails if any configured path does not resolve.
//!
//! Needs the clippy component (`rustup component add clippy`); without it
//! the test fails and says so. Runs `--offline`: the fixture's dependencies
//! (`tokio` with `rt` and `macros`, and this crate) are a subset of this
//! workspace's, so building the workspace has fetched them. The fixture has
//! its own target directory, `target/clippy-config`, so that it does not wait
//! on the lock of the main one; its `Cargo.lock` is generated (ignored by git).

use std::path::Path;
use std::process::Command;

const MARKER: &str = "// disallowed: ";

/// `(line, path)` for each call the fixture marks as disallowed.
fn marked_calls(source: &str) -> Vec<(usize, String)> {
    source
        .lines()
        .enumerate()
        .filter_map(|(index, line)| {
            let (_, path) = line.split_once(MARKER)?;
            Some((index + 1, path.trim().to_owned()))
        })
        .collect()
}

#[test]
fn clippy_toml_rejects_detached_spawns_in_the_whole_crate() {
    // This package is tests/, in the workspace's root.
    let tests = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = tests.parent().unwrap();
    let fixture = tests.join("clippy-config");
    let source = std::fs::read_to_string(fixture.join("src/lib.rs")).unwrap();
    let calls = marked_calls(&source);
    assert_eq!(calls.len(), 12, "the fixture marks twelve calls: {calls:?}");

    let output = Command::new(env!("CARGO"))
        .arg("clippy")
        .arg("--manifest-path")
        .arg(fixture.join("Cargo.toml"))
        .args([
            "--offline",
            "--quiet",
            "--",
            "-D",
            "clippy::disallowed-methods",
        ])
        .env("CARGO_TARGET_DIR", root.join("target/clippy-config"))
        // The fixture's own clippy.toml, whatever the caller's environment.
        .env_remove("CLIPPY_CONF_DIR")
        .env("CARGO_TERM_COLOR", "never")
        .output()
        .unwrap_or_else(|error| panic!("could not run `{}`: {error}", env!("CARGO")));
    let stderr = String::from_utf8_lossy(&output.stderr);

    if stderr.contains("no such command") || stderr.contains("is not installed") {
        panic!(
            "`cargo clippy` is not available, so the README's clippy.toml cannot be \
             checked; install it with `rustup component add clippy`.\n{stderr}"
        );
    }
    if stderr.contains("offline") && !stderr.contains("use of a disallowed method") {
        panic!(
            "the fixture's dependencies are not in the local registry cache; fetch them \
             once with `cargo fetch --manifest-path tests/clippy-config/Cargo.toml`.\n{stderr}"
        );
    }
    assert!(
        !output.status.success(),
        "clippy accepted the detached spawns in tests/clippy-config/src/lib.rs:\n{stderr}"
    );
    assert!(
        !stderr.contains("does not refer to"),
        "a path in tests/clippy-config/clippy.toml does not resolve:\n{stderr}"
    );

    // One diagnostic per `error`/`warning` header.
    let diagnostics: Vec<&str> = stderr
        .split("\nerror")
        .flat_map(|chunk| chunk.split("\nwarning"))
        .collect();
    for (line, path) in &calls {
        let location = format!("src/lib.rs:{line}:");
        let message = format!("disallowed method `{path}`");
        assert!(
            diagnostics
                .iter()
                .any(|d| d.contains(&location) && d.contains(&message)),
            "clippy did not report `{path}` at tests/clippy-config/{location} \
             (is it in tests/clippy-config/clippy.toml, and did the fixture build?):\n{stderr}"
        );
    }
    let reported = stderr.matches("use of a disallowed method").count();
    assert_eq!(
        reported,
        calls.len(),
        "one report per marked call, no other:\n{stderr}"
    );
}
