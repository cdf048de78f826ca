//! Property test: random trees of nested scopes under faults, checked against a model.
//!
//! A case is a tree (nesting up to 6 deep, up to 50 children per scope) whose leaves succeed, fail or panic after a random
//! time, hang until cancelled, or run a blocking closure; each scope has a
//! random `limit` and `timeout`; the root is `errors = first` or
//! `errors = all`, may have a `grace` period, and its future may be
//! dropped at a random instant. Each
//! case runs on its own current-thread runtime on paused time, so the
//! instants are exact. A model (`simulate`) computes, from the tree alone,
//! what the root must return and at which instant: the first failure in
//! time (a nested scope's failure reaching its parent when that scope
//! returns), every error in order with `errors = all`, the deadline's
//! error, the panic, or "dropped". Checked on every case:
//!
//! * the outcome and the instant are the model's (when two events the
//!   model must order fall on the same millisecond, the case counts as
//!   ambiguous and only the invariants below are checked);
//! * a panic is resumed exactly once, with the payload of a leaf that
//!   panicked; if a leaf panicked, the root panics (never lost);
//! * the root returns only after every leaf's future has been dropped (a
//!   drop counter), and after a dropped root every leaf stops;
//! * no deadlock: a case the model says ends, ends (paused time, bounded);
//! * with a `grace` on the root: nothing differs before the first failure;
//!   after it the root returns within the grace period, with that failure
//!   or a panic raised during the clean-up;
//! * the runtime's count of alive tasks is back to zero.
//!
//! CI: `cargo test --test random_trees` (500 cases). Longer:
//! `PROPTEST_CASES=10000 cargo test --release --test random_trees -- --nocapture`
//! (prints the figures: cases, leaves, faults injected, leaks).

mod common;

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{panic_message, Tracker};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use taskgroup::{scope, Elapsed, Errors};
use tokio::time::{sleep, Instant};

/// A node of a random tree. Ids are given after generation (`number`).
#[derive(Clone, Debug)]
enum Node {
    Ok(u64),
    Fail(u64, u32),
    Panic(u64, u32),
    Hang,
    Blocking,
    Scope(Spec),
}

#[derive(Clone, Debug)]
struct Spec {
    id: u32,
    limit: Option<usize>,
    timeout: Option<u64>,
    children: Vec<Node>,
}

