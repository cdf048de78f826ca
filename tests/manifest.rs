//! Every `tests/*.rs` file is the test target of a package, so none is left out of the run.
//!
//! The `[[test]]` list in `tests/Cargo.toml` is written by hand (cargo would
//! look in tests/tests/), so a new file missing from it would never run, and
//! this test says so. `server.rs` is listed in `examples/Cargo.toml`, beside
//! the HTTP stack.

use std::collections::BTreeSet;
use std::path::Path;

/// The `path = "…"` values of a manifest's `[[test]]` tables.
fn test_paths(manifest: &str) -> BTreeSet<String> {
    manifest
        .split("[[test]]")
        .skip(1)
        .filter_map(|table| {
            let table = table.split("\n[").next().unwrap_or(table);
            let line = table
                .lines()
                .find(|line| line.trim_start().starts_with("path"))?;
            let (_, value) = line.split_once('=')?;
            Some(value.trim().trim_matches('"').to_owned())
        })
        .collect()
}

#[test]
fn every_test_file_is_a_test_target() {
    let tests = Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |path: &Path| {
        std::fs::read_to_string(path)
            .unwrap_or_else(|error| panic!("reading {}: {error}", path.display()))
    };
    let mut listed = test_paths(&read(&tests.join("Cargo.toml")));
    let examples = test_paths(&read(&tests.join("../examples/Cargo.toml")));
    assert!(
        examples.contains("../tests/server.rs"),
        "examples/Cargo.toml lists the HTTP test: {examples:?}"
    );
    listed.extend(
        examples
            .iter()
            .filter_map(|path| path.strip_prefix("../tests/"))
            .map(str::to_owned),
    );

    let files: BTreeSet<String> = std::fs::read_dir(tests)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".rs"))
        .collect();
    assert!(files.len() > 20, "the test files were found: {files:?}");

    let unlisted: Vec<_> = files.difference(&listed).collect();
    assert!(
        unlisted.is_empty(),
        "tests/{unlisted:?} would never run: add a [[test]] with `path = \"<file>.rs\"` \
         to tests/Cargo.toml"
    );
    let missing: Vec<_> = listed.difference(&files).collect();
    assert!(
        missing.is_empty(),
        "tests/Cargo.toml lists files that do not exist: {missing:?}"
    );
}
