//! Compile-time guarantees (trybuild): `tests/ui/pass` must compile, `tests/ui/fail` must not.
//!
//! Compile-time guarantees, checked by trybuild: `tests/ui/pass/*.rs` must
//! compile (and run), `tests/ui/fail/*.rs` must fail with the reviewed
//! message in the `.stderr` next to each file.
//!
//! Regenerate with `TRYBUILD=overwrite cargo test -p taskgroup-tests --test
//! ui` and read every diff as the user who gets the message. Gated to the
//! stable channel: compiler messages change between toolchains.

#[rustversion::attr(not(stable), ignore)]
#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    // Relative to this package, tests/.
    t.pass("ui/pass/*.rs");
    t.compile_fail("ui/fail/*.rs");
}