#[derive(Clone, Debug)]
struct Case {
    root: Spec,
    errors_all: bool,
    /// The root's `grace` (ms): children run on after the first failure
    /// for up to this long.
    grace: Option<u64>,
    drop_at: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum E {
    Task(u32),
    /// The deadline of the scope with this id (`None` until the scope's
    /// own boundary tags it).
    Deadline(Option<u32>),
}

impl From<Elapsed> for E {
    fn from(_: Elapsed) -> Self {
        E::Deadline(None)
    }
}

fn tag(error: E, scope: u32) -> E {
    match error {
        E::Deadline(None) => E::Deadline(Some(scope)),
        other => other,
    }
}

// ---------------------------------------------------------------------------
// Generation.

fn leaf() -> impl Strategy<Value = Node> {
    prop_oneof![
        16 => (1u64..10_000).prop_map(Node::Ok),
        2 => (1u64..10_000).prop_map(|ms| Node::Fail(ms, 0)),
        1 => (1u64..10_000).prop_map(|ms| Node::Panic(ms, 0)),
        2 => Just(Node::Hang),
        2 => Just(Node::Blocking),
    ]
}

fn spec(children: impl Strategy<Value = Vec<Node>>) -> impl Strategy<Value = Spec> {
    (
        option::weighted(0.3, 1usize..6),
        option::weighted(0.3, 1u64..20_000),
        children,
    )
        .prop_map(|(limit, timeout, children)| Spec {
            id: 0,
            limit,
            timeout,
            children,
        })
}

fn tree() -> impl Strategy<Value = Node> + Clone {
    leaf().prop_recursive(6, 64, 10, |inner| {
        spec(fan_out(inner)).prop_map(Node::Scope)
    })
}

/// Mostly a few children, sometimes up to 50.
fn fan_out(node: impl Strategy<Value = Node> + Clone) -> impl Strategy<Value = Vec<Node>> {
    prop_oneof![4 => vec(node.clone(), 0..6), 1 => vec(node, 0..50)]
}

fn case() -> impl Strategy<Value = Case> {
    (
        spec(fan_out(tree())),
        any::<bool>(),
        option::weighted(0.25, 1u64..5_000),
        option::weighted(0.3, 1u64..3_000),
    )
        .prop_map(|(mut root, errors_all, grace, drop_at)| {
            number(&mut root, &mut 0);
            Case {
                root,
                errors_all,
                grace,
                drop_at,
            }
        })
}

/// Gives every scope and every failing leaf a distinct id.
fn number(spec: &mut Spec, next: &mut u32) {
    *next += 1;
    spec.id = *next;
    for child in &mut spec.children {
        match child {
            Node::Fail(_, id) | Node::Panic(_, id) => {
                *next += 1;
                *id = *next;
            }
            Node::Scope(nested) => number(nested, next),
            Node::Ok(_) | Node::Hang | Node::Blocking => {}
        }
    }
}

// ---------------------------------------------------------------------------
// Running a tree with the real macros.

#[derive(Clone, Default)]
struct Ctx {
    tracker: Tracker,
    panicked: Arc<Mutex<Vec<u32>>>,
    faults: Arc<AtomicUsize>,
}

type Boxed = Pin<Box<dyn Future<Output = Result<(), E>> + Send>>;

/// The body of a scope: spawn every child in order (waiting for a slot
/// under a limit), then return `Ok(())`.
macro_rules! spawn_children {
    ($children:expr, $ctx:expr) => {
        for child in $children {
            match child {
                Node::Blocking => {
                    let alive = $ctx.tracker.alive();
                    spawn_blocking!(move || alive.finish());
                }
                other => {
                    spawn!(run_node(other, $ctx.clone()));
                }
            }
        }
    };
}

fn run_node(node: Node, ctx: Ctx) -> Boxed {
    Box::pin(async move {
        let alive = ctx.tracker.alive();
        match node {
            Node::Ok(ms) => {
                sleep(Duration::from_millis(ms)).await;
                alive.finish();
                Ok(())
            }
            Node::Fail(ms, id) => {
                sleep(Duration::from_millis(ms)).await;
                ctx.faults.fetch_add(1, SeqCst);
                alive.finish();
                Err(E::Task(id))
            }
            Node::Panic(ms, id) => {
                sleep(Duration::from_millis(ms)).await;
                ctx.faults.fetch_add(1, SeqCst);
                ctx.panicked.lock().unwrap().push(id);
                alive.finish();
                panic!("leaf {id}");
            }
            Node::Hang => {
                let _alive = alive;
                std::future::pending().await
            }
            Node::Scope(spec) => {
                drop(alive); // the nested scope's leaves are tracked themselves
                run_scope(spec, None, ctx).await
            }
            Node::Blocking => unreachable!("spawned with spawn_blocking!"),
        }
    })
}

async fn run_scope(spec: Spec, grace: Option<u64>, ctx: Ctx) -> Result<(), E> {
    let (id, limit, timeout) = (spec.id, spec.limit, spec.timeout.map(Duration::from_millis));
    let grace = grace.map(Duration::from_millis);
    let result: Result<(), E> = scope!(limit = limit, timeout = timeout, grace = grace; {
        spawn_children!(spec.children, ctx);
        Ok(())
    });
    result.map_err(|error| tag(error, id))
}

async fn run_root_all(spec: Spec, grace: Option<u64>, ctx: Ctx) -> Result<(), Vec<E>> {
    let (id, limit, timeout) = (spec.id, spec.limit, spec.timeout.map(Duration::from_millis));
    let grace = grace.map(Duration::from_millis);
    let result: Result<(), Errors<E>> = scope!(errors = all, limit = limit, timeout = timeout, grace = grace; {
        spawn_children!(spec.children, ctx);
        Ok(())
    });
    let errors = |errors: Errors<E>| {
        errors
            .into_errors()
            .into_iter()
            .map(|e| tag(e, id))
            .collect()
    };
    result.map_err(errors)
}

// ---------------------------------------------------------------------------
// The model.

/// How a child or a scope ends, and when (absolute ms; `None`: never).
#[derive(Clone, Debug, PartialEq, Eq)]
enum Expected {
    Ok,
    Err(E),
    Errors(Vec<E>),
    Panic(u32),
    Dropped,
}

struct Model {
    /// Two events the model must order fell on the same millisecond.
    ambiguous: bool,
}

impl Model {
    fn child(&mut self, node: &Node, start: u64) -> (Expected, Option<u64>) {
        match node {
            Node::Ok(ms) => (Expected::Ok, Some(start + ms)),
            Node::Fail(ms, id) => (Expected::Err(E::Task(*id)), Some(start + ms)),
            Node::Panic(ms, id) => (Expected::Panic(*id), Some(start + ms)),
            Node::Hang => (Expected::Ok, None),
            Node::Blocking => (Expected::Ok, Some(start)),
            Node::Scope(spec) => {
                let (outcome, end) = self.scope(spec, start, false);
                let outcome = match outcome {
                    Expected::Err(error) => Expected::Err(tag(error, spec.id)),
                    other => other,
                };
                (outcome, end)
            }
        }
    }

