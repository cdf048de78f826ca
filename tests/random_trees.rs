//! Random trees of nested scopes, every kind of task, faults: checked against a model of `docs/semantics.md`.
//!
//! A property test (proptest).
//!
//! A case is a tree (nesting up to 5 deep, up to 40 children per scope).
//! Its leaves succeed, fail or panic after a random time, or hang until
//! cancelled, as `spawn!`, `spawn_scoped!` or `spawn_background!`
//! children; a leaf's handle is awaited by the body or dropped, and each
//! scope awaits the kept handles one by one, with `join_all`,
//! `FuturesUnordered` or `tokio::select!`; a leaf may panic in its `Drop`
//! when cancelled, or in the user's `From` conversion of its error. Other
//! children: `spawn_blocking!` closures, `start!` (signalling, or ending /
//! failing before the signal), `pool::try_map` and `first_ok` over leaves,
//! nested scopes in a `spawn!` or a `spawn_scoped!`, and (multi-thread
//! only) a `spawn_blocking!` whose closure opens a nested scope with
//! `Handle::current().block_on`. Each scope has a random `limit`,
//! `timeout` and `grace`; the root is `errors = first` or `all`, and is
//! stopped from outside at a random instant: its future dropped, a
//! `Shutdown` trigger with a drain time, or `cancel!()` in its body (with
//! a grace period).
//!
//! Two variants:
//!
//! * paused time (current-thread runtime): a model (`Model::natural`)
//!   computes from the tree alone the outcome AND the instant (first
//!   failure in time, errors in order with `errors = all`, deadlines, the
//!   panic including `Drop` and `From` panics, the body's end for
//!   background children and `start!`); with a `grace` on the root: the
//!   first failure, then a return within the period. Where a feature
//!   makes the instant inexact (a nested scope's grace used, a drain,
//!   `cancel!()` with children running) only the outcome class and bounds
//!   are checked; two events on the same millisecond: invariants only.
//!   Both are counted (`ambiguous`, `inexact`).
//! * multi-thread (two workers, real time, leaf durations in µs): the
//!   invariants only; a real-time bound is a hang detector, never a
//!   synchronisation.
//!
//! Invariants checked on every case of both: a panic resumed is exactly
//! one, with the payload of something that panicked, and if anything
//! panicked the root panics (unless stopped from outside); `cause()` seen
//! by cancelled leaves names the failure each scope returned (rule 2); no
//! error cancels siblings under `errors = all`; every leaf future dropped
//! when the root returns; tokio's alive-task count back to 0; no hang.
//!
//! A `Shutdown` trigger only signals the root (it is nested in the
//! service's scope): it keeps its semantics, what reached it before the
//! trigger is in the drained value. Cases run on 32 MiB stacks (five
//! nested scopes overflow 2 MiB in debug builds).
//!
//! CI: `cargo test -p taskgroup-tests --test random_trees` (400 paused
//! cases, 200 multi-thread; the reproducers this test found are
//! deterministic tests in `tests/scoped_abort.rs` and
//! `tests/composition.rs`). Longer, with the figures (cases, leaves per
//! kind, faults injected, outcomes, ambiguous / inexact cases, leaks):
//! `PROPTEST_CASES=5000 cargo test --release -p taskgroup-tests --test random_trees -- --nocapture --test-threads 1`

mod common;

use std::collections::{BTreeMap, HashSet};
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{catch_unwind, panic_message, Alive, Tracker};
use futures_util::stream::{FuturesUnordered, StreamExt};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use taskgroup::shutdown::{Outcome, Shutdown};
use taskgroup::{scope, Backoff, Cause, Elapsed, Errors, Restart, StartError};
use tokio::time::{sleep, sleep_until, Instant};

// ---------------------------------------------------------------------------
// Trees.

#[derive(Clone, Debug)]
enum Leaf {
    Ok(u64),
    Fail(u64),
    Panic(u64),
    Hang,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Spawn,
    Scoped,
    Background,
    /// `spawn!(isolated, …)`: its failure, panic or `Drop` panic is its
    /// handle's (or counted as unobserved), never the scope's.
    Isolated,
    /// `spawn!(restart = on_failure, fixed pause, at most `restarts`)`:
    /// a failing leaf runs `restarts + 1` times, the last failure
    /// escalates; in the model, one leaf that lasts the whole timeline.
    Restarted {
        restarts: u8,
        pause: u16,
    },
}

impl Task {
    /// When the leaf (all its starts, for a restarted one) ends.
    fn end(&self, start: u64) -> Option<u64> {
        match (self.kind, &self.leaf) {
            (Kind::Restarted { restarts, pause }, Leaf::Fail(ms) | Leaf::Panic(ms)) => {
                let (n, pause) = (u64::from(restarts), u64::from(pause));
                Some(start + (n + 1) * ms + n * pause)
            }
            (_, leaf) => leaf_end(leaf, start),
        }
    }
}

/// A leaf task. `keep`: its handle is awaited by the body (else dropped);
/// `drop_panic`: its future panics in `Drop` if cancelled; `from_panic`:
/// its error panics in the user's `From` conversion.
#[derive(Clone, Debug)]
struct Task {
    id: u32,
    leaf: Leaf,
    kind: Kind,
    keep: bool,
    drop_panic: bool,
    from_panic: bool,
}

#[derive(Clone, Debug)]
enum Node {
    Task(Task),
    Blocking(u32),
    /// `spawn_blocking!` whose closure opens a nested scope with
    /// `Handle::current().block_on` (multi-thread variant only).
    BlockingScope(Spec),
    /// `start!`: signals after `ready` then runs `leaf`; `ready: None`:
    /// the leaf ends before signalling (`StartError`, not a failure).
    Start {
        id: u32,
        ready: Option<u64>,
        leaf: Leaf,
    },
    /// `taskgroup::pool::try_map` over the items, in a `spawn!`.
    Pool {
        id: u32,
        keep: bool,
        workers: usize,
        items: Vec<Task>,
    },
    /// `taskgroup::first_ok` over the attempts, in a `spawn!`.
    FirstOk {
        id: u32,
        keep: bool,
        attempts: Vec<Task>,
    },
    /// A nested `scope!` in a `spawn!` or (`local`) a `spawn_scoped!`.
    Scope {
        keep: bool,
        local: bool,
        spec: Spec,
    },
}

/// How the body awaits the handles it kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Join {
    Sequential,
    All,
    Unordered,
    Select,
}

#[derive(Clone, Debug)]
struct Spec {
    id: u32,
    limit: Option<usize>,
    timeout: Option<u64>,
    grace: Option<u64>,
    join: Join,
    children: Vec<Node>,
}

/// How the root is stopped from outside, if at all.
#[derive(Clone, Debug)]
enum Stop {
    None,
    /// The root's future is dropped at this instant.
    DropAt(u64),
    /// The root runs in `Shutdown::run`, triggered at `at`, drain time `drain`.
    Shutdown {
        at: u64,
        drain: u64,
    },
    /// The root's body calls `cancel!()` at `at` (the root has a `grace`).
    Cancel {
        at: u64,
    },
}

