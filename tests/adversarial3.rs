//! Adversarial tests, third round: scopes run by `Handle::block_on` in
//! `spawn_blocking!` closures, caught mid-poll by an abort from above.
//!
//! Features combined to break the promises of `docs/semantics.md`: a
//! scope opened in a blocking closure (whose future nobody drops) whose
//! body is in the middle of a poll — blocked in synchronous code, which a
//! blocking closure is for — when the enclosing scope aborts (its own
//! `cancel!()`, `cancel!()` after `grace`, a child's failure, its future
//! dropped, the end of a `Shutdown` drain), and that then reaches a
//! `pool`, a `first_ok`, or a nested scope awaiting a child the abort
//! dropped; both runtime flavours. Plus: a scope future first polled in a
//! blocking closure and awaited in the parent's body after `cancel!()`,
//! and the library printing nothing.
//!
//! Each test asserts the documented behaviour. The ones marked
//! `// FOUND (fixed): …` failed when written (the review's findings) and
//! pass since the fix; the others held and are kept as guards.
//! Synchronisation is by channels only; real-time bounds are hang
//! detectors.

mod common;

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::mpsc as std_mpsc;
use std::task::Poll;
use std::time::Duration;

use common::{catch_unwind, forever, multi_thread, on_drop, panic_message, REAL_HANG};
use taskgroup::scope;
use taskgroup::shutdown::{Outcome, Shutdown};
use tokio::sync::oneshot;
use tokio::time::timeout;