    /// A scope opened at `start`: the body spawns the children in order
    /// (waiting for a slot under a limit); the first failure (first-error)
    /// or a panic or the deadline ends it at that instant, aborting the
    /// rest; with `errors = all`, errors are collected in order.
    fn scope(&mut self, spec: &Spec, start: u64, collect: bool) -> (Expected, Option<u64>) {
        let deadline = spec.timeout.map(|t| start + t);
        let limit = spec.limit.unwrap_or(usize::MAX);
        let mut running: Vec<(Expected, Option<u64>)> = Vec::new();
        let mut errors = Vec::new();
        let mut next = 0;
        let mut now = start;
        loop {
            while next < spec.children.len() && running.len() < limit {
                running.push(self.child(&spec.children[next], now));
                next += 1;
            }
            if next == spec.children.len() && running.is_empty() {
                let outcome = if errors.is_empty() {
                    Expected::Ok
                } else {
                    Expected::Errors(errors)
                };
                return (outcome, Some(now));
            }
            let first_end = running.iter().filter_map(|(_, end)| *end).min();
            let ends_first = match (first_end, deadline) {
                (None, None) => return (Expected::Ok, None),
                (Some(end), Some(deadline)) if end == deadline => {
                    self.ambiguous = true;
                    Some(end)
                }
                (Some(end), Some(deadline)) if deadline < end => None,
                (Some(end), _) => Some(end),
                (None, Some(_)) => None,
            };
            let Some(at) = ends_first else {
                let deadline = deadline.expect("a deadline");
                let outcome = if collect {
                    errors.push(E::Deadline(None));
                    Expected::Errors(errors)
                } else {
                    Expected::Err(E::Deadline(None))
                };
                return (outcome, Some(deadline));
            };
            now = at;
            let (ending, still): (Vec<_>, Vec<_>) =
                running.into_iter().partition(|(_, end)| *end == Some(at));
            running = still;
            let failures: Vec<Expected> = ending
                .into_iter()
                .map(|(outcome, _)| outcome)
                .filter(|outcome| *outcome != Expected::Ok)
                .collect();
            if failures.len() > 1 {
                self.ambiguous = true;
            }
            for failure in failures {
                match failure {
                    Expected::Panic(id) => return (Expected::Panic(id), Some(at)),
                    Expected::Err(error) if collect => errors.push(error),
                    Expected::Err(error) => return (Expected::Err(error), Some(at)),
                    other => unreachable!("{other:?}"),
                }
            }
        }
    }