#[derive(Clone, Debug)]
struct Case {
    root: Spec,
    errors_all: bool,
    /// The root's `grace` (ms).
    grace: Option<u64>,
    stop: Stop,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum E {
    Task(u32),
    /// The deadline of the scope with this id (`None` until the scope's
    /// own boundary tags it).
    Deadline(Option<u32>),
    /// Every attempt of the `first_ok` with this id failed.
    AllFailed(u32),
}

impl From<Elapsed> for E {
    fn from(_: Elapsed) -> Self {
        E::Deadline(None)
    }
}

/// A leaf's error; converted into `E` by the scope (`From`), which panics
/// for a marked one.
#[derive(Debug)]
struct LeafErr {
    id: u32,
    panics: Option<Arc<Mutex<Vec<u32>>>>,
}

impl From<LeafErr> for E {
    fn from(error: LeafErr) -> Self {
        if let Some(panicked) = error.panics {
            panicked.lock().unwrap().push(error.id);
            panic!("from {}", error.id);
        }
        E::Task(error.id)
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

fn ms() -> impl Strategy<Value = u64> {
    1u64..10_000
}

fn leaf_kind() -> impl Strategy<Value = Leaf> {
    prop_oneof![
        16 => ms().prop_map(Leaf::Ok),
        3 => ms().prop_map(Leaf::Fail),
        1 => ms().prop_map(Leaf::Panic),
        2 => Just(Leaf::Hang),
    ]
}

fn task() -> impl Strategy<Value = Task> {
    (
        leaf_kind(),
        prop_oneof![
            6 => Just(Kind::Spawn),
            3 => Just(Kind::Scoped),
            1 => Just(Kind::Background),
            1 => Just(Kind::Isolated),
            1 => (0u8..4, 1u16..2_000).prop_map(|(restarts, pause)| Kind::Restarted { restarts, pause }),
        ],
        any::<bool>(),
        proptest::bool::weighted(0.05),
        proptest::bool::weighted(0.15),
    )
        .prop_map(|(leaf, kind, keep, drop_panic, from_panic)| Task {
            id: 0,
            leaf,
            kind,
            keep,
            drop_panic,
            from_panic,
        })
}

fn node_leaf() -> impl Strategy<Value = Node> {
    prop_oneof![
        20 => task().prop_map(Node::Task),
        2 => Just(Node::Blocking(0)),
        1 => (option::weighted(0.8, ms()), leaf_kind())
            .prop_map(|(ready, leaf)| Node::Start { id: 0, ready, leaf }),
        1 => (any::<bool>(), 1usize..4, vec(task(), 0..8))
            .prop_map(|(keep, workers, items)| Node::Pool { id: 0, keep, workers, items }),
        1 => (any::<bool>(), vec(task(), 1..4))
            .prop_map(|(keep, attempts)| Node::FirstOk { id: 0, keep, attempts }),
    ]
}

fn join() -> impl Strategy<Value = Join> {
    prop_oneof![
        Just(Join::Sequential),
        Just(Join::All),
        Just(Join::Unordered),
        Just(Join::Select)
    ]
}

fn spec(children: impl Strategy<Value = Vec<Node>>) -> impl Strategy<Value = Spec> {
    (
        option::weighted(0.3, 1usize..6),
        option::weighted(0.3, 1u64..20_000),
        option::weighted(0.15, 1u64..5_000),
        join(),
        children,
    )
        .prop_map(|(limit, timeout, grace, join, children)| Spec {
            id: 0,
            limit,
            timeout,
            grace,
            join,
            children,
        })
}

fn tree(blocking_scopes: bool) -> impl Strategy<Value = Node> + Clone {
    node_leaf().prop_recursive(5, 64, 10, move |inner| {
        let nested = spec(fan_out(inner)).boxed();
        prop_oneof![
            4 => (any::<bool>(), any::<bool>(), nested.clone())
                .prop_map(|(keep, local, spec)| Node::Scope { keep, local, spec }),
            u32::from(blocking_scopes) => nested.prop_map(Node::BlockingScope),
        ]
    })
}

/// Mostly a few children, sometimes up to 40.
fn fan_out(node: impl Strategy<Value = Node> + Clone) -> impl Strategy<Value = Vec<Node>> {
    prop_oneof![4 => vec(node.clone(), 0..6), 1 => vec(node, 0..40)]
}

fn case(blocking_scopes: bool) -> impl Strategy<Value = Case> {
    (
        spec(fan_out(tree(blocking_scopes))),
        any::<bool>(),
        option::weighted(0.25, 1u64..5_000),
        prop_oneof![
            5 => Just(Stop::None),
            3 => (1u64..3_000).prop_map(Stop::DropAt),
            1 => (1u64..12_000, 1u64..5_000).prop_map(|(at, drain)| Stop::Shutdown { at, drain }),
            1 => (1u64..12_000).prop_map(|at| Stop::Cancel { at }),
        ],
        1u64..5_000,
    )
        .prop_map(move |(mut root, errors_all, grace, stop, cancel_grace)| {
            root.grace = None;
            let mut case = Case {
                root,
                errors_all,
                grace,
                stop,
            };
            if let Stop::Cancel { .. } = case.stop {
                case.errors_all = false;
                case.grace = Some(cancel_grace);
            }
            number(&mut case.root, true, &mut 0);
            case
        })
}

/// Gives every node a distinct id, and makes the tree runnable: scoped
/// children only in scopes whose future need not be `Send` (the root and
/// scopes in a `spawn_scoped!`).
fn number(spec: &mut Spec, local: bool, next: &mut u32) {
    *next += 1;
    spec.id = *next;
    let fix = |task: &mut Task, next: &mut u32, in_scope: bool| {
        *next += 1;
        task.id = *next;
        if in_scope {
            if task.kind == Kind::Scoped && !local {
                task.kind = Kind::Spawn;
            }
            if task.kind == Kind::Background {
                task.keep = false;
            }
            match task.kind {
                // No `From` conversion: the error is the handle's.
                Kind::Isolated => task.from_panic = false,
                // Between starts there is no future to drop: a `Drop` panic
                // would depend on the instant within the timeline.
                Kind::Restarted { .. } => task.drop_panic = false,
                _ => {}
            }
        } else {
            task.kind = Kind::Spawn;
            task.keep = false;
        }
    };
    for child in &mut spec.children {
        match child {
            Node::Task(task) => fix(task, next, true),
            Node::Blocking(id) | Node::Start { id, .. } => {
                *next += 1;
                *id = *next;
            }
            Node::Pool { id, items, .. } => {
                *next += 1;
                *id = *next;
                for item in items {
                    fix(item, next, false);
                }
            }
            Node::FirstOk { id, attempts, .. } => {
                *next += 1;
                *id = *next;
                for attempt in attempts {
                    fix(attempt, next, false);
                    attempt.from_panic = false; // first_ok returns `Errors`, no `From`
                }
            }
            Node::Scope {
                local: nested_local,
                spec,
                ..
            } => {
                *nested_local &= local;
                number(spec, *nested_local, next);
            }
            Node::BlockingScope(spec) => number(spec, false, next),
        }
    }
}

// ---------------------------------------------------------------------------
// Running a tree with the real macros.

#[derive(Clone)]
struct Ctx {
    tracker: Tracker,
    /// Ids of everything that panicked: leaves, `Drop`s, `From`s.
    panicked: Arc<Mutex<Vec<u32>>>,
    faults: Arc<AtomicUsize>,
    /// `cause()` seen by a leaf cancelled in the scope with this id.
    causes: Arc<Mutex<Vec<(u32, Cause)>>>,
    /// How each scope returned (scopes whose future was dropped: absent).
    results: Arc<Mutex<BTreeMap<u32, Expected>>>,
    /// The unit of a leaf's duration: 1 ms on paused time, 1 µs on the
    /// multi-thread runtime.
    unit: Duration,
    /// Panics of isolated leaves (their future or `Drop`): each goes to
    /// its handle or is counted by `unobserved_panics()`, never the scope.
    isolated_panics: Arc<AtomicUsize>,
    /// Of those, the ones a kept handle took.
    isolated_taken: Arc<AtomicUsize>,
    /// Ids of restarted leaves that panicked: restarted (the policy takes
    /// the panic), or escalated (resumed like any panic).
    restarted_panicked: Arc<Mutex<Vec<u32>>>,
    /// `unobserved_panics()` when the case started.
    unobserved_before: u64,
}

impl Ctx {
    fn new(unit: Duration) -> Self {
        Ctx {
            tracker: Tracker::new(),
            panicked: Arc::default(),
            faults: Arc::default(),
            causes: Arc::default(),
            results: Arc::default(),
            unit,
            isolated_panics: Arc::default(),
            isolated_taken: Arc::default(),
            restarted_panicked: Arc::default(),
            unobserved_before: taskgroup::unobserved_panics(),
        }
    }
}

/// Held by a leaf's future from its creation: tracks it, and when it is
/// dropped unfinished records `cause()` and panics if marked to.
struct Guard {
    alive: Option<Alive>,
    id: u32,
    scope: Option<u32>,
    drop_panic: bool,
    kind: Kind,
    ctx: Ctx,
}

impl Ctx {
    /// Notes that leaf `id` of `kind` panics (isolated, restarted: apart).
    fn panics(&self, id: u32, kind: Kind) {
        match kind {
            Kind::Isolated => {
                self.isolated_panics.fetch_add(1, SeqCst);
            }
            Kind::Restarted { .. } => self.restarted_panicked.lock().unwrap().push(id),
            _ => self.panicked.lock().unwrap().push(id),
        }
    }
}

impl Guard {
    fn finish(&mut self) {
        if let Some(alive) = self.alive.take() {
            alive.finish();
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if self.alive.is_none() {
            return;
        }
        if let (Some(scope), Some(cause)) = (self.scope, taskgroup::cause()) {
            self.ctx.causes.lock().unwrap().push((scope, cause));
        }
        self.alive = None;
        if self.drop_panic && !std::thread::panicking() {
            self.ctx.faults.fetch_add(1, SeqCst);
            self.ctx.panics(self.id, self.kind);
            panic!("drop {}", self.id);
        }
    }
}

fn leaf_future(
    task: &Task,
    scope: Option<u32>,
    ctx: &Ctx,
) -> impl Future<Output = Result<(), LeafErr>> + Send + 'static {
    let mut guard = Guard {
        alive: Some(ctx.tracker.alive()),
        id: task.id,
        scope,
        // An isolated leaf's future is built before `spawn!` waits for a
        // slot: dropped there, it is the body's (a panic of the scope); it
        // is isolated from its first poll on, so it arms its `Drop` then.
        drop_panic: task.drop_panic && task.kind != Kind::Isolated,
        kind: task.kind,
        ctx: ctx.clone(),
    };
    let isolated = task.kind == Kind::Isolated;
    let arm_drop_panic = isolated && task.drop_panic;
    let (id, leaf, from_panic) = (task.id, task.leaf.clone(), task.from_panic);
    async move {
        if arm_drop_panic {
            guard.drop_panic = true;
        }
        let unit = guard.ctx.unit;
        match leaf {
            Leaf::Ok(ms) => {
                sleep(unit * ms as u32).await;
                guard.finish();
                Ok(())
            }
            Leaf::Fail(ms) => {
                sleep(unit * ms as u32).await;
                guard.ctx.faults.fetch_add(1, SeqCst);
                let panics = from_panic.then(|| guard.ctx.panicked.clone());
                guard.finish();
                Err(LeafErr { id, panics })
            }
            Leaf::Panic(ms) => {
                sleep(unit * ms as u32).await;
                guard.ctx.faults.fetch_add(1, SeqCst);
                guard.ctx.panics(id, guard.kind);
                guard.finish();
                panic!("leaf {id}");
            }
            Leaf::Hang => std::future::pending().await,
        }
    }
}

type SendScope = Pin<Box<dyn Future<Output = Result<(), E>> + Send>>;
type LocalScope = Pin<Box<dyn Future<Output = Result<(), E>>>>;

/// Awaits the kept handles as the scope's `join` says.
async fn join_handles<F: Future<Output = ()> + Unpin>(join: Join, mut handles: Vec<F>) {
    match join {
        Join::Sequential => {
            for handle in handles {
                handle.await;
            }
        }
        Join::All => {
            futures_util::future::join_all(handles).await;
        }
        Join::Unordered => {
            let mut all: FuturesUnordered<F> = handles.into_iter().collect();
            while all.next().await.is_some() {}
        }
        Join::Select => {
            if handles.is_empty() {
                return;
            }
            let mut first = handles.remove(0);
            let mut rest = Box::pin(futures_util::future::join_all(handles));
            let (mut first_done, mut rest_done) = (false, false);
            while !(first_done && rest_done) {
                tokio::select! {
                    _ = &mut first, if !first_done => first_done = true,
                    _ = &mut rest, if !rest_done => rest_done = true,
                }
            }
        }
    }
}

/// Spawns one child of a scope's body (`$scoped`: whether
/// `spawn_scoped!` may be used, i.e. the scope's future need not be
/// `Send`).
macro_rules! spawn_child {
    ($child:expr, $ctx:expr, $scope:expr, $handles:ident, $scoped:tt) => {
        match $child {
            Node::Task(task) => {
                let future = leaf_future(&task, Some($scope), &$ctx);
                let name = format!("n{}", task.id);
                match task.kind {
                    Kind::Spawn => {
                        let handle = spawn!(name = name, future);
                        if task.keep {
                            $handles.push(Box::pin(handle));
                        }
                    }
                    Kind::Background => {
                        spawn_background!(name = name, future);
                    }
                    Kind::Isolated => {
                        let handle = spawn!(isolated, name = name, future);
                        if task.keep {
                            let taken = $ctx.isolated_taken.clone();
                            $handles.push(Box::pin(async move {
                                if let Err(taskgroup::Exit::Panicked(panic)) = handle.await {
                                    drop(panic.into_payload());
                                    taken.fetch_add(1, SeqCst);
                                }
                            }));
                        }
                    }
                    Kind::Restarted { restarts, pause } => {
                        drop(future);
                        let (leaf, ctx) = (task.clone(), $ctx.clone());
                        let policy = Restart::on_failure()
                            .backoff(Backoff::fixed(ctx.unit * u32::from(pause)))
                            .at_most(usize::from(restarts), Duration::from_secs(1_000_000));
                        let handle = spawn!(
                            name = name,
                            restart = policy,
                            move || leaf_future(&leaf, Some($scope), &ctx)
                        );
                        if task.keep {
                            $handles.push(Box::pin(handle));
                        }
                    }
                    Kind::Scoped => spawn_child!(@scoped $scoped, name, future, task.keep, $handles),
                }
            }
            Node::Blocking(id) => {
                let alive = $ctx.tracker.alive();
                spawn_blocking!(name = format!("n{id}"), move || alive.finish());
            }
            Node::BlockingScope(spec) => {
                let ctx = $ctx.clone();
                spawn_blocking!(name = format!("n{}", spec.id), move || {
                    tokio::runtime::Handle::current().block_on(run_scope_send(spec, ctx))
                });
            }
            Node::Start { id, ready, leaf } => {
                let task = Task { id, leaf, kind: Kind::Spawn, keep: false, drop_panic: false, from_panic: false };
                let future = leaf_future(&task, Some($scope), &$ctx);
                let unit = $ctx.unit;
                let started: Result<(), StartError<E>> = start!(name = format!("n{id}"), |signal| async move {
                    match ready {
                        Some(ms) => {
                            sleep(unit * ms as u32).await;
                            signal.send(());
                            future.await.map_err(E::from)
                        }
                        None => {
                            let result = future.await.map_err(E::from);
                            drop(signal);
                            result
                        }
                    }
                });
                drop(started);
            }
            Node::Pool { id, keep, workers, items } => {
                let ctx = $ctx.clone();
                let pool = async move {
                    taskgroup::pool::try_map(items, workers, move |task: Task| leaf_future(&task, None, &ctx))
                        .await
                        .map(drop)
                };
                let handle = spawn!(name = format!("n{id}"), pool);
                if keep {
                    $handles.push(Box::pin(handle));
                }
            }
            Node::FirstOk { id, keep, attempts } => {
                let futures: Vec<_> = attempts.iter().map(|task| leaf_future(task, None, &$ctx)).collect();
                let race = async move {
                    taskgroup::first_ok(futures).await.map(drop).map_err(|_| E::AllFailed(id))
                };
                let handle = spawn!(name = format!("n{id}"), race);
                if keep {
                    $handles.push(Box::pin(handle));
                }
            }
            Node::Scope { keep, local, spec } => {
                let name = format!("n{}", spec.id);
                if local {
                    spawn_child!(@scoped $scoped, name, run_scope_local(spec, $ctx.clone()), keep, $handles)
                } else {
                    let handle = spawn!(name = name, run_scope_send(spec, $ctx.clone()));
                    if keep {
                        $handles.push(Box::pin(handle));
                    }
                }
            }
        }
    };
    (@scoped spawn_scoped, $name:expr, $future:expr, $keep:expr, $handles:ident) => {{
        let handle = spawn_scoped!(name = $name, $future);
        if $keep {
            $handles.push(Box::pin(handle));
        }
    }};
    (@scoped send, $name:expr, $future:expr, $keep:expr, $handles:ident) => {{
        drop(($name, $future, $keep));
        unreachable!("a scoped child in a scope that must be Send")
    }};
}

/// A scope's body: spawn every child in order (waiting for a slot under a
/// limit, for `start!`'s signal), then await the kept handles (not after
/// the scope is cancelled: their tasks may have no value). With
/// `$cancel_at`, the body calls `cancel!()` at that instant.
macro_rules! body {
    ($spec:expr, $ctx:expr, $cancel_at:expr, $handle:ty, $scoped:tt) => {{
        let (spec, ctx): (Spec, Ctx) = ($spec, $ctx);
        let cancel_at: Option<Instant> = $cancel_at;
        let id = spec.id;
        let work = async {
            let mut handles: Vec<$handle> = Vec::new();
            for child in spec.children {
                spawn_child!(child, ctx, id, handles, $scoped);
            }
            if !taskgroup::is_cancelled() {
                tokio::select! {
                    biased;
                    _ = taskgroup::cancelled() => {}
                    _ = join_handles(spec.join, handles) => {}
                }
            }
        };
        if let Some(at) = cancel_at {
            tokio::select! {
                biased;
                _ = sleep_until(at) => {}
                _ = async { work.await; std::future::pending::<()>().await } => {}
            }
            cancel!();
        } else {
            work.await;
        }
        Ok(())
    }};
}

type SendHandle<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;
type LocalHandle<'a> = Pin<Box<dyn Future<Output = ()> + 'a>>;

fn record(ctx: &Ctx, id: u32, outcome: Expected) {
    ctx.results.lock().unwrap().insert(id, outcome);
}

/// Runs `scope`, recording how it returned (a resumed panic: with its
/// payload's id) for the cause check.
async fn recorded<T>(
    ctx: &Ctx,
    id: u32,
    scope: impl Future<Output = Result<(), T>>,
    outcome: impl FnOnce(&T) -> Expected,
) -> Result<(), T> {
    match catch_unwind(scope).await {
        Ok(result) => {
            let seen = match &result {
                Ok(()) => Expected::Ok,
                Err(error) => outcome(error),
            };
            record(ctx, id, seen);
            result
        }
        Err(payload) => {
            record(
                ctx,
                id,
                Expected::Panic(payload_id(&*payload).into_iter().collect()),
            );
            std::panic::resume_unwind(payload)
        }
    }
}

fn run_scope_send(spec: Spec, ctx: Ctx) -> SendScope {
    Box::pin(async move {
        let (id, limit) = (spec.id, spec.limit);
        let timeout = spec.timeout.map(|t| ctx.unit * t as u32);
        let grace = spec.grace.map(|g| ctx.unit * g as u32);
        let inner = ctx.clone();
        let scope = async move {
            let result: Result<(), E> = scope!(limit = limit, timeout = timeout, grace = grace; {
                body!(spec, inner, None, SendHandle<'_>, send)
            });
            result.map_err(|error| tag(error, id))
        };
        recorded(&ctx, id, scope, |error| Expected::Err(error.clone())).await
    })
}

fn run_scope_local(spec: Spec, ctx: Ctx) -> LocalScope {
    run_scope_root(spec, None, None, ctx)
}

fn run_scope_root(
    spec: Spec,
    grace: Option<u64>,
    cancel_at: Option<Instant>,
    ctx: Ctx,
) -> LocalScope {
    Box::pin(async move {
        let (id, limit) = (spec.id, spec.limit);
        let timeout = spec.timeout.map(|t| ctx.unit * t as u32);
        let grace = grace.or(spec.grace).map(|g| ctx.unit * g as u32);
        let inner = ctx.clone();
        let scope = async move {
            let result: Result<(), E> = scope!(limit = limit, timeout = timeout, grace = grace; {
                body!(spec, inner, cancel_at, LocalHandle<'_>, spawn_scoped)
            });
            result.map_err(|error| tag(error, id))
        };
        recorded(&ctx, id, scope, |error| Expected::Err(error.clone())).await
    })
}

async fn run_root_all(spec: Spec, grace: Option<u64>, ctx: Ctx) -> Result<(), Vec<E>> {
    let (id, limit) = (spec.id, spec.limit);
    let timeout = spec.timeout.map(|t| ctx.unit * t as u32);
    let grace = grace.map(|g| ctx.unit * g as u32);
    let inner = ctx.clone();
    let scope = async move {
        let result: Result<(), Errors<E>> = scope!(errors = all, limit = limit, timeout = timeout, grace = grace; {
            body!(spec, inner, None, LocalHandle<'_>, spawn_scoped)
        });
        result.map_err(|errors| {
            errors
                .into_errors()
                .into_iter()
                .map(|e| tag(e, id))
                .collect::<Vec<_>>()
        })
    };
    recorded(&ctx, id, scope, |errors| Expected::Errors(errors.clone())).await
}

/// The id in a panic payload ("leaf 7", "drop 7", "from 7").
fn payload_id(payload: &(dyn std::any::Any + Send)) -> Option<u32> {
    let message = panic_message(payload)?;
    let (what, id) = message.split_once(' ')?;
    matches!(what, "leaf" | "drop" | "from").then(|| id.parse().ok())?
}

// ---------------------------------------------------------------------------
// The model.

/// How a child or a scope ends. `Panic`: one of these ids' panics (two
/// `Drop`s panicking in the same abort: either may be first).
#[derive(Clone, Debug, PartialEq, Eq)]
enum Expected {
    Ok,
    Err(E),
    Errors(Vec<E>),
    Panic(Vec<u32>),
    Dropped,
    /// `Shutdown` aborted what outlived the drain.
    Aborted,
}

/// A leaf whose `Drop` panics if it is cancelled, alive over
/// `[start, end)`; `gone`: when an abort dropped it (a nested run is
/// simulated ahead: an enclosing abort before that instant drops it first).
#[derive(Clone, Debug)]
struct Life {
    id: u32,
    start: u64,
    end: Option<u64>,
    gone: Option<u64>,
}

#[derive(Clone, Debug)]
struct Sim {
    outcome: Expected,
    end: Option<u64>,
    lives: Vec<Life>,
    /// The first failure, before `Drop` panics of the abort it caused.
    trigger: Expected,
}

struct Running {
    outcome: Expected,
    end: Option<u64>,
    background: bool,
    lives: std::ops::Range<usize>,
}

#[derive(Default)]
struct Model {
    /// Two events the model must order fell on the same millisecond.
    ambiguous: bool,
    /// A feature made the instant inexact (a nested scope's `grace` used,
    /// `cancel!()` with children running): outcome class only.
    inexact: bool,
    /// The root's `cancel!()` came with children running.
    cancelled_running: bool,
    /// Leaves whose error panics in `From`.
    from_panics: HashSet<u32>,
    /// How much later than modelled a nested scope whose `grace` was used
    /// may return (the sum of those graces): its end is inexact.
    slack: u64,
    /// The errors the root (`errors = all`) collected, with their instants.
    collected: Vec<(u64, E)>,
    /// A nested scope with restarted leaves used its `grace`: it may end
    /// earlier than modelled, as well as later.
    early: bool,
}

/// Whether `spec` has restarted leaves of its own.
fn running_restarted(spec: &Spec) -> bool {
    spec.children.iter().any(
        |child| matches!(child, Node::Task(task) if matches!(task.kind, Kind::Restarted { .. })),
    )
}

fn leaf_end(leaf: &Leaf, start: u64) -> Option<u64> {
    match leaf {
        Leaf::Ok(ms) | Leaf::Fail(ms) | Leaf::Panic(ms) => Some(start + ms),
        Leaf::Hang => None,
    }
}

impl Model {
    /// An abort at `t`: the `Drop` panics of the leaves alive then.
    fn drops(&mut self, lives: &mut [Life], t: u64) -> Vec<u32> {
        let mut ids = Vec::new();
        for life in lives.iter_mut() {
            if life.gone.is_some_and(|gone| gone <= t) || life.end.is_some_and(|end| end < t) {
                continue;
            }
            if life.start > t {
                // Not started yet (a pool's later item): it never will.
                life.gone = Some(t);
                continue;
            }
            if life.start == t || life.end == Some(t) {
                self.ambiguous = true;
                continue;
            }
            life.gone = Some(t);
            ids.push(life.id);
        }
        ids
    }

    fn task(&mut self, task: &Task, start: u64, convert: bool) -> Sim {
        let end = task.end(start);
        if task.kind == Kind::Isolated {
            // Runs its time; nothing of it reaches the scope.
            return Sim {
                trigger: Expected::Ok,
                outcome: Expected::Ok,
                end,
                lives: Vec::new(),
            };
        }
        let outcome = match task.leaf {
            Leaf::Ok(_) | Leaf::Hang => Expected::Ok,
            Leaf::Fail(_) if convert && task.from_panic => Expected::Panic(vec![task.id]),
            Leaf::Fail(_) => Expected::Err(E::Task(task.id)),
            Leaf::Panic(_) => Expected::Panic(vec![task.id]),
        };
        if task.from_panic {
            self.from_panics.insert(task.id);
        }
        let lives = if task.drop_panic {
            vec![Life {
                id: task.id,
                start,
                end,
                gone: None,
            }]
        } else {
            Vec::new()
        };
        Sim {
            trigger: outcome.clone(),
            outcome,
            end,
            lives,
        }
    }

    /// A child started at `start`, and for `start!` when the body may go on.
    fn child(&mut self, node: &Node, start: u64) -> (Sim, Option<Option<u64>>) {
        let plain = |outcome: Expected, end| Sim {
            trigger: outcome.clone(),
            outcome,
            end,
            lives: Vec::new(),
        };
        match node {
            Node::Task(task) => (self.task(task, start, true), None),
            Node::Blocking(_) => (plain(Expected::Ok, Some(start)), None),
            Node::Start { id, ready, leaf } => {
                let task = Task {
                    id: *id,
                    leaf: leaf.clone(),
                    kind: Kind::Spawn,
                    keep: false,
                    drop_panic: false,
                    from_panic: false,
                };
                match ready {
                    Some(ready) => (
                        self.task(&task, start + ready, true),
                        Some(Some(start + ready)),
                    ),
                    None => {
                        let mut sim = self.task(&task, start, true);
                        if let Expected::Err(_) = sim.outcome {
                            sim = plain(Expected::Ok, sim.end); // start! fails, not the scope
                        }
                        let end = sim.end;
                        (sim, Some(end))
                    }
                }
            }
            Node::Pool { workers, items, .. } => {
                let spec = Spec {
                    id: 0,
                    limit: Some(*workers),
                    timeout: None,
                    grace: None,
                    join: Join::Sequential,
                    // The pool returns the item's error: converted at its boundary.
                    children: items
                        .iter()
                        .map(|item| {
                            Node::Task(Task {
                                from_panic: false,
                                ..item.clone()
                            })
                        })
                        .collect(),
                };
                let mut sim = self.scope(&spec, start, false, None, None, false);
                if let Expected::Err(E::Task(id)) = sim.outcome {
                    if items.iter().any(|item| item.id == id && item.from_panic) {
                        sim.outcome = Expected::Panic(vec![id]);
                        sim.trigger = sim.outcome.clone();
                    }
                }
                (sim, None)
            }
            Node::FirstOk { id, attempts, .. } => (self.first_ok(*id, attempts, start), None),
            Node::Scope { spec, .. } | Node::BlockingScope(spec) => {
                let mut sim = self.scope(spec, start, false, None, spec.grace, false);
                for outcome in [&mut sim.outcome, &mut sim.trigger] {
                    if let Expected::Err(error) = outcome {
                        *error = tag(error.clone(), spec.id);
                    }
                }
                (sim, None)
            }
        }
    }

    fn first_ok(&mut self, id: u32, attempts: &[Task], start: u64) -> Sim {
        let mut sims: Vec<Sim> = attempts
            .iter()
            .map(|task| self.task(task, start, false))
            .collect();
        let mut lives: Vec<Life> = sims
            .iter_mut()
            .flat_map(|sim| sim.lives.drain(..))
            .collect();
        let mut ends: Vec<u64> = sims.iter().filter_map(|sim| sim.end).collect();
        ends.sort_unstable();
        ends.dedup();
        for at in ends {
            let ending: Vec<&Expected> = sims
                .iter()
                .filter(|sim| sim.end == Some(at))
                .map(|sim| &sim.outcome)
                .collect();
            let panics: Vec<u32> = ending
                .iter()
                .filter_map(|outcome| match outcome {
                    Expected::Panic(ids) => Some(ids[0]),
                    _ => None,
                })
                .collect();
            let won = ending.contains(&&Expected::Ok);
            if !panics.is_empty() {
                if panics.len() > 1 || won {
                    self.ambiguous = true;
                }
                self.drops(&mut lives, at);
                let outcome = Expected::Panic(panics);
                return Sim {
                    trigger: outcome.clone(),
                    outcome,
                    end: Some(at),
                    lives,
                };
            }
            if won {
                let drops = self.drops(&mut lives, at);
                let outcome = if drops.is_empty() {
                    Expected::Ok
                } else {
                    Expected::Panic(drops)
                };
                return Sim {
                    trigger: Expected::Ok,
                    outcome,
                    end: Some(at),
                    lives,
                };
            }
        }
        let end = sims.iter().map(|sim| sim.end).collect::<Option<Vec<u64>>>();
        let outcome = Expected::Err(E::AllFailed(id));
        Sim {
            trigger: outcome.clone(),
            end: end.map(|ends| ends.into_iter().max().unwrap_or(start)),
            outcome,
            lives,
        }
    }

    /// When the body is done awaiting its kept handles (spawning ended at
    /// `now`): with `errors = all`, it is dropped when it awaits a failed
    /// task's handle.
    fn body_end(join: Join, kept: &[(Expected, Option<u64>)], now: u64) -> Option<u64> {
        if join == Join::Sequential {
            let mut t = now;
            for (outcome, end) in kept {
                t = t.max((*end)?);
                if *outcome != Expected::Ok {
                    return Some(t);
                }
            }
            return Some(t);
        }
        let failed = kept
            .iter()
            .filter(|(outcome, _)| *outcome != Expected::Ok)
            .filter_map(|(_, end)| *end)
            .min();
        let all = kept
            .iter()
            .map(|(_, end)| *end)
            .collect::<Option<Vec<u64>>>()
            .map(|ends| ends.into_iter().max().unwrap_or(now));
        match (failed, all) {
            (Some(failed), _) => Some(failed.max(now)),
            (None, all) => all.map(|all| all.max(now)),
        }
    }

    /// A scope opened at `start`: the body spawns the children in order
    /// (waiting for a slot under a limit, for `start!`'s signal), then
    /// awaits the kept handles; background children are cancelled when
    /// the body is done. The first failure (first-error) or a panic or
    /// the deadline ends it at that instant, aborting the rest; with
    /// `errors = all`, errors are collected in order.
    #[allow(clippy::too_many_lines)]
    fn scope(
        &mut self,
        spec: &Spec,
        start: u64,
        collect: bool,
        cancel_at: Option<u64>,
        grace: Option<u64>,
        root: bool,
    ) -> Sim {
        let deadline = spec.timeout.map(|t| start + t);
        let limit = spec.limit.unwrap_or(usize::MAX);
        let mut running: Vec<Running> = Vec::new();
        let mut lives: Vec<Life> = Vec::new();
        let mut kept: Vec<(Expected, Option<u64>)> = Vec::new();
        let mut errors = Vec::new();
        let mut next = 0;
        let mut now = start;
        let mut blocked: Option<Option<u64>> = None;
        let mut body_end: Option<Option<u64>> = cancel_at.map(Some);
        let mut body_done = false;
        let mut spawning = true;
        let mut waiting: Option<std::ops::Range<usize>> = None;
        let mut rounds = 0_u32;
        loop {
            // Every round reaches a later instant or ends a child: a
            // model that stops advancing is a bug of the model.
            rounds += 1;
            assert!(rounds < 1_000_000, "the model does not advance");
            // The body spawns what it can now.
            while spawning {
                if let Some(until) = blocked {
                    if until.is_some_and(|until| until <= now) {
                        blocked = None;
                    } else {
                        break;
                    }
                }
                if next == spec.children.len() || cancel_at.is_some_and(|at| now >= at) {
                    spawning = false;
                    if body_end.is_none() {
                        body_end = Some(Model::body_end(spec.join, &kept, now));
                    }
                    break;
                }
                let child = &spec.children[next];
                let background = matches!(child, Node::Task(task) if task.kind == Kind::Background);
                let slots = running.iter().filter(|child| !child.background).count();
                if !background && slots >= limit {
                    // The body built the child's future before waiting
                    // for a slot: its `Drop` runs if the body is dropped.
                    // (A pool, `id` 0, builds an item's future only when a
                    // worker takes it.)
                    if waiting.is_none() && spec.id != 0 {
                        let from = lives.len();
                        let tasks: Vec<&Task> = match child {
                            Node::Task(task) => vec![task],
                            Node::FirstOk { attempts, .. } => attempts.iter().collect(),
                            _ => Vec::new(),
                        };
                        // (An isolated leaf arms its `Drop` panic only
                        // once polled.)
                        for task in tasks
                            .into_iter()
                            .filter(|task| task.drop_panic && task.kind != Kind::Isolated)
                        {
                            lives.push(Life {
                                id: task.id,
                                start: now,
                                end: None,
                                gone: None,
                            });
                        }
                        waiting = Some(from..lives.len());
                    }
                    break;
                }
                if let Some(pending) = waiting.take() {
                    for life in &mut lives[pending] {
                        life.gone = Some(now);
                    }
                }
                let (mut sim, ready) = self.child(child, now);
                let keep = match child {
                    Node::Task(task) => task.keep,
                    Node::Pool { keep, .. }
                    | Node::FirstOk { keep, .. }
                    | Node::Scope { keep, .. } => *keep,
                    _ => false,
                };
                if keep {
                    kept.push((sim.outcome.clone(), sim.end));
                }
                let from = lives.len();
                lives.append(&mut sim.lives);
                running.push(Running {
                    outcome: sim.outcome,
                    end: sim.end,
                    background,
                    lives: from..lives.len(),
                });
                blocked = ready;
                next += 1;
            }
            if body_done && running.is_empty() {
                let outcome = if errors.is_empty() {
                    Expected::Ok
                } else {
                    Expected::Errors(errors)
                };
                return Sim {
                    trigger: outcome.clone(),
                    outcome,
                    end: Some(now),
                    lives,
                };
            }
            let body_at = if body_done { None } else { body_end.flatten() };
            let candidates = running
                .iter()
                .filter_map(|child| child.end)
                .chain(deadline)
                .chain(blocked.flatten())
                .chain(body_at);
            let Some(at) = candidates.min() else {
                // Hangs: with `errors = all`, what was collected so far is
                // what a drain returns.
                let outcome = if errors.is_empty() {
                    Expected::Ok
                } else {
                    Expected::Errors(errors)
                };
                return Sim {
                    trigger: Expected::Ok,
                    outcome,
                    end: None,
                    lives,
                };
            };
            now = at;
            let (ending, still): (Vec<_>, Vec<_>) =
                running.into_iter().partition(|child| child.end == Some(at));
            running = still;
            let failures: Vec<Expected> = ending
                .iter()
                .map(|child| child.outcome.clone())
                .filter(|outcome| *outcome != Expected::Ok)
                .collect();
            let deadline_now = deadline == Some(at);
            let body_now = body_at == Some(at);
            let backgrounds = running.iter().any(|child| child.background);
            if failures.len() > 1
                || (deadline_now && !ending.is_empty())
                || (body_now && ending.iter().any(|child| child.background))
                || (body_now && backgrounds && !failures.is_empty())
                || (body_now && deadline_now)
                || (cancel_at == Some(at) && !ending.is_empty())
            {
                self.ambiguous = true;
            }
            let restarted = running_restarted(spec);
            let abort = |model: &mut Model, trigger: Expected, lives: &mut Vec<Life>| {
                if let (Some(grace), false) = (grace, root) {
                    model.inexact = true;
                    model.slack += grace;
                    // A restarted leaf signalled in its pause ends at once:
                    // the scope may end before the model's instant.
                    model.early |= restarted;
                }
                let drops = model.drops(lives, at);
                let outcome = match &trigger {
                    Expected::Panic(_) => trigger.clone(),
                    _ if !drops.is_empty() => Expected::Panic(drops),
                    _ => trigger.clone(),
                };
                Sim {
                    outcome,
                    trigger,
                    end: Some(at),
                    lives: std::mem::take(lives),
                }
            };
            for failure in failures {
                match failure {
                    Expected::Panic(_) => return abort(self, failure, &mut lives),
                    Expected::Err(error) if collect => {
                        if root {
                            self.collected.push((at, error.clone()));
                        }
                        errors.push(error);
                    }
                    Expected::Err(_) => return abort(self, failure, &mut lives),
                    other => unreachable!("{other:?}"),
                }
            }
            if deadline_now {
                let trigger = if collect {
                    errors.push(E::Deadline(None));
                    Expected::Errors(errors)
                } else {
                    Expected::Err(E::Deadline(None))
                };
                return abort(self, trigger, &mut lives);
            }
            if body_now {
                body_done = true;
                spawning = false;
                // (A body cancelled while it waited for `start!`'s signal
                // waits no more.)
                blocked = None;
                if cancel_at == Some(at)
                    && (next < spec.children.len() || running.iter().any(|child| !child.background))
                {
                    // Children cancelled with a grace period: not exact.
                    self.inexact = true;
                    self.cancelled_running = true;
                }
                let (background, rest): (Vec<_>, Vec<_>) =
                    running.into_iter().partition(|child| child.background);
                running = rest;
                let mut drops = Vec::new();
                for child in background {
                    drops.extend(self.drops(&mut lives[child.lives], at));
                }
                if !drops.is_empty() {
                    return abort(self, Expected::Panic(drops), &mut lives);
                }
            }
        }
    }

    /// How the root ends if nothing stops it from outside, and when.
    fn natural(&mut self, case: &Case) -> Sim {
        let cancel_at = match case.stop {
            Stop::Cancel { at } => Some(at),
            _ => None,
        };
        let mut sim = self.scope(&case.root, 0, case.errors_all, cancel_at, case.grace, true);
        let id = case.root.id;
        for outcome in [&mut sim.outcome, &mut sim.trigger] {
            match outcome {
                Expected::Err(error) => *error = tag(error.clone(), id),
                Expected::Errors(errors) => {
                    for error in errors {
                        *error = tag(error.clone(), id);
                    }
                }
                _ => {}
            }
        }
        sim
    }
}

/// Whether `actual` is what the model expects (a panic: one of the ids).
fn agrees(expected: &Expected, actual: &Expected) -> bool {
    match (expected, actual) {
        (Expected::Panic(ids), Expected::Panic(got)) => got.len() == 1 && ids.contains(&got[0]),
        _ => expected == actual,
    }
}

/// Every id in each node's subtree (for the cause check).
fn subtrees(spec: &Spec, out: &mut BTreeMap<u32, HashSet<u32>>) -> HashSet<u32> {
    let mut all = HashSet::from([spec.id]);
    for child in &spec.children {
        let (id, ids) = match child {
            Node::Task(task) => (task.id, HashSet::from([task.id])),
            Node::Blocking(id) | Node::Start { id, .. } => (*id, HashSet::from([*id])),
            Node::Pool {
                id, items: tasks, ..
            }
            | Node::FirstOk {
                id,
                attempts: tasks,
                ..
            } => {
                let mut ids: HashSet<u32> = tasks.iter().map(|task| task.id).collect();
                ids.insert(*id);
                (*id, ids)
            }
            Node::Scope { spec, .. } | Node::BlockingScope(spec) => (spec.id, subtrees(spec, out)),
        };
        all.extend(ids.iter().copied());
        out.insert(id, ids);
    }
    out.insert(spec.id, all.clone());
    all
}

/// Leaves whose `Drop` panics when cancelled.
fn drop_panics(spec: &Spec) -> HashSet<u32> {
    let mut ids = HashSet::new();
    for child in &spec.children {
        match child {
            Node::Task(task) if task.drop_panic => {
                ids.insert(task.id);
            }
            Node::Pool { items: tasks, .. }
            | Node::FirstOk {
                attempts: tasks, ..
            } => {
                ids.extend(
                    tasks
                        .iter()
                        .filter(|task| task.drop_panic)
                        .map(|task| task.id),
                );
            }
            Node::Scope { spec, .. } | Node::BlockingScope(spec) => ids.extend(drop_panics(spec)),
            _ => {}
        }
    }
    ids
}

/// Scopes with `errors = all` (only the root can be).
fn collect_scopes(case: &Case) -> HashSet<u32> {
    if case.errors_all {
        HashSet::from([case.root.id])
    } else {
        HashSet::new()
    }
}

// ---------------------------------------------------------------------------
// One case.

/// Paused time: a bound no case reaches unless it hangs for good.
const BOUND_MS: u64 = 1_000_000_000;
/// Multi-thread: a real-time bound, only a hang detector.
const HANG: Duration = Duration::from_secs(10);
/// Multi-thread: a case without a stop is dropped after this many µs.
const MT_DROP: u64 = 12_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Variant {
    Paused,
    MultiThread,
}

#[derive(Default)]
struct Totals {
    cases: usize,
    kinds: BTreeMap<&'static str, usize>,
    faults: usize,
    graced: usize,
    ambiguous: usize,
    inexact: usize,
    drains: usize,
    outcomes: BTreeMap<&'static str, usize>,
    leaks: usize,
}

impl Totals {
    fn count(&mut self, spec: &Spec) {
        *self.kinds.entry("scope").or_default() += 1;
        *self.kinds.entry("scope with grace").or_default() += usize::from(spec.grace.is_some());
        for child in &spec.children {
            let (kind, n) = match child {
                Node::Task(task) => (
                    match task.kind {
                        Kind::Spawn => "spawn!",
                        Kind::Scoped => "spawn_scoped!",
                        Kind::Background => "spawn_background!",
                        Kind::Isolated => "spawn!(isolated)",
                        Kind::Restarted { .. } => "spawn!(restart)",
                    },
                    1,
                ),
                Node::Blocking(_) => ("spawn_blocking!", 1),
                Node::BlockingScope(spec) => {
                    self.count(spec);
                    ("spawn_blocking! + block_on(scope)", 1)
                }
                Node::Start { .. } => ("start!", 1),
                Node::Pool { items, .. } => ("pool::try_map item", items.len()),
                Node::FirstOk { attempts, .. } => ("first_ok attempt", attempts.len()),
                Node::Scope { spec, .. } => {
                    self.count(spec);
                    continue;
                }
            };
            *self.kinds.entry(kind).or_default() += n;
        }
    }

    fn print(&self, variant: Variant) {
        let checked = match variant {
            Variant::Paused => format!(
                "outcome and instant against the model, except {} ambiguous (two events on one \
                 millisecond: invariants only) and {} inexact (outcome class and bounds)",
                self.ambiguous, self.inexact
            ),
            Variant::MultiThread => "invariants only (real time)".to_owned(),
        };
        eprintln!(
            "random trees ({variant:?}): {} cases ({} with a root grace, {} drains; {checked}), {} \
             faults injected (errors, panics, Drop and From panics); outcomes {:?}; leaks found: \
             {}\n  per kind: {:?}",
            self.cases,
            self.graced,
            self.drains,
            self.faults,
            self.outcomes,
            self.leaks,
            self.kinds,
        );
    }
}

struct Observed {
    actual: Expected,
    /// `Shutdown` said `Drained`.
    drained: bool,
    /// A panic resumed with a payload that is no leaf's.
    foreign: Option<String>,
    took: u64,
    left_running: usize,
    still_live: usize,
    alive_tasks: usize,
}

/// Runs the root as the case says and waits for its leaves to stop.
async fn drive(
    case: &Case,
    ctx: &Ctx,
    variant: Variant,
) -> (Expected, bool, Option<String>, u64, usize) {
    let start = Instant::now();
    let unit = ctx.unit;
    let at = |units: u64| start + unit * units as u32;
    let cancel_at = match case.stop {
        Stop::Cancel { at: when } => Some(at(when)),
        _ => None,
    };
    let root: Pin<Box<dyn Future<Output = Expected>>> = if case.errors_all {
        let run = run_root_all(case.root.clone(), case.grace, ctx.clone());
        Box::pin(async move {
            match run.await {
                Ok(()) => Expected::Ok,
                Err(errors) => Expected::Errors(errors),
            }
        })
    } else {
        let run = run_scope_root(case.root.clone(), case.grace, cancel_at, ctx.clone());
        Box::pin(async move {
            match run.await {
                Ok(()) => Expected::Ok,
                Err(error) => Expected::Err(error),
            }
        })
    };
    let mut foreign = None;
    let mut caught = |result: Result<Expected, Box<dyn std::any::Any + Send>>| match result {
        Ok(outcome) => outcome,
        Err(payload) => match payload_id(&*payload) {
            Some(id) => Expected::Panic(vec![id]),
            None => {
                foreign = Some(panic_message(&*payload).unwrap_or("?").to_owned());
                Expected::Panic(Vec::new())
            }
        },
    };
    let mut drained = false;
    let mut hang = false;
    let mut dropped_panic = None;
    let stop = match (&case.stop, variant) {
        (Stop::None, Variant::MultiThread) => Stop::DropAt(MT_DROP),
        (Stop::None, Variant::Paused) => Stop::DropAt(BOUND_MS),
        (stop, _) => stop.clone(),
    };
    let work = async {
        match stop {
            Stop::None | Stop::Cancel { .. } => caught(catch_unwind(root).await),
            Stop::DropAt(when) => {
                let mut root = Box::pin(catch_unwind(root));
                match tokio::time::timeout_at(at(when), &mut root).await {
                    Ok(result) => caught(result),
                    Err(_elapsed) => {
                        // A panic of a `Drop` of a scoped child raised by
                        // dropping the root comes out of the drop.
                        if let Err(payload) =
                            std::panic::catch_unwind(AssertUnwindSafe(|| drop(root)))
                        {
                            dropped_panic = Some(caught(Err(payload)));
                        }
                        Expected::Dropped
                    }
                }
            }
            Stop::Shutdown { at: when, drain } => {
                let shutdown = Shutdown::new(unit * drain as u32).without_signals();
                let trigger = shutdown.trigger();
                let run = catch_unwind(shutdown.run(root));
                let fire = async {
                    sleep_until(at(when)).await;
                    trigger.shutdown();
                    std::future::pending::<()>().await;
                };
                let outcome = tokio::select! {
                    biased;
                    outcome = run => outcome,
                    () = fire => unreachable!(),
                };
                match outcome {
                    Ok(Outcome::Finished(outcome)) => outcome,
                    Ok(Outcome::Drained { value, .. }) => {
                        drained = true;
                        value
                    }
                    Ok(Outcome::Aborted { .. }) => Expected::Aborted,
                    Err(payload) => caught(Err(payload)),
                }
            }
        }
    };
    let actual = match variant {
        Variant::Paused => work.await,
        Variant::MultiThread => {
            let mut work = Box::pin(work);
            match tokio::time::timeout(HANG, &mut work).await {
                Ok(actual) => actual,
                Err(_) => {
                    if std::env::var_os("DUMP").is_some() {
                        eprintln!("HANG DUMP: {}", taskgroup::dump());
                    }
                    let _ = std::panic::catch_unwind(AssertUnwindSafe(|| drop(work)));
                    hang = true;
                    Expected::Dropped
                }
            }
        }
    };
    if hang {
        foreign = Some(format!("hang: the root did not return within {HANG:?}"));
    }
    if let Some(Expected::Panic(ids)) = dropped_panic {
        if ids.is_empty() {
            foreign = foreign.or(Some(
                "a panic that is no leaf's, out of the root's drop".to_owned(),
            ));
        }
    }
    let took = (start.elapsed().as_micros() / unit.as_micros()) as u64;
    // Live at the instant the root returned (0 unless it was dropped).
    let left_running = ctx.tracker.live();
    // A dropped root's leaves stop at their next poll.
    match variant {
        Variant::Paused => {
            // (Also the tasks' own bookkeeping, which ends just after their
            // futures are dropped.)
            let metrics = tokio::runtime::Handle::current().metrics();
            for _ in 0..10_000 {
                if ctx.tracker.live() == 0 && metrics.num_alive_tasks() == 0 {
                    break;
                }
                tokio::task::yield_now().await;
            }
        }
        Variant::MultiThread => {
            let _ = tokio::time::timeout(HANG, ctx.tracker.wait_idle()).await;
        }
    }
    (actual, drained, foreign, took, left_running)
}

fn run_case(case: &Case, variant: Variant, totals: &mut Totals) -> Result<(), TestCaseError> {
    if variant == Variant::MultiThread {
        taskgroup::enable_dump();
    }
    let (runtime, ctx) = match variant {
        Variant::Paused => (
            tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .start_paused(true)
                .build()
                .unwrap(),
            Ctx::new(Duration::from_millis(1)),
        ),
        Variant::MultiThread => (
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_stack_size(STACK)
                .enable_time()
                .build()
                .unwrap(),
            Ctx::new(Duration::from_micros(1)),
        ),
    };
    let (actual, drained, foreign, took, left_running) =
        runtime.block_on(drive(case, &ctx, variant));
    let metrics = runtime.metrics();
    let alive_tasks = match variant {
        Variant::Paused => metrics.num_alive_tasks(),
        Variant::MultiThread => {
            // Hang detector only: a task's count drops just after its future.
            let since = std::time::Instant::now();
            while metrics.num_alive_tasks() > 0 && since.elapsed() < HANG {
                std::thread::yield_now();
            }
            metrics.num_alive_tasks()
        }
    };
    let observed = Observed {
        actual,
        drained,
        foreign,
        took,
        left_running,
        still_live: ctx.tracker.live(),
        alive_tasks,
    };
    drop(runtime);

    totals.cases += 1;
    totals.count(&case.root);
    totals.graced += usize::from(case.grace.is_some());
    totals.drains += usize::from(matches!(
        case.stop,
        Stop::Shutdown { .. } | Stop::Cancel { .. }
    ));
    totals.faults += ctx.faults.load(SeqCst);
    let class = match observed.actual {
        Expected::Ok => "ok",
        Expected::Err(_) | Expected::Errors(_) => "errors",
        Expected::Panic(_) => "panics resumed",
        Expected::Dropped => "roots dropped",
        Expected::Aborted => "drains aborted",
    };
    *totals.outcomes.entry(class).or_default() += 1;
    *totals.outcomes.entry("drained").or_default() += usize::from(drained);
    totals.leaks += usize::from(observed.still_live != 0 || observed.alive_tasks != 0);

    check_invariants(case, &ctx, &observed)?;
    if variant == Variant::Paused {
        check_model(case, &observed, totals)?;
    }
    Ok(())
}

/// What holds whatever the instants: no panic that is no leaf's, no leak,
/// no lost panic, the first failure seen by siblings is the one returned.
fn check_invariants(case: &Case, ctx: &Ctx, seen: &Observed) -> Result<(), TestCaseError> {
    if let Some(message) = &seen.foreign {
        prop_assert!(false, "a panic that is no leaf's (or a hang): {message}");
    }
    let stopped_from_outside = matches!(seen.actual, Expected::Dropped | Expected::Aborted);
    if !stopped_from_outside {
        prop_assert_eq!(seen.left_running, 0, "a leaf outlived the root scope");
    }
    prop_assert_eq!(seen.still_live, 0, "a leaf never stopped");
    prop_assert_eq!(
        seen.alive_tasks,
        0,
        "tokio tasks still alive after the case"
    );
    let panicked = ctx.panicked.lock().unwrap().clone();
    let restarted = ctx.restarted_panicked.lock().unwrap().clone();
    match &seen.actual {
        Expected::Panic(ids) => prop_assert!(
            panicked.contains(&ids[0]) || restarted.contains(&ids[0]),
            "resumed {ids:?}, panicked {panicked:?}, restarted leaves that panicked {restarted:?}"
        ),
        _ if stopped_from_outside => {}
        other => prop_assert!(
            panicked.is_empty(),
            "a panic was lost: {panicked:?}, the root returned {other:?}"
        ),
    }
    // An isolated leaf's panic: taken from its handle, or counted (the
    // counter is process-wide: it may have grown more).
    let (isolated, taken) = (
        ctx.isolated_panics.load(SeqCst) as u64,
        ctx.isolated_taken.load(SeqCst) as u64,
    );
    let counted = taskgroup::unobserved_panics() - ctx.unobserved_before;
    prop_assert!(
        counted >= isolated - taken,
        "isolated panics lost: {isolated} panicked, {taken} taken, {counted} counted"
    );
    check_causes(case, ctx)
}

/// Rule 2: `cause()` seen by a cancelled leaf names the scope's first
/// failure; the scope returns that error (or resumes a panic).
fn check_causes(case: &Case, ctx: &Ctx) -> Result<(), TestCaseError> {
    let mut subtree = BTreeMap::new();
    subtrees(&case.root, &mut subtree);
    let collect = collect_scopes(case);
    let results = ctx.results.lock().unwrap().clone();
    let causes = ctx.causes.lock().unwrap().clone();
    // The task a cause names: a child ("n<id>"), or, unnamed and spawned
    // at a `scope!` of this file, the body of the scope whose children saw
    // it (a leaf's future the body held, e.g. waiting for a `limit` slot,
    // panicked in `Drop`: that is the body's panic).
    let named = |task: &taskgroup::TaskInfo, scope: u32| -> u32 {
        match task.name() {
            Some(name) => name
                .strip_prefix('n')
                .and_then(|id| id.parse().ok())
                .unwrap_or(0),
            None if task.location().file() == file!() => scope,
            None => 0,
        }
    };
    let within = |id: u32, task: u32| subtree.get(&task).is_some_and(|ids| ids.contains(&id));
    let origin = |error: &E| match error {
        E::Task(id) | E::AllFailed(id) | E::Deadline(Some(id)) => *id,
        E::Deadline(None) => 0,
    };
    for (scope, cause) in &causes {
        let Some(result) = results.get(scope) else {
            continue;
        };
        match cause {
            Cause::TaskFailed(task) => {
                let task = named(task, *scope);
                prop_assert!(
                    !collect.contains(scope),
                    "errors = all, scope {}: an error cancelled the siblings ({})",
                    scope,
                    cause
                );
                match result {
                    Expected::Err(error) => prop_assert!(
                        within(origin(error), task),
                        "scope {} returned {:?}, its cancelled children saw the first failure in n{}",
                        scope,
                        error,
                        task
                    ),
                    Expected::Panic(_) => {}
                    other => prop_assert!(false, "scope {scope} returned {other:?}, its children saw {cause}"),
                }
            }
            Cause::TaskPanicked { task, .. } => {
                let task = named(task, *scope);
                match result {
                    Expected::Panic(ids) if ids.is_empty() => {}
                    Expected::Panic(ids) => prop_assert!(
                        within(ids[0], task),
                        "scope {} resumed the panic of {}, its cancelled children saw the first failure in n{} ({})",
                        scope,
                        ids[0],
                        task,
                        cause
                    ),
                    other => prop_assert!(false, "scope {scope} returned {other:?}, its children saw {cause}"),
                }
            }
            Cause::DeadlineExceeded { .. } => {
                let deadline = E::Deadline(Some(*scope));
                match result {
                    Expected::Err(error) if *error == deadline => {}
                    // `errors = all`: the deadline is one failure among
                    // the collected ones; errors returned during the grace
                    // period after it are collected too, in order.
                    Expected::Errors(errors) if errors.contains(&deadline) => {}
                    Expected::Panic(_) => {}
                    other => prop_assert!(
                        false,
                        "scope {scope} returned {other:?}, its children saw {cause}"
                    ),
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Paused time: the model's outcome and instant where the semantics are
/// exact; the outcome class where a feature makes the instant inexact.
fn check_model(case: &Case, seen: &Observed, totals: &mut Totals) -> Result<(), TestCaseError> {
    let mut model = Model::default();
    let sim = model.natural(case);
    let (natural, end) = (sim.outcome.clone(), sim.end);
    let (actual, took) = (&seen.actual, seen.took);
    if model.ambiguous {
        totals.ambiguous += 1;
        return Ok(());
    }
    let drop_at = match case.stop {
        Stop::DropAt(at) => at,
        _ => BOUND_MS,
    };
    if let Stop::Shutdown { at, drain } = case.stop {
        if check_drain(case, &model, &sim, seen, at, drain, totals)? {
            return Ok(());
        }
    }
    if model.inexact {
        totals.inexact += 1;
        if let (Stop::Cancel { at }, Some(grace)) = (&case.stop, case.grace) {
            if model.cancelled_running {
                // cancel!() with children running: not a failure; they run on
                // for up to the grace period, then are aborted.
                prop_assert!(
                    matches!(actual, Expected::Ok | Expected::Panic(_)),
                    "after cancel!(): {actual:?}"
                );
                prop_assert!(
                    (*at..=at + grace).contains(&took),
                    "returned at {took} ms, cancel!() at {at} ms, grace {grace} ms"
                );
                return Ok(());
            }
        }
        if *actual == Expected::Dropped {
            prop_assert_eq!(took, drop_at);
            return Ok(());
        }
        if matches!(case.stop, Stop::Cancel { .. })
            && matches!(actual, Expected::Ok | Expected::Panic(_))
        {
            // A nested scope's failure delayed by its grace past the
            // root's cancel!(): dropped (rule 3).
            return Ok(());
        }
        prop_assert!(took <= drop_at);
        let root_deadline = E::Deadline(Some(case.root.id));
        let deadline_hit = match actual {
            Expected::Err(error) => *error == root_deadline,
            Expected::Errors(errors) => errors.contains(&root_deadline),
            _ => false,
        };
        if model.slack > 0 && deadline_hit {
            // A nested scope's grace, not simulated, delayed what followed
            // it (a sequential body, a limit) past the root's deadline.
            return Ok(());
        }
        return check_class(case, &natural, actual);
    }
    if let Some(grace) = case.grace {
        return check_grace(&sim, grace, drop_at, actual, took);
    }
    match end {
        Some(end) if end < drop_at => {
            prop_assert!(
                agrees(&natural, actual),
                "outcome: model {natural:?}, got {actual:?}"
            );
            prop_assert_eq!(took, end, "instant of the outcome (ms)");
        }
        Some(end) if end == drop_at => totals.ambiguous += 1,
        _ => {
            prop_assert_eq!(
                actual,
                &Expected::Dropped,
                "model: dropped at {} ms",
                drop_at
            );
            prop_assert_eq!(took, drop_at);
        }
    }
    Ok(())
}

/// A `Shutdown` triggered at `at`, drain time `drain`. The trigger settles
/// the root: what reaches it after `at` (a child's error) is dropped; its
/// nested scopes keep their semantics; what outlives `at + drain` is
/// aborted. A nested scope's used `grace` (`model.slack`) may carry its
/// end past the trigger: then only the classes are checked.
fn check_drain(
    case: &Case,
    model: &Model,
    sim: &Sim,
    seen: &Observed,
    at: u64,
    drain: u64,
    totals: &mut Totals,
) -> Result<bool, TestCaseError> {
    let (natural, end) = (&sim.outcome, sim.end);
    let (actual, took) = (&seen.actual, seen.took);
    let failed = !matches!(sim.trigger, Expected::Ok);
    let drop_panics_only = matches!(natural, Expected::Panic(ids)
        if !ids.is_empty() && ids.iter().all(|id| drop_panics(&case.root).contains(id)));
    if model.slack > 0 && drop_panics_only {
        // A nested scope's grace may let finish the leaves whose `Drop`
        // panics the model predicts: then the root runs on, past the
        // trigger. Its end is not modelled; invariants only.
        totals.inexact += 1;
        prop_assert!(took <= at + drain, "returned at {took} ms, after the drain");
        return Ok(true);
    }
    if let (Some(grace), Some(f), true) = (case.grace, end, failed) {
        // (A nested scope's grace used may delay the root's failure.)
        if at <= f + model.slack + grace {
            // The trigger may fall in the root's grace period: which
            // ends first is not modelled; invariants only.
            totals.inexact += 1;
            return Ok(true);
        }
    }
    if model.collected.iter().any(|(t, _)| *t == at) || end == Some(at) {
        totals.ambiguous += 1;
        return Ok(true);
    }
    let late = end.map(|end| end + model.slack);
    if let (Some(end), Some(late)) = (end, late) {
        if late < at {
            prop_assert!(
                !seen.drained,
                "drained, but the service returned before the trigger"
            );
            return Ok(false);
        }
        if end < at && took < at {
            // A nested scope's grace, yet the root returned before the
            // trigger: as modelled, within the slack.
            totals.inexact += 1;
            let earliest = if model.early { 0 } else { end };
            prop_assert!(
                (earliest..=late).contains(&took),
                "returned at {took} ms, model {end} ms + slack {} ms",
                model.slack
            );
            check_class(case, natural, actual)?;
            return Ok(true);
        }
    }
    // A drain from `at`: leaves ignore the signal and finish; what
    // outlives `at + drain` is aborted.
    totals.inexact += 1;
    if *actual == Expected::Aborted {
        prop_assert_eq!(took, at + drain, "aborted, not at the end of the drain");
        return Ok(true);
    }
    // (A panic is resumed through `Shutdown::run`.)
    prop_assert!(
        seen.drained || matches!(actual, Expected::Panic(_)),
        "{:?} without a drain, triggered at {} ms",
        actual,
        at
    );
    if matches!(actual, Expected::Panic(_)) && model.slack > 0 {
        // A nested scope's grace period is not simulated: a child of that
        // scope may panic during it, before the trigger; the panic is
        // resumed at once (never later than the drain's end).
        prop_assert!(took <= at + drain, "panicked at {took} ms, after the drain");
        return Ok(true);
    }
    prop_assert!(
        (at..=at + drain).contains(&took),
        "drained at {took} ms, trigger {at} ms, drain {drain} ms"
    );
    if matches!(actual, Expected::Panic(_)) {
        return Ok(true);
    }
    // The trigger only signals the root (nested in the service's scope):
    // it keeps its semantics, but no child starts after the trigger, so a
    // later failure may not happen. What reached it before the trigger is
    // in its value.
    let before: Vec<E> = model
        .collected
        .iter()
        .filter(|(t, _)| *t < at)
        .map(|(_, error)| tag(error.clone(), case.root.id))
        .collect();
    match (natural, actual) {
        (_, Expected::Errors(errors)) if case.errors_all => prop_assert!(
            model.slack > 0 || errors.starts_with(&before),
            "drained {errors:?}, collected before the trigger {before:?}"
        ),
        (_, Expected::Ok) => prop_assert!(
            model.slack > 0 || before.is_empty(),
            "drained Ok, collected before the trigger {before:?}"
        ),
        (Expected::Ok, other) => prop_assert!(false, "{other:?}, but no failure in the tree"),
        (_, Expected::Err(_)) if !case.errors_all => {}
        (natural, actual) => prop_assert!(false, "drained {actual:?}, model {natural:?}"),
    }
    Ok(true)
}

/// The outcome class where the instant is inexact.
fn check_class(case: &Case, natural: &Expected, actual: &Expected) -> Result<(), TestCaseError> {
    match (natural, actual) {
        (Expected::Ok, Expected::Ok | Expected::Panic(_))
        | (Expected::Err(_), Expected::Err(_) | Expected::Panic(_))
        | (Expected::Errors(_), Expected::Errors(_) | Expected::Panic(_))
        | (Expected::Panic(_), Expected::Panic(_)) => {}
        // A grace period let a leaf finish that the model aborted.
        (Expected::Panic(ids), Expected::Err(_) | Expected::Errors(_))
            if ids.iter().all(|id| drop_panics(&case.root).contains(id)) => {}
        (natural, actual) => {
            prop_assert!(false, "outcome class: model {natural:?}, got {actual:?}")
        }
    }
    Ok(())
}

/// With a `grace` on the root, the model gives the first failure and its
/// instant `f` (nothing differs before it); after it, children run on for
/// up to `grace`: the root returns in `[f, f + grace]`, with the first
/// failure, or with a panic raised during the clean-up (a panic is never
/// lost). Without a failure, grace changes nothing.
fn check_grace(
    sim: &Sim,
    grace: u64,
    drop_at: u64,
    actual: &Expected,
    took: u64,
) -> Result<(), TestCaseError> {
    let Some(f) = sim.end.filter(|f| *f < drop_at) else {
        prop_assert_eq!(actual, &Expected::Dropped);
        prop_assert_eq!(took, drop_at);
        return Ok(());
    };
    let signalled = match &sim.trigger {
        Expected::Ok => false,
        Expected::Errors(errors) => matches!(errors.last(), Some(E::Deadline(_))),
        _ => true,
    };
    if !signalled {
        prop_assert!(
            agrees(&sim.outcome, actual),
            "outcome without a failure: model {:?}, got {:?}",
            sim.outcome,
            actual
        );
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
    match (&sim.trigger, actual) {
        (Expected::Panic(first), Expected::Panic(_)) => {
            prop_assert!(
                agrees(&Expected::Panic(first.clone()), actual),
                "the first panic is the one resumed: {first:?}, got {actual:?}"
            );
        }
        (_, Expected::Panic(_)) => {}
        (Expected::Err(first), Expected::Err(got)) => prop_assert_eq!(got, first),
        (Expected::Errors(_), Expected::Errors(_)) => {}
        (natural, actual) => prop_assert!(false, "model {natural:?}, got {actual:?}"),
    }
    Ok(())
}

fn config(default_cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|cases| cases.parse().ok())
            .unwrap_or(default_cases),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Stack of the threads that poll a tree: five nested scopes, each a few
/// boxed futures deep, overflow the default 2 MiB in debug builds.
const STACK: usize = 32 << 20;

fn run_variant(variant: Variant, default_cases: u32) {
    let run = move || {
        let totals = Arc::new(Mutex::new(Totals::default()));
        let seen = totals.clone();
        let strategy = case(variant == Variant::MultiThread);
        proptest!(config(default_cases), |(case in strategy)| {
            run_case(&case, variant, &mut seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner))?;
        });
        totals.lock().unwrap().print(variant);
    };
    let thread = std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(run)
        .unwrap();
    if let Err(payload) = thread.join() {
        std::panic::resume_unwind(payload);
    }
}

/// Paused time: exact outcome and instant against the model.
#[test]
fn random_trees_keep_every_guarantee() {
    run_variant(Variant::Paused, 400);
}

/// Two worker threads, real time: the invariants only.
#[test]
fn random_trees_on_threads_keep_the_invariants() {
    run_variant(Variant::MultiThread, 200);
}

// Its deterministic reproducers (a scope nested in a `spawn_scoped!`
// child cancelled with its parent; a scoped child never polled after its
// scope aborts, with the `spawn!` reference) live in tests/scoped_abort.rs.