#[derive(Debug, PartialEq)]
struct Failed(&'static str);

#[derive(Clone, Copy, Debug)]
enum Flavor {
    CurrentThread,
    MultiThread,
}

fn runtime(flavor: Flavor) -> tokio::runtime::Runtime {
    match flavor {
        Flavor::CurrentThread => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime"),
        Flavor::MultiThread => multi_thread(),
    }
}

/// What the blocking closure's scope reaches after the abort, in the same
/// poll of its body (the body was blocked in synchronous code meanwhile).
#[derive(Clone, Copy, Debug)]
enum Reaches {
    /// `taskgroup::pool::map` (its scope is born aborted).
    Pool,
    /// `taskgroup::first_ok` (its scope is born aborted).
    FirstOk,
    /// `.await` on the handle of a child of a nested `scope!`, the child
    /// dropped by the abort.
    NestedHandle,
    /// A nested `scope!` opened after the abort, awaiting a child it
    /// spawned (refused).
    NestedOpenedLate,
}

/// How the enclosing scope aborts.
#[derive(Clone, Copy, Debug)]
enum Stop {
    /// Its own `cancel!()`, no `grace`.
    Cancel,
    /// Its own `cancel!()` with `grace`: the abort after the period.
    CancelAfterGrace,
    /// A child's `Err`, no `grace`.
    ChildFails,
    /// Its future dropped.
    Dropped,
    /// A `Shutdown` drain whose time runs out.
    DrainEnds,
}

/// What the closure saw: how `block_on` of its scope ended.
#[derive(Debug, PartialEq)]
enum Seen {
    /// The scope returned a value (its body was not dropped).
    Value(u32),
    /// It unwound with a payload that is not a message (a cancellation).
    Unwound,
    /// It panicked with this message.
    Panic(String),
}

/// Rule 4: "An abort from above drops everything below it: the nested
/// scope's children, and its body too, also where nobody would drop the
/// nested scope's future (a scope run with `Handle::block_on` in a
/// `spawn_blocking!` closure …); the nested scope then unwinds as a
/// cancellation, which is never recorded as a panic." Rule 7 / the
/// decisions: `pool`, `first_ok` and awaited handles "unwind as a
/// cancellation when a failure dooms the caller"; rule 3: after
/// `cancel!()` the body's value is the scope's value.
///
/// Scenario: the closure's scope S spawns `y` (ignores the signal), then
/// blocks in synchronous code (a `std` channel) in the middle of a poll of
/// its body; the enclosing scope aborts (`stop`), which drops `y`; only
/// then is S's body released, and in the same poll it reaches `reaches`.
/// Expected: S unwinds as a cancellation (`Seen::Unwound`), no library
/// panic anywhere, the enclosing scope returns what `stop` says.
fn blocking_scope_mid_poll(flavor: Flavor, reaches: Reaches, stop: Stop) {
    let rt = runtime(flavor);
    let (seen, closure_seen) = std_mpsc::channel::<Seen>();
    let outcome = rt.block_on(async move {
        let (opened_body, body_sees_open) = oneshot::channel::<()>();
        let (opened_ctl, ctl_sees_open) = oneshot::channel::<()>();
        let (y_dropped, y_is_dropped) = oneshot::channel::<()>();
        let (x_dropped, x_is_dropped) = oneshot::channel::<()>();
        let (go_on, go) = std_mpsc::channel::<()>();
        let (drop_root, root_to_drop) = oneshot::channel::<()>();
        let (trigger_tx, trigger_rx) = oneshot::channel::<taskgroup::shutdown::Trigger>();
        let closure = move || {
            let result = tokio::runtime::Handle::current().block_on(catch_unwind(async move {
                let scope_s: Result<u32, Failed> = scope! {
                    spawn!(name = "y", async move {
                        let _dropped = on_drop(move || {
                            let _ = y_dropped.send(());
                        });
                        forever::<()>().await;
                    });
                    let value = match reaches {
                        Reaches::NestedHandle => {
                            let inner: u32 = scope! {
                                let x = spawn!(name = "x", async move {
                                    let _dropped = on_drop(move || {
                                        let _ = x_dropped.send(());
                                    });
                                    forever::<u32>().await
                                });
                                let _ = opened_body.send(());
                                let _ = opened_ctl.send(());
                                // Synchronous, in the middle of a poll.
                                go.recv().unwrap();
                                x.await
                            };
                            inner
                        }
                        _ => {
                            drop(x_dropped);
                            let _ = opened_body.send(());
                            let _ = opened_ctl.send(());
                            // Synchronous, in the middle of a poll.
                            go.recv().unwrap();
                            match reaches {
                                Reaches::Pool => {
                                    taskgroup::pool::map(vec![1_u32, 2], 2, |x| async move { x })
                                        .await
                                        .into_iter()
                                        .sum()
                                }
                                Reaches::FirstOk => taskgroup::first_ok(vec![async {
                                    Ok::<u32, Failed>(1)
                                }])
                                .await
                                .map_err(|_| Failed("first_ok"))?,
                                Reaches::NestedOpenedLate => scope! {
                                    let late = spawn!(async { 3_u32 });
                                    late.await
                                },
                                Reaches::NestedHandle => unreachable!(),
                            }
                        }
                    };
                    Ok(value)
                };
                scope_s
            }));
            let report = match &result {
                Ok(Ok(value)) => Seen::Value(*value),
                Ok(Err(error)) => Seen::Panic(format!("the scope returned {error:?}")),
                Err(payload) => match panic_message(&**payload) {
                    Some(message) => Seen::Panic(message.to_owned()),
                    None => Seen::Unwound,
                },
            };
            let _ = seen.send(report);
            if let Err(payload) = result {
                // On up, as it would go without the catch.
                std::panic::resume_unwind(payload);
            }
        };
        // The enclosing scope (or, for a drain, the service's root scope).
        let enclosing = async move {
            let grace = match stop {
                Stop::CancelAfterGrace => Some(Duration::from_millis(20)),
                _ => None,
            };
            let result: Result<(), Failed> = scope!(grace = grace; {
                spawn_blocking!(name = "closure", closure);
                let _ = body_sees_open.await;
                match stop {
                    Stop::Cancel | Stop::CancelAfterGrace => {
                        cancel!();
                        return Ok(());
                    }
                    Stop::ChildFails => {
                        spawn!(name = "failing", async { Err::<(), _>(Failed("child")) });
                    }
                    Stop::Dropped | Stop::DrainEnds => {}
                }
                forever::<()>().await;
                Ok(())
            });
            result
        };
        // Drives the scenario from outside: waits for the abort (y, and x,
        // dropped) before letting the closure's body go on.
        let control = async move {
            let _ = ctl_sees_open.await;
            match stop {
                Stop::Dropped => {
                    let _ = drop_root.send(());
                }
                Stop::DrainEnds => {
                    trigger_rx.await.unwrap().shutdown();
                }
                _ => {}
            }
            let _ = y_is_dropped.await;
            let _ = x_is_dropped.await;
            go_on.send(()).unwrap();
        };
        let root = async move {
            match stop {
                Stop::Dropped => {
                    tokio::select! {
                        result = enclosing => format!("returned {result:?}"),
                        _ = root_to_drop => "dropped".to_owned(),
                    }
                }
                Stop::DrainEnds => {
                    let shutdown = Shutdown::new(Duration::from_millis(20)).without_signals();
                    let _ = trigger_tx.send(shutdown.trigger());
                    match shutdown.run(enclosing).await {
                        Outcome::Aborted { still_alive, .. } => {
                            let tree = still_alive.to_string();
                            assert!(tree.contains("\"closure\""), "{tree}");
                            "aborted".to_owned()
                        }
                        other => format!("{other:?}"),
                    }
                }
                _ => format!("returned {:?}", enclosing.await),
            }
        };
        let (root, ()) = timeout(REAL_HANG, async {
            tokio::join!(catch_unwind(root), control)
        })
        .await
        .expect("hang: the scenario did not end");
        root.map_err(|payload| {
            panic_message(&*payload)
                .map_or_else(|| "a non-message payload".to_owned(), str::to_owned)
        })
    });
    let seen = closure_seen
        .recv_timeout(REAL_HANG)
        .expect("hang: the blocking closure did not return");
    drop(rt);
    let expected_root = match stop {
        Stop::Cancel | Stop::CancelAfterGrace => "returned Ok(())",
        Stop::ChildFails => "returned Err(Failed(\"child\"))",
        Stop::Dropped => "dropped",
        Stop::DrainEnds => "aborted",
    };
    assert_eq!(
        (outcome, seen),
        (Ok(expected_root.to_owned()), Seen::Unwound),
        "{flavor:?}, {reaches:?}, {stop:?}: (the enclosing scope, what the closure's scope did)"
    );
}

macro_rules! mid_poll_cases {
    ($($name:ident: $reaches:ident, $stop:ident;)*) => {
        mod mid_poll {
            use super::*;
            $(
                mod $name {
                    use super::*;
                    #[test]
                    fn current_thread() {
                        blocking_scope_mid_poll(Flavor::CurrentThread, Reaches::$reaches, Stop::$stop);
                    }
                    #[test]
                    fn multi_thread() {
                        blocking_scope_mid_poll(Flavor::MultiThread, Reaches::$reaches, Stop::$stop);
                    }
                }
            )*
        }
    };
}

// FOUND (fixed): the `Cancel` and `CancelAfterGrace` (all 7 rows, both flavours, deterministic)
// rows, whose enclosing scope aborts after its own `cancel!()`: `body_fate`
// of the pool's / first_ok's / the nested scope walks the ancestors for a
// *failed* aborting scope and never asks whether an ancestor is a scope run
// in a blocking closure of an aborting parent (`closure_aborted` is checked
// only on the scope itself), so the code goes on and panics with the
// library's message; the enclosing scope then resumes that panic although
// its own `cancel!()` decided its value.
mid_poll_cases! {
    pool_after_cancel: Pool, Cancel;
    pool_after_cancel_and_grace: Pool, CancelAfterGrace;
    pool_after_child_fails: Pool, ChildFails;
    pool_after_drop: Pool, Dropped;
    pool_after_drain: Pool, DrainEnds;
    first_ok_after_cancel: FirstOk, Cancel;
    first_ok_after_cancel_and_grace: FirstOk, CancelAfterGrace;
    first_ok_after_child_fails: FirstOk, ChildFails;
    first_ok_after_drop: FirstOk, Dropped;
    nested_handle_after_cancel: NestedHandle, Cancel;
    nested_handle_after_cancel_and_grace: NestedHandle, CancelAfterGrace;
    nested_handle_after_child_fails: NestedHandle, ChildFails;
    nested_handle_after_drop: NestedHandle, Dropped;
    nested_handle_after_drain: NestedHandle, DrainEnds;
    nested_late_after_cancel: NestedOpenedLate, Cancel;
    nested_late_after_child_fails: NestedOpenedLate, ChildFails;
}

// ---------------------------------------------------------------------------
// A scope future first polled in a blocking closure, then awaited inline.

type BoxedScope = Pin<Box<dyn Future<Output = u32> + Send>>;

/// Tries: a blocking closure builds a `scope!` future, polls it once (the
/// scope opens: its parent is the enclosing scope, and it is marked as
/// "opened in a blocking closure"), and returns it; the enclosing body
/// awaits it *inline* after its own `cancel!()`.
/// Promise: "an inline nested scope after the parent's own `cancel!()`
/// runs its body to the end" (the decision behind commit 48d72a0, and
/// rule 3: the body's value is the scope's value).
// FOUND (fixed): the scope keeps the mark of where it was opened, not
// where it runs: after the parent's `cancel!()` it drops its own body and
// unwinds as a cancellation into the parent's body, which then unwinds
// the whole scope (a non-message payload escapes the root scope).
#[test]
fn a_scope_opened_in_a_blocking_closure_and_awaited_inline_after_cancel_runs_on() {
    for flavor in [Flavor::CurrentThread, Flavor::MultiThread] {
        let rt = runtime(flavor);
        let outcome = rt.block_on(async {
            timeout(
                REAL_HANG,
                catch_unwind(async {
                    scope! {
                        let mut inner: BoxedScope = spawn_blocking!(move || {
                            let mut inner: BoxedScope = Box::pin(async {
                                scope! {
                                    tokio::task::yield_now().await;
                                    7_u32
                                }
                            });
                            tokio::runtime::Handle::current().block_on(poll_fn(|cx| {
                                // Opens the scope; its body yields once.
                                assert!(inner.as_mut().poll(cx).is_pending());
                                Poll::Ready(())
                            }));
                            inner
                        })
                        .await;
                        cancel!();
                        let value = inner.as_mut().await;
                        value + 1
                    }
                }),
            )
            .await
            .expect("hang")
        });
        let outcome = outcome.map_err(|payload| {
            panic_message(&*payload)
                .map_or_else(|| "a non-message payload".to_owned(), str::to_owned)
        });
        assert_eq!(outcome, Ok(8), "{flavor:?}");
    }
}

// ---------------------------------------------------------------------------
// The library prints nothing.

/// "The library prints nothing" (rule 6, shutdown.md): no `print!`,
/// `println!`, `eprint!`, `eprintln!`, `dbg!` or direct stdout/stderr
/// handle outside comments in the runtime or the macros (whose generated
/// code would print in the user's crate).
#[test]
fn the_library_sources_contain_no_printing() {
    // (This file's package is `tests/`: the workspace root is its parent.)
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap();
    let mut offenders = Vec::new();
    let mut scanned = 0;
    for dir in ["group-runtime/src", "group-macros/src", "src"] {
        assert!(root.join(dir).is_dir(), "{dir} not found");
        let mut stack = vec![root.join(dir)];
        while let Some(path) = stack.pop() {
            if path.is_dir() {
                // The macros' own tests (snapshots, fuzzing) may print.
                if path.ends_with("tests") {
                    continue;
                }
                for entry in std::fs::read_dir(&path).unwrap() {
                    stack.push(entry.unwrap().path());
                }
                continue;
            }
            if path.extension().is_none_or(|ext| ext != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            scanned += 1;
            for (n, line) in text.lines().enumerate() {
                let code = line.trim_start();
                if code.starts_with("//") {
                    continue;
                }
                let code = code.split("//").next().unwrap_or("");
                for needle in [
                    "print!(",
                    "println!(",
                    "eprint!(",
                    "eprintln!(",
                    "dbg!(",
                    "io::stderr",
                    "io::stdout",
                ] {
                    if code.contains(needle) {
                        offenders.push(format!("{}:{}: {}", path.display(), n + 1, line.trim()));
                    }
                }
            }
        }
    }
    assert!(scanned > 30, "only {scanned} source files found");
    assert!(offenders.is_empty(), "{offenders:#?}");
}

/// The same at run time: a drain that has to abort a stubborn request
/// (nested scope, a blocking closure running a scope) in a child process
/// with `--nocapture`: nothing on stderr, and stdout holds only the test
/// harness's lines.
#[test]
fn an_aborted_drain_prints_nothing() {
    if std::env::var_os("ADVERSARIAL3_CHILD").is_some() {
        let rt = multi_thread();
        rt.block_on(async {
            let shutdown = Shutdown::new(Duration::from_millis(20)).without_signals();
            let trigger = shutdown.trigger();
            let (started, is_started) = oneshot::channel::<()>();
            let service = async move {
                scope! {
                    spawn!(name = "stubborn", async move {
                        scope! {
                            spawn_blocking!(name = "blocking", move || {
                                let _ = tokio::runtime::Handle::current().block_on(catch_unwind(
                                    async move {
                                        scope! {
                                            let _ = started.send(());
                                            forever::<()>().await;
                                        }
                                    },
                                ));
                            });
                        }
                    });
                    forever::<()>().await;
                }
            };
            let run = tokio::spawn(shutdown.run(service));
            let _ = is_started.await;
            trigger.shutdown();
            let outcome = timeout(REAL_HANG, run).await.expect("hang").unwrap();
            assert!(matches!(outcome, Outcome::Aborted { .. }), "{outcome:?}");
        });
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let output = std::process::Command::new(exe)
        .args([
            "--exact",
            "an_aborted_drain_prints_nothing",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env("ADVERSARIAL3_CHILD", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "stdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert_eq!(stderr, "", "the library printed on stderr");
    for line in stdout.lines() {
        assert!(
            line.is_empty()
                || line.starts_with("running ")
                || line.starts_with("test ")
                || line.starts_with("test result:"),
            "the library printed on stdout: {line:?}\n{stdout}"
        );
    }
}

// ---------------------------------------------------------------------------
// Compiler messages name no hidden item.

/// "The compiler's notes … name only public, documented items … No
/// message names a hidden path or the internal `taskgroup_runtime` crate"
/// (docs/compile-time-checks.md). Checked over every reviewed `.stderr`
/// of `tests/ui/fail` (the trybuild test itself only compares snapshots).
// FOUND (fixed): `tests/ui/fail/limit-or-name-of-the-wrong-type.stderr`: a `limit`
// that is a `u32` (or any non-`IntoLimit` type) and a scope `name` that is
// not a string say "required by a bound in
// `taskgroup::__private::Options::limit`" / "`…::Options::name`": the
// option values are passed straight to the hidden builder `Options`,
// without a check in `taskgroup::checks` (as `timeout` / `grace` have with
// `IntoTimeout`'s message).
#[test]
fn no_reviewed_compiler_message_names_a_hidden_item() {
    // (This file's package is `tests/`.)
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/fail");
    let mut offenders = Vec::new();
    let mut read = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|ext| ext != "stderr") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        read += 1;
        for line in text.lines() {
            // Only the messages, labels and notes; not the quoted source.
            let message = line.starts_with("error")
                || line.starts_with("note")
                || line.starts_with("help")
                || line.trim_start().starts_with("= ");
            if message
                && [
                    "__private",
                    "taskgroup_runtime",
                    "__scoped",
                    "ModeProbe",
                    "TaskProbe",
                ]
                .iter()
                .any(|hidden| line.contains(hidden))
            {
                offenders.push(format!(
                    "{}: {line}",
                    path.file_name().unwrap().to_string_lossy()
                ));
            }
        }
    }
    assert!(read > 20, "only {read} .stderr files found");
    assert!(offenders.is_empty(), "{offenders:#?}");
}