    /// How the root ends if nothing drops it, when, and whether two events
    /// fell on the same millisecond.
    fn natural(case: &Case) -> (Expected, Option<u64>, bool) {
        let mut model = Model { ambiguous: false };
        let (outcome, end) = model.scope(&case.root, 0, case.errors_all);
        let outcome = match outcome {
            Expected::Err(error) => Expected::Err(tag(error, case.root.id)),
            Expected::Errors(errors) if case.errors_all => Expected::Errors(
                errors
                    .into_iter()
                    .map(|error| tag(error, case.root.id))
                    .collect(),
            ),
            other => other,
        };
        (outcome, end, model.ambiguous)
    }

    fn root(case: &Case, bound: u64) -> (Expected, u64, bool) {
        let (outcome, end, ambiguous) = Model::natural(case);
        let drop_at = case.drop_at.unwrap_or(bound);
        match end {
            Some(end) if end < drop_at => (outcome, end, ambiguous),
            Some(end) if end == drop_at => (Expected::Dropped, drop_at, true),
            _ => (Expected::Dropped, drop_at, ambiguous),
        }
    }
}

// ---------------------------------------------------------------------------
// One case.

/// Paused time: a bound no case reaches unless it hangs for good.
const BOUND_MS: u64 = 1_000_000_000;

#[derive(Default)]
struct Totals {
    cases: usize,
    ambiguous: usize,
    leaves: usize,
    faults: usize,
    graced: usize,
    oks: usize,
    errors: usize,
    dropped: usize,
    panics: usize,
    leaks: usize,
}

fn run_case(case: &Case, totals: &mut Totals) -> Result<(), TestCaseError> {
    let (expected, expected_at, ambiguous) = Model::root(case, BOUND_MS);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    let ctx = Ctx::default();
    let (actual, took, left_running) = runtime.block_on(async {
        let start = Instant::now();
        let drop_at = Duration::from_millis(case.drop_at.unwrap_or(BOUND_MS));
        let root: Pin<Box<dyn Future<Output = Expected> + Send>> = if case.errors_all {
            let run = run_root_all(case.root.clone(), case.grace, ctx.clone());
            Box::pin(async move {
                match run.await {
                    Ok(()) => Expected::Ok,
                    Err(errors) => Expected::Errors(errors),
                }
            })
        } else {
            let run = run_scope(case.root.clone(), case.grace, ctx.clone());
            Box::pin(async move {
                match run.await {
                    Ok(()) => Expected::Ok,
                    Err(error) => Expected::Err(error),
                }
            })
        };
        let outcome = futures_util::FutureExt::catch_unwind(AssertUnwindSafe(
            tokio::time::timeout(drop_at, root),
        ))
        .await;
        let took = start.elapsed().as_millis() as u64;
        // Live at the instant the root returned (0 unless it was dropped).
        let left_running = ctx.tracker.live();
        let actual = match outcome {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(_elapsed)) => Expected::Dropped,
            Err(payload) => {
                let message = panic_message(&*payload).unwrap_or("?").to_owned();
                let id = message
                    .strip_prefix("leaf ")
                    .and_then(|id| id.parse().ok())
                    .unwrap_or_else(|| panic!("a panic that is no leaf's: {message}"));
                Expected::Panic(id)
            }
        };
        // A dropped root's leaves stop at their next poll.
        for _ in 0..10_000 {
            if ctx.tracker.live() == 0 {
                break;
            }
            tokio::task::yield_now().await;
        }
        (actual, took, left_running)
    });
    let still_live = ctx.tracker.live();
    let alive_tasks = runtime.metrics().num_alive_tasks();
    drop(runtime);

    totals.cases += 1;
    totals.ambiguous += usize::from(ambiguous);
    totals.graced += usize::from(case.grace.is_some());
    totals.leaves += ctx.tracker.started();
    totals.faults += ctx.faults.load(SeqCst);
    totals.dropped += usize::from(actual == Expected::Dropped);
    totals.oks += usize::from(actual == Expected::Ok);
    totals.errors += usize::from(matches!(actual, Expected::Err(_) | Expected::Errors(_)));
    totals.panics += usize::from(matches!(actual, Expected::Panic(_)));
    totals.leaks += usize::from(still_live != 0 || alive_tasks != 0);

    let panicked = ctx.panicked.lock().unwrap().clone();
    if actual != Expected::Dropped {
        prop_assert_eq!(left_running, 0, "a leaf outlived the root scope");
    }
    prop_assert_eq!(still_live, 0, "a leaf never stopped");
    prop_assert_eq!(alive_tasks, 0, "tokio tasks still alive after the case");
    match &actual {
        Expected::Panic(id) => prop_assert!(panicked.contains(id), "{panicked:?}"),
        Expected::Dropped => {}
        _ => prop_assert!(panicked.is_empty(), "a panic was lost: {panicked:?}"),
    }
    match case.grace {
        Some(grace) if !ambiguous => check_grace(case, grace, &actual, took)?,
        None if !ambiguous => {
            prop_assert_eq!(&actual, &expected, "outcome");
            prop_assert_eq!(took, expected_at, "instant of the outcome (ms)");
        }
        _ => {}
    }
    Ok(())
}

/// With a `grace` on the root, the model gives the first failure and its
/// instant `f` (nothing differs before it); after it, children run on for
/// up to `grace`: the root returns in `[f, f + grace]`, with the first
/// failure, or with a panic raised during the clean-up (a panic is never
/// lost). Without a failure, grace changes nothing.
fn check_grace(case: &Case, grace: u64, actual: &Expected, took: u64) -> Result<(), TestCaseError> {
    let (natural, end, _) = Model::natural(case);
    let drop_at = case.drop_at.unwrap_or(BOUND_MS);
    let Some(f) = end.filter(|f| *f < drop_at) else {
        prop_assert_eq!(actual, &Expected::Dropped);
        prop_assert_eq!(took, drop_at);
        return Ok(());
    };
    let signalled = match &natural {
        Expected::Ok => false,
        Expected::Errors(errors) => errors.last() == Some(&E::Deadline(Some(case.root.id))),
        _ => true,
    };
    if !signalled {
        prop_assert_eq!(actual, &natural, "outcome without a failure");
        prop_assert_eq!(took, f);
        return Ok(());
    }
    prop_assert!(
        (f..=f + grace).contains(&took),
        "returned at {took} ms, failure at {f} ms, grace {grace} ms"
    );
    if *actual == Expected::Dropped {
        prop_assert_eq!(took, drop_at, "dropped during the grace period");
        return Ok(());
    }
    match (&natural, actual) {
        (_, Expected::Panic(_)) => {}
        (Expected::Err(first), Expected::Err(got)) => prop_assert_eq!(got, first),
        (Expected::Errors(_), Expected::Errors(_)) => {}
        (natural, actual) => prop_assert!(false, "model {natural:?}, got {actual:?}"),
    }
    if let (Expected::Panic(first), Expected::Panic(got)) = (&natural, actual) {
        prop_assert_eq!(got, first, "the first panic is the one resumed");
    }
    Ok(())
}

#[test]
fn random_trees_keep_every_guarantee() {
    let config = ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|cases| cases.parse().ok())
            .unwrap_or(500),
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let totals = Arc::new(Mutex::new(Totals::default()));
    let seen = totals.clone();
    proptest!(config, |(case in case())| {
        run_case(&case, &mut seen.lock().unwrap())?;
    });
    let totals = totals.lock().unwrap();
    eprintln!(
        "random trees: {} cases ({} with a grace period, {} ambiguous: invariants only), {} leaves, \
         {} faults injected \
         (errors and panics); outcomes: {} ok, {} errors, {} panics resumed, {} roots dropped; \
         leaks found: {}",
        totals.cases,
        totals.graced,
        totals.ambiguous,
        totals.leaves,
        totals.faults,
        totals.oks,
        totals.errors,
        totals.panics,
        totals.dropped,
        totals.leaks
    );
}
