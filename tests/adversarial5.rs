//! Fifth adversarial review: ordered stops (stop = reverse) and cancel() combined with the rest.
//!
//! Each test asserts the promised behaviour (README, docs/supervision.md
//! "Stopping in reverse start order" and "Cancelling one child",
//! docs/semantics.md). 26 held when written and stay as guards; 16 broke:
//! 14 were fixed, one (a background child's place in the order) was
//! decided for rule 8 and its test states that, and one (minor: the dump
//! shows a stopping ordered scope's children all as `cancelling`) is still
//! marked `#[ignore = "FOUND: …"]`. Synchronisation is by paused time, `Notify` and channels;
//! real-time bounds are hang detectors only (the one exception, a bounded
//! `recv_timeout` standing for "this never happens", says so).

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::future::{poll_fn, Future};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::mpsc as std_mpsc;
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::time::Duration;

use common::{forever, panic_message, SpinBarrier, Tracker, HANG, REAL_HANG};
use futures_util::future::join_all;
use taskgroup::shutdown::{Outcome, Shutdown};
use taskgroup::{scope, Backoff, Cause, Elapsed, Errors, Exit, Restart};
use tokio::sync::{oneshot, Notify};
use tokio::time::{sleep, Instant};

const MS: Duration = Duration::from_millis(1);

/// `unobserved_panics()` is process-wide: every test of this file that may
/// move it takes its turn.
static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

// ---------------------------------------------------------------------------
// Memory accounting, per thread: bytes allocated minus bytes freed by the
// current thread. On a current-thread runtime every task runs on the test's
// thread, so this is what the test's scopes hold.

struct PerThread;

thread_local! {
    static NET: Cell<isize> = const { Cell::new(0) };
}

fn account(delta: isize) {
    let _ = NET.try_with(|net| net.set(net.get() + delta));
}

fn net_bytes() -> isize {
    NET.with(Cell::get)
}

unsafe impl GlobalAlloc for PerThread {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            account(layout.size() as isize);
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            account(layout.size() as isize);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        account(-(layout.size() as isize));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            account(new_size as isize - layout.size() as isize);
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: PerThread = PerThread;

// ---------------------------------------------------------------------------
// Helpers.

/// Counts calls.
#[derive(Clone, Default)]
struct Count(Arc<AtomicUsize>);

impl Count {
    fn bump(&self) -> usize {
        self.0.fetch_add(1, SeqCst) + 1
    }
    fn get(&self) -> usize {
        self.0.load(SeqCst)
    }
}

/// A log of what happened when (milliseconds since the log was made).
#[derive(Clone)]
struct Log {
    entries: Arc<Mutex<Vec<(String, u128)>>>,
    origin: Instant,
    changed: Arc<Notify>,
}

impl Log {
    fn new() -> Self {
        Log {
            entries: Arc::default(),
            origin: Instant::now(),
            changed: Arc::default(),
        }
    }

    fn push(&self, what: impl Into<String>) {
        let at = self.origin.elapsed().as_millis();
        self.entries.lock().unwrap().push((what.into(), at));
        self.changed.notify_waiters();
    }

    fn entries(&self) -> Vec<(String, u128)> {
        self.entries.lock().unwrap().clone()
    }

    fn names(&self) -> Vec<String> {
        self.entries().into_iter().map(|(what, _)| what).collect()
    }

    fn has(&self, what: &str) -> bool {
        self.entries().iter().any(|(entry, _)| entry == what)
    }

    /// Logs "`name` gone" when dropped.
    fn gone(&self, name: &'static str) -> Gone {
        Gone(name, self.clone())
    }

    /// Waits (woken by each entry) until `what` is logged.
    async fn wait_for(&self, what: &str) {
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if self.has(what) {
                return;
            }
            changed.await;
        }
    }
}

struct Gone(&'static str, Log);

impl Drop for Gone {
    fn drop(&mut self) {
        self.1.push(format!("{} gone", self.0));
    }
}

fn expect(entries: &[(&str, u128)]) -> Vec<(String, u128)> {
    entries
        .iter()
        .map(|(what, at)| ((*what).to_owned(), *at))
        .collect()
}

/// A subsystem: runs until told to stop, then takes `cleanup` to stop;
/// logs "stopping" and "gone".
fn subsystem(
    name: &'static str,
    cleanup: Duration,
    log: &Log,
) -> impl Future<Output = ()> + Send + 'static {
    let log = log.clone();
    async move {
        let _gone = log.gone(name);
        taskgroup::cancelled().await;
        log.push(format!("{name} stopping"));
        sleep(cleanup).await;
    }
}

/// The same, returning `Err(name)` once its clean-up is done.
fn failing_subsystem(
    name: &'static str,
    cleanup: Duration,
    log: &Log,
) -> impl Future<Output = Result<(), &'static str>> + Send + 'static {
    let log = log.clone();
    async move {
        let _gone = log.gone(name);
        taskgroup::cancelled().await;
        log.push(format!("{name} stopping"));
        sleep(cleanup).await;
        Err(name)
    }
}

/// Panics with its message when dropped (not while already unwinding).
struct PanicOnDrop(&'static str);

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            panic!("{}", self.0);
        }
    }
}

/// Polls `future` once (it opens its scope and spawns), then leaks it.
async fn poll_once_then_forget<F: Future>(future: F) {
    let mut future = Box::pin(future);
    poll_fn(|cx| {
        assert!(future.as_mut().poll(cx).is_pending());
        Poll::Ready(())
    })
    .await;
    std::mem::forget(future);
}

// ===========================================================================
// cancel() in an ordered scope: cooperative, and "not a failure".

/// `handle.cancel()` in a `stop = reverse` scope with a grace is a signal:
/// the child stops on its own and, as children that are asked to stop do,
/// returns an `Err` from its clean-up. The docs: cancelling one child "is
/// not a failure: the scope and the other children go on".
#[taskgroup::test(start_paused = true)]
async fn an_err_returned_after_cancel_in_an_ordered_scope_is_not_a_failure() {
    let result: Result<(u32, bool), &str> = scope!(stop = reverse, grace = 100 * MS; {
        let worker = spawn!(name = "worker", async {
            taskgroup::cancelled().await;
            sleep(5 * MS).await;
            Err::<(), &str>("interrupted")
        });
        let other = spawn!(async {
            sleep(50 * MS).await;
            (7u32, taskgroup::is_cancelled())
        });
        sleep(10 * MS).await;
        worker.cancel();
        Ok(other.await)
    });
    assert_eq!(result, Ok((7, false)), "the scope and the sibling go on");
}

/// The same under `errors = all`: the cancelled child's `Err` is not one
/// of the scope's errors.
#[taskgroup::test(start_paused = true)]
async fn an_err_returned_after_cancel_is_not_collected_under_errors_all() {
    let result: Result<(), Errors<&str>> = scope!(stop = reverse, grace = 100 * MS, errors = all; {
        let worker = spawn!(async {
            taskgroup::cancelled().await;
            Err::<(), &str>("interrupted")
        });
        sleep(10 * MS).await;
        worker.cancel();
        sleep(10 * MS).await;
        Ok(())
    });
    assert!(
        result.is_ok(),
        "{:?}",
        result.map_err(|errors| errors.into_errors())
    );
}

/// A restarted child cancelled through its handle: its attempt ends with
/// `Err` when signalled; the loop stops (the child is cancelled), and that
/// is not a failure of the scope either.
#[taskgroup::test(start_paused = true)]
async fn cancelling_a_restarted_child_in_an_ordered_scope_is_not_a_failure() {
    let starts = Count::default();
    let counted = starts.clone();
    let result: Result<(), &str> = scope!(stop = reverse, grace = 100 * MS; {
        let supervised = spawn!(
            restart = Restart::on_failure().backoff(Backoff::none()),
            move || {
                counted.bump();
                async {
                    taskgroup::cancelled().await;
                    Err::<(), &str>("stopped")
                }
            }
        );
        sleep(10 * MS).await;
        supervised.cancel();
        sleep(10 * MS).await;
        Ok(())
    });
    assert_eq!(result, Ok(()));
    assert_eq!(starts.get(), 1);
}

/// `cancel()` right after `spawn!`, before the child's first poll: in an
/// ordered scope with a grace it must still be a signal followed by the
/// abort after the grace, so the child's clean-up runs.
#[taskgroup::test(start_paused = true)]
async fn cancel_before_the_first_poll_in_an_ordered_scope_still_gives_the_grace() {
    let log = Log::new();
    let logged = log.clone();
    let result: Result<(), &str> = scope!(stop = reverse, grace = 100 * MS; {
        let worker = spawn!(async move {
            let _gone = logged.gone("worker");
            taskgroup::cancelled().await;
            sleep(20 * MS).await;
            logged.push("worker cleaned up");
        });
        worker.cancel(); // not polled yet
        Ok(())
    });
    assert_eq!(result, Ok(()));
    assert_eq!(
        log.entries(),
        expect(&[("worker cleaned up", 20), ("worker gone", 20)])
    );
}

/// `cancel()` in an ordered scope whose own grace period is over (it is
/// aborting its children one at a time, held by a blocking closure that
/// has not returned): the docs say the child is "aborted when the scope's
/// grace is over", and "when the grace period is over, the children left
/// are aborted"; it gets another full grace instead.
#[tokio::test(start_paused = true)]
async fn cancel_after_the_ordered_scopes_grace_aborts_at_once() {
    let log = Log::new();
    let (started, is_started) = oneshot::channel();
    let (release, released) = std_mpsc::channel::<()>();
    let (a_log, gone_before_release) = (log.clone(), Arc::new(AtomicBool::new(false)));
    let seen = gone_before_release.clone();
    let result: Result<(), &str> = tokio::time::timeout(HANG, async {
        scope!(stop = reverse, grace = 50 * MS; {
            let first = spawn!(isolated, async move {
                let _gone = a_log.gone("first");
                forever::<()>().await // ignores its signal
            });
            spawn_blocking!(move || {
                started.send(()).unwrap();
                released.recv().unwrap(); // holds its turn until released
            });
            spawn!(forever::<()>()); // last: ignores its signal
            is_started.await.unwrap();
            // A blocking closure runs: paused time only moves when told.
            cancel!();
            tokio::time::advance(50 * MS).await; // the grace is over
            tokio::time::advance(10 * MS).await;
            first.cancel();
            for _ in 0..20 {
                tokio::task::yield_now().await;
            }
            seen.store(log.has("first gone"), SeqCst);
            release.send(()).unwrap();
            Ok(())
        })
    })
    .await
    .expect("no hang");
    assert_eq!(result, Ok(()));
    assert!(
        gone_before_release.load(SeqCst),
        "the cancelled child was not aborted though the scope's grace was over"
    );
}

/// `cancel()` twice on an isolated child of an ordered scope: one signal,
/// one abort after the grace counted from the first call; the handle says
/// `CancelledByHandle`.
#[taskgroup::test(start_paused = true)]
async fn cancel_twice_in_an_ordered_scope() {
    let log = Log::new();
    let logged = log.clone();
    let exit = scope!(stop = reverse, grace = 40 * MS; {
        let worker = spawn!(isolated, name = "worker", async move {
            let _gone = logged.gone("worker");
            taskgroup::cancelled().await;
            logged.push("worker signalled");
            forever::<()>().await // ignores it
        });
        sleep(10 * MS).await;
        worker.cancel();
        sleep(10 * MS).await;
        worker.cancel();
        worker.await.unwrap_err()
    });
    assert!(
        matches!(&exit, Exit::Cancelled(Some(Cause::CancelledByHandle(task))) if task.name() == Some("worker")),
        "{exit:?}"
    );
    assert_eq!(
        log.entries(),
        expect(&[("worker signalled", 10), ("worker gone", 50)])
    );
}

/// An isolated child of an ordered scope, cancelled through its handle,
/// that stops cooperatively and returns a value: the docs say its handle
/// "then yields `Err(Exit::Cancelled(Some(Cause::CancelledByHandle(…))))`"
/// unless it had finished already (a blocking closure's late value is
/// "dropped, not a failure").
#[taskgroup::test(start_paused = true)]
async fn an_isolated_child_cancelled_in_an_ordered_scope_yields_cancelled() {
    let outcome = scope!(stop = reverse, grace = 100 * MS; {
        let worker = spawn!(isolated, async {
            taskgroup::cancelled().await;
            5u32
        });
        sleep(10 * MS).await;
        worker.cancel();
        worker.await
    });
    assert!(
        matches!(
            outcome,
            Err(Exit::Cancelled(Some(Cause::CancelledByHandle(_))))
        ),
        "{outcome:?}"
    );
}

/// `cancel()` of an ordered child during the ordered stop, before its
/// turn: it is signalled now (its handle's cause), the others keep their
/// order.
#[taskgroup::test(start_paused = true)]
async fn cancel_during_the_ordered_stop_stops_that_child_now() {
    let log = Log::new();
    let causes = Arc::new(Mutex::new(Vec::new()));
    let (logged, seen) = (log.clone(), causes.clone());
    let result: Result<(), &str> = scope!(stop = reverse, grace = 1000 * MS; {
        let first = spawn!(name = "first", async move {
            let _gone = logged.gone("first");
            taskgroup::cancelled().await;
            seen.lock().unwrap().push(taskgroup::cause());
            logged.push("first stopping");
            sleep(10 * MS).await;
        });
        spawn!(subsystem("middle", 10 * MS, &log));
        spawn!(subsystem("last", 50 * MS, &log));
        sleep(10 * MS).await;
        cancel!();
        sleep(20 * MS).await;
        first.cancel();
        Ok(())
    });
    assert_eq!(result, Ok(()));
    assert_eq!(
        log.entries(),
        expect(&[
            ("last stopping", 10),
            ("first stopping", 30),
            ("first gone", 40),
            ("last gone", 60),
            ("middle stopping", 60),
            ("middle gone", 70),
        ])
    );
    assert!(
        matches!(causes.lock().unwrap().as_slice(), [Some(Cause::CancelledByHandle(task))] if task.name() == Some("first"))
    );
}

/// A `spawn_blocking!` child of an ordered scope cancelled through its
/// handle: signalled (`is_cancelled()`, `cause()`), its `Err` afterwards is
/// nobody's, the siblings go on. Two workers.
#[taskgroup::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_a_blocking_child_of_an_ordered_scope() {
    let (started, running) = oneshot::channel();
    let result: Result<u32, &str> = scope!(stop = reverse, grace = 100 * MS; {
        let worker = spawn_blocking!(name = "worker", move || {
            started.send(()).unwrap();
            while !taskgroup::is_cancelled() {
                std::thread::yield_now();
            }
            let cause = taskgroup::cause();
            assert!(matches!(&cause, Some(Cause::CancelledByHandle(task)) if task.name() == Some("worker")), "{cause:?}");
            Err::<(), &str>("stopped half-way")
        });
        let other = spawn!(async { 3u32 });
        running.await.unwrap();
        worker.cancel();
        Ok(other.await)
    });
    assert_eq!(result, Ok(3));
}

// ===========================================================================
// Dropping, leaking, aborting an ordered scope.

/// The scope's future dropped after it began aborting its children one at
/// a time (`cancel!()` without grace): "the scope's future being dropped
/// stops them all at once". The first child is never aborted.
#[tokio::test(start_paused = true)]
async fn dropping_an_ordered_scope_while_it_aborts_stops_the_rest() {
    let tracker = Tracker::new();
    let cancelled = Arc::new(AtomicBool::new(false));
    let (first, last, flag) = (tracker.alive(), tracker.alive(), cancelled.clone());
    let scope = async move {
        let _: Result<(), &str> = scope!(stop = reverse; {
            spawn!(async move {
                let _alive = first;
                forever::<()>().await
            });
            spawn!(async move {
                let _alive = last;
                forever::<()>().await
            });
            sleep(10 * MS).await;
            cancel!(); // no grace: the last one is aborted first
            flag.store(true, SeqCst);
            forever::<()>().await;
            Ok(())
        });
    };
    let mut scope = Box::pin(scope);
    poll_fn(|cx| {
        assert!(scope.as_mut().poll(cx).is_pending());
        if cancelled.load(SeqCst) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
    drop(scope); // the caller gives up on it
    tokio::time::timeout(HANG, tracker.wait_idle())
        .await
        .expect("a child of the dropped scope never stopped");
}

/// The same after the grace period is over (the ordered abort is under
/// way) rather than without a grace.
#[tokio::test(start_paused = true)]
async fn dropping_an_ordered_scope_past_its_grace_stops_the_rest() {
    let tracker = Tracker::new();
    let aborting = Arc::new(AtomicBool::new(false));
    let (first, last, flag) = (tracker.alive(), tracker.alive(), aborting.clone());
    let scope = async move {
        let _: Result<(), &str> = scope!(stop = reverse, grace = 20 * MS; {
            spawn!(async move {
                let _alive = first;
                forever::<()>().await
            });
            spawn!(async move {
                let _alive = last;
                forever::<()>().await // ignores its signal
            });
            sleep(10 * MS).await;
            cancel!();
            sleep(20 * MS).await; // the grace is over: aborting
            flag.store(true, SeqCst);
            forever::<()>().await;
            Ok(())
        });
    };
    let mut scope = Box::pin(scope);
    poll_fn(|cx| {
        assert!(scope.as_mut().poll(cx).is_pending());
        if aborting.load(SeqCst) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
    drop(scope);
    tokio::time::timeout(HANG, tracker.wait_idle())
        .await
        .expect("a child of the dropped scope never stopped");
}

/// Semantics 10 with an ordered scope: a leaked (`mem::forget`) nested
/// scope is "cancelled with" the enclosing scope; a signal from above
/// reaches a nested scope "whose future is not being polled (or was
/// leaked)". A plain leaked scope's child is signalled at the enclosing
/// `cancel!()`; an ordered one's is not (nobody takes the turns) and is
/// only aborted when the enclosing grace ends.
#[tokio::test(start_paused = true)]
async fn a_leaked_ordered_scope_is_signalled_with_the_enclosing_scope() {
    let log = Log::new();
    let logged = log.clone();
    let result: Result<(), &str> = scope!(grace = 1000 * MS; {
        poll_once_then_forget(async move {
            let _: Result<(), &str> = scope!(stop = reverse; {
                spawn!(subsystem("leaked child", 10 * MS, &logged));
                forever::<()>().await;
                Ok(())
            });
        })
        .await;
        sleep(10 * MS).await;
        cancel!();
        Ok(())
    });
    assert_eq!(result, Ok(()));
    assert_eq!(
        log.entries(),
        expect(&[("leaked child stopping", 10), ("leaked child gone", 20)])
    );
}

/// The control: the same with a plain leaked scope holds.
#[tokio::test(start_paused = true)]
async fn a_leaked_plain_scope_is_signalled_with_the_enclosing_scope() {
    let log = Log::new();
    let logged = log.clone();
    let result: Result<(), &str> = scope!(grace = 1000 * MS; {
        poll_once_then_forget(async move {
            let _: Result<(), &str> = scope! {
                spawn!(subsystem("leaked child", 10 * MS, &logged));
                forever::<()>().await;
                Ok(())
            };
        })
        .await;
        sleep(10 * MS).await;
        cancel!();
        Ok(())
    });
    assert_eq!(result, Ok(()));
    assert_eq!(
        log.entries(),
        expect(&[("leaked child stopping", 10), ("leaked child gone", 20)])
    );
}

/// An enclosing scope that fails without grace aborts: an ordered nested
/// scope's children stop all at once, the last started first.
#[taskgroup::test(start_paused = true)]
async fn an_abort_from_above_stops_an_ordered_scope_at_once() {
    let log = Log::new();
    let inner_log = log.clone();
    let result: Result<(), &str> = scope! {
        spawn!(async move {
            scope!(stop = reverse, grace = 1000 * MS; {
                spawn!(subsystem("database", 30 * MS, &inner_log));
                spawn!(subsystem("cache", 20 * MS, &inner_log));
                spawn!(subsystem("listener", 10 * MS, &inner_log));
                forever::<()>().await;
                Ok::<(), &str>(())
            })
        });
        sleep(50 * MS).await;
        Err("outer failed")
    };
    assert_eq!(result, Err("outer failed"));
    assert_eq!(
        log.entries(),
        expect(&[
            ("listener gone", 50),
            ("cache gone", 50),
            ("database gone", 50)
        ])
    );
}

/// A straggler's panic (a child of a nested scope whose future a timeout
/// dropped, panicking in its `Drop` as it stops) inside a child of an
/// ordered scope: "panics are never lost", the panicking scope "cancels
/// the scope like an error". In a plain scope it fails the scope (and is
/// resumed); in an ordered one it is handed to the child's hidden task
/// scope, which only signals that child, so the service waiting for its
/// cancellation never hears of it.
#[tokio::test(start_paused = true)]
async fn a_straggler_panic_under_an_ordered_child_fails_the_scope() {
    let joined = tokio::spawn(async {
        let _: Result<(), &str> = scope!(stop = reverse, grace = 100 * MS; {
            spawn!(async {
                // A nested scope given 10 ms: its future is dropped then,
                // its child stops after it and panics in its `Drop`.
                let _ = tokio::time::timeout(10 * MS, async {
                    scope! {
                        spawn!(async {
                            let _bomb = PanicOnDrop("straggler");
                            forever::<()>().await
                        });
                        forever::<()>().await;
                    }
                })
                .await;
                // The child goes on serving, ignoring signals.
                forever::<()>().await
            });
            taskgroup::cancelled().await; // a service: runs until cancelled
            Ok(())
        });
    });
    let joined = tokio::time::timeout(HANG, joined)
        .await
        .expect("the panic never reached the scope: hang");
    let payload = joined.unwrap_err().into_panic();
    assert_eq!(panic_message(&*payload), Some("straggler"));
}

/// The control: the same in a plain scope holds.
#[tokio::test(start_paused = true)]
async fn a_straggler_panic_under_a_plain_child_fails_the_scope() {
    let joined = tokio::spawn(async {
        let _: Result<(), &str> = scope!(grace = 100 * MS; {
            spawn!(async {
                let _ = tokio::time::timeout(10 * MS, async {
                    scope! {
                        spawn!(async {
                            let _bomb = PanicOnDrop("straggler");
                            forever::<()>().await
                        });
                        forever::<()>().await;
                    }
                })
                .await;
                forever::<()>().await
            });
            taskgroup::cancelled().await;
            Ok(())
        });
    });
    let joined = tokio::time::timeout(HANG, joined).await.expect("no hang");
    let payload = joined.unwrap_err().into_panic();
    assert_eq!(panic_message(&*payload), Some("straggler"));
}

// ===========================================================================
// Restarts, background, blocking children in the order.

/// "The restart loop is the child's future, so nothing restarts once the
/// scope is cancelled (a drain, `cancel!()`, a grace period)". In an
/// ordered scope a restarted child waiting for its turn is restarted again
/// and again during the stop.
#[taskgroup::test(start_paused = true)]
async fn nothing_restarts_during_an_ordered_stop() {
    let log = Log::new();
    let starts = Count::default();
    let counted = starts.clone();
    let result: Result<(), &str> = scope!(stop = reverse, grace = 1000 * MS; {
        spawn!(
            restart = Restart::on_failure().backoff(Backoff::none()).at_most(100, 10_000 * MS),
            move || {
                let counted = counted.clone();
                async move {
                    counted.bump();
                    sleep(30 * MS).await;
                    Err::<(), &str>("flaky")
                }
            }
        );
        spawn!(subsystem("listener", 100 * MS, &log)); // its clean-up: 100 ms
        sleep(10 * MS).await;
        cancel!();
        Ok(())
    });
    assert_eq!(result, Ok(()));
    assert_eq!(starts.get(), 1, "restarted after cancel!()");
}

/// A background child started first and a child started last, `cancel!()`
/// then the body returns: rule 8 holds in an ordered scope too (decided
/// after this review found the tension): a background child stops when
/// the body is done, not at a turn; the other children stop in order.
#[taskgroup::test(start_paused = true)]
async fn a_background_child_stops_with_the_body_in_an_ordered_stop_too() {
    let log = Log::new();
    let result: Result<(), &str> = scope!(stop = reverse, grace = 1000 * MS; {
        spawn_background!(subsystem("reporter", 10 * MS, &log)); // first
        spawn!(subsystem("listener", 30 * MS, &log)); // last
        sleep(10 * MS).await;
        cancel!();
        Ok(())
    });
    assert_eq!(result, Ok(()));
    assert_eq!(
        log.entries(),
        expect(&[
            ("listener stopping", 10),
            ("reporter gone", 10),
            ("listener gone", 40),
        ])
    );
}

/// Background children without a cancellation: stopped when the body
/// ends (rule 8), as in any scope.
#[taskgroup::test(start_paused = true)]
async fn background_children_of_an_ordered_scope_stop_with_the_body() {
    let log = Log::new();
    let result: Result<(), &str> = scope!(stop = reverse, grace = 1000 * MS; {
        spawn_background!(subsystem("reporter", 10 * MS, &log));
        spawn!(async { sleep(30 * MS).await });
        sleep(10 * MS).await;
        Ok(())
    });
    assert_eq!(result, Ok(()));
    assert_eq!(log.entries(), expect(&[("reporter gone", 10)]));
}

/// A blocking closure in the middle of the order: signalled at its turn
/// (after the later child is gone), the earlier child only after it
/// returned. Two workers; the order, not the time, is asserted.
#[taskgroup::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blocking_child_in_the_middle_of_the_order() {
    let log = Log::new();
    let (started, running) = oneshot::channel();
    let blocking_log = log.clone();
    let result: Result<(), &str> = scope!(stop = reverse, grace = 60_000 * MS; {
        spawn!(subsystem("first", Duration::ZERO, &log));
        spawn_blocking!(move || {
            started.send(()).unwrap();
            while !taskgroup::is_cancelled() {
                std::thread::yield_now();
            }
            blocking_log.push("blocking stopping");
            blocking_log.push("blocking gone");
        });
        spawn!(subsystem("last", Duration::ZERO, &log));
        running.await.unwrap();
        cancel!();
        Ok(())
    });
    assert_eq!(result, Ok(()));
    assert_eq!(
        log.names(),
        [
            "last stopping",
            "last gone",
            "blocking stopping",
            "blocking gone",
            "first stopping",
            "first gone"
        ]
    );
}

/// "Each only after the later ones are gone", and the join is transitive:
/// a child's nested scope with a blocking grandchild still running is not
/// gone. The later child is aborted (no grace), its nested scope dropped;
/// its blocking grandchild, signalled, takes a moment to return. The first
/// child must still be there when it returns. (The bounded `recv_timeout`
/// stands for "the first child is not gone meanwhile": in the promised
/// order it times out.)
#[taskgroup::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_childs_blocking_grandchild_is_gone_before_the_next_turn() {
    let (first_gone, first_gone_seen) = std_mpsc::channel::<()>();
    let (started, running) = oneshot::channel();
    let early = Arc::new(AtomicBool::new(false));
    let seen_early = early.clone();
    let result: Result<(), &str> = scope!(stop = reverse; {
        spawn!(async move {
            let _gone = common::on_drop(move || {
                let _ = first_gone.send(());
            });
            forever::<()>().await
        });
        spawn!(async move {
            scope! {
                spawn_blocking!(move || {
                    started.send(()).unwrap();
                    while !taskgroup::is_cancelled() {
                        std::thread::yield_now();
                    }
                    // Its clean-up: the first child must not be stopped
                    // before this returns.
                    let stopped = first_gone_seen.recv_timeout(Duration::from_millis(500));
                    seen_early.store(stopped.is_ok(), SeqCst);
                });
                forever::<()>().await;
            }
        });
        running.await.unwrap();
        cancel!();
        Ok(())
    });
    assert_eq!(result, Ok(()));
    assert!(
        !early.load(SeqCst),
        "the first child was stopped while the later child's grandchild still ran"
    );
}

// ===========================================================================
// Memory.

/// A long-lived ordered scope (a supervisor) that starts and joins many
/// short children must not grow with the number of children ever started:
/// "no leak". Measured as the bytes the test's thread holds (everything
/// runs on it: current-thread runtime).
#[tokio::test]
async fn an_ordered_scope_does_not_grow_with_finished_children() {
    let grown = scope!(stop = reverse; {
        for _ in 0..200 {
            spawn!(async {}).await;
        }
        let before = net_bytes();
        for _ in 0..2000 {
            spawn!(async {}).await;
        }
        net_bytes() - before
    });
    assert!(
        grown < 2000 * 16,
        "{grown} bytes held after 2000 finished children ({} per child)",
        grown / 2000
    );
}

/// The control: a plain scope holds.
#[tokio::test]
async fn a_plain_scope_does_not_grow_with_finished_children() {
    let grown = scope! {
        for _ in 0..200 {
            spawn!(async {}).await;
        }
        let before = net_bytes();
        for _ in 0..2000 {
            spawn!(async {}).await;
        }
        net_bytes() - before
    };
    assert!(
        grown < 2000 * 16,
        "{grown} bytes held after 2000 finished children ({} per child)",
        grown / 2000
    );
}

// ===========================================================================
// Guards: combinations that held.

/// Nested ordered scopes: the outer child's turn signals its inner ordered
/// scope, which stops its own children in reverse order; only then is the
/// outer scope's earlier child signalled.
#[taskgroup::test(start_paused = true)]
async fn nested_ordered_scopes_stop_depth_first_in_reverse() {
    let log = Log::new();
    let inner = log.clone();
    let result: Result<(), &str> = scope!(stop = reverse, grace = 1000 * MS; {
        spawn!(subsystem("x", 10 * MS, &log));
        spawn!(async move {
            scope!(stop = reverse, grace = 1000 * MS; {
                spawn!(subsystem("y1", 10 * MS, &inner));
                spawn!(subsystem("y2", 10 * MS, &inner));
                Ok::<(), &str>(())
            })
        });
        sleep(10 * MS).await;
        cancel!();
        Ok(())
    });
    assert_eq!(result, Ok(()));
    assert_eq!(
        log.entries(),
        expect(&[
            ("y2 stopping", 10),
            ("y2 gone", 20),
            ("y1 stopping", 20),
            ("y1 gone", 30),
            ("x stopping", 30),
            ("x gone", 40),
        ])
    );
}

#[taskgroup::nursery(stop = reverse, grace = 10_000 * MS)]
async fn ordered_service(log: Log) -> Result<(), std::io::Error> {
    spawn!(name = "database", subsystem("database", 100 * MS, &log));
    spawn!(name = "cache", subsystem("cache", 100 * MS, &log));
    spawn!(name = "listener", subsystem("listener", 100 * MS, &log));
    taskgroup::cancelled().await;
    Ok(())
}

/// A `Shutdown` drain (150 ms) shorter than the ordered clean-ups (3 ×
/// 100 ms): the listener stops in the drain, the cache is cut short, the
/// database never signalled; the outcome lists what was alive; everything
/// stops, the last started first.
#[taskgroup::test(start_paused = true)]
async fn a_drain_shorter_than_the_ordered_clean_ups() {
    let log = Log::new();
    let shutdown = Shutdown::new(150 * MS).without_signals();
    let trigger = shutdown.trigger();
    let (outcome, ()) = tokio::join!(shutdown.run(ordered_service(log.clone())), async {
        sleep(10 * MS).await;
        trigger.shutdown();
    });
    let Outcome::Aborted {
        reason,
        still_alive,
    } = &outcome
    else {
        panic!("{outcome:?}")
    };
    assert_eq!(*reason, "trigger");
    let alive = still_alive.to_string();
    assert!(
        alive.contains("\"cache\"")
            && alive.contains("\"database\"")
            && !alive.contains("\"listener\""),
        "{alive}"
    );
    tokio::time::timeout(HANG, log.wait_for("database gone"))
        .await
        .expect("the database stopped");
    assert_eq!(
        log.entries(),
        expect(&[
            ("listener stopping", 10),
            ("listener gone", 110),
            ("cache stopping", 110),
            ("cache gone", 160),
            ("database gone", 160),
        ])
    );
}

/// `limit`: the body waits for a slot when the stop begins; the spawn is
/// refused, the two running children stop in reverse order.
/// (A first version gave the two children both slots and had a scoped
/// child cancel: it hung, in any scope, because `spawn_scoped!` waits for a
/// slot too: backpressure, not a bug.)
#[taskgroup::test(start_paused = true)]
async fn a_spawn_waiting_for_a_slot_when_the_ordered_stop_begins() {
    let log = Log::new();
    let result: Result<bool, &str> = scope!(stop = reverse, grace = 1000 * MS, limit = 3; {
        spawn!(subsystem("first", 10 * MS, &log));
        spawn!(subsystem("second", 10 * MS, &log));
        // Takes the third slot (a scoped child counts too).
        spawn_scoped!(async {
            sleep(10 * MS).await;
            cancel!();
        });
        let third = spawn!(subsystem("third", 10 * MS, &log)); // waits, refused
        Ok(third.is_finished())
    });
    assert_eq!(result, Ok(true));
    assert_eq!(
        log.entries(),
        expect(&[
            ("second stopping", 10),
            ("second gone", 20),
            ("first stopping", 20),
            ("first gone", 30),
        ])
    );
}

/// The scope's own `timeout` starts the ordered stop; the children see the
/// deadline as the cause; the scope returns `Elapsed`.
#[taskgroup::test(start_paused = true)]
async fn the_scopes_timeout_starts_the_ordered_stop() {
    let log = Log::new();
    let causes = Arc::new(Mutex::new(Vec::new()));
    let seen = causes.clone();
    let result: Result<(), Elapsed> = scope!(stop = reverse, grace = 1000 * MS, timeout = 50 * MS; {
        spawn!(subsystem("database", 30 * MS, &log));
        spawn!(subsystem("cache", 20 * MS, &log));
        spawn!(async move {
            taskgroup::cancelled().await;
            seen.lock().unwrap().push(taskgroup::cause());
        });
        forever::<()>().await;
        Ok(())
    });
    assert!(matches!(result, Err(Elapsed)));
    assert_eq!(
        log.entries(),
        expect(&[
            ("cache stopping", 50),
            ("cache gone", 70),
            ("database stopping", 70),
            ("database gone", 100),
        ])
    );
    assert!(matches!(
        causes.lock().unwrap().as_slice(),
        [Some(Cause::DeadlineExceeded { .. })]
    ));
}

#[derive(Debug, PartialEq)]
enum Failed {
    Deadline,
    Child(&'static str),
}

impl From<Elapsed> for Failed {
    fn from(_: Elapsed) -> Self {
        Failed::Deadline
    }
}

impl From<&'static str> for Failed {
    fn from(name: &'static str) -> Self {
        Failed::Child(name)
    }
}

/// `errors = all` with a `timeout`: the deadline is collected, then the
/// errors the children return from their clean-ups, in the order of the
/// stop (rule 5).
#[taskgroup::test(start_paused = true)]
async fn errors_all_and_a_timeout_in_an_ordered_scope() {
    let log = Log::new();
    let result: Result<(), Errors<Failed>> = scope!(stop = reverse, grace = 1000 * MS, timeout = 50 * MS, errors = all; {
        spawn!(failing_subsystem("database", 30 * MS, &log));
        spawn!(failing_subsystem("cache", 20 * MS, &log));
        spawn!(failing_subsystem("listener", 10 * MS, &log));
        forever::<()>().await;
        Ok(())
    });
    let errors = result.unwrap_err().into_errors();
    assert_eq!(
        errors,
        [
            Failed::Deadline,
            Failed::Child("listener"),
            Failed::Child("cache"),
            Failed::Child("database")
        ]
    );
    assert_eq!(
        log.names(),
        [
            "listener stopping",
            "listener gone",
            "cache stopping",
            "cache gone",
            "database stopping",
            "database gone"
        ]
    );
}

/// The first failure in time is returned; the errors the children return
/// during the ordered stop are dropped; every child sees that failure.
#[taskgroup::test(start_paused = true)]
async fn the_first_failure_stands_through_an_ordered_stop() {
    let log = Log::new();
    let causes = Arc::new(Mutex::new(Vec::new()));
    let seen = causes.clone();
    let result: Result<(), &str> = scope!(stop = reverse, grace = 1000 * MS; {
        spawn!(failing_subsystem("database", 10 * MS, &log));
        spawn!(async move {
            taskgroup::cancelled().await;
            seen.lock().unwrap().push(taskgroup::cause());
            Err::<(), &str>("observer")
        });
        spawn!(name = "listener", async {
            sleep(10 * MS).await;
            Err::<(), &str>("listener failed")
        });
        Ok(())
    });
    assert_eq!(result, Err("listener failed"));
    assert!(
        matches!(causes.lock().unwrap().as_slice(), [Some(Cause::TaskFailed(task))] if task.name() == Some("listener"))
    );
    assert_eq!(
        log.entries(),
        expect(&[("database stopping", 10), ("database gone", 20)])
    );
}

/// `errors = isolated`: children stopped in reverse order; one aborted past
/// the grace says `Exit::Cancelled` with the scope's cause; one panicking
/// in its clean-up, its handle dropped, is counted once.
#[taskgroup::test(start_paused = true)]
async fn errors_isolated_in_an_ordered_stop() {
    let _turn = TURN.lock().await;
    let before = taskgroup::unobserved_panics();
    let log = Log::new();
    let (first_log, crash_log) = (log.clone(), log.clone());
    let (first, last) = scope!(stop = reverse, grace = 100 * MS, errors = isolated; {
        let first = spawn!(async move {
            let _gone = first_log.gone("first");
            forever::<()>().await // ignores its signal
        });
        drop(spawn!(async move {
            let _gone = crash_log.gone("crashing");
            taskgroup::cancelled().await;
            if true {
                panic!("crash in clean-up");
            }
        }));
        let last = spawn!(subsystem("last", 10 * MS, &log));
        sleep(10 * MS).await;
        cancel!();
        (first.await, last.await)
    });
    assert!(
        matches!(first, Err(Exit::Cancelled(Some(Cause::Cancelled { .. })))),
        "{first:?}"
    );
    assert!(last.is_ok());
    assert_eq!(
        log.entries(),
        expect(&[
            ("last stopping", 10),
            ("last gone", 20),
            ("crashing gone", 20),
            ("first gone", 110),
        ])
    );
    assert_eq!(taskgroup::unobserved_panics(), before + 1);
}

/// No grace, a failure: the ordered abort reaches a child whose `Drop`
/// panics; the panic is resumed once (over the earlier error), and the
/// children are still dropped the last started first.
#[tokio::test(start_paused = true)]
async fn a_drop_panic_during_its_turn_is_resumed_once() {
    let log = Log::new();
    let (first_log, middle_log) = (log.clone(), log.clone());
    let joined = tokio::spawn(async move {
        let _: Result<(), &str> = scope!(stop = reverse; {
            spawn!(async move {
                let _gone = first_log.gone("first");
                forever::<()>().await
            });
            spawn!(async move {
                let _gone = middle_log.gone("middle");
                let _bomb = PanicOnDrop("middle's drop");
                forever::<()>().await
            });
            spawn!(async {
                sleep(10 * MS).await;
                Err::<(), &str>("last failed")
            });
            Ok(())
        });
    })
    .await;
    let payload = joined.unwrap_err().into_panic();
    assert_eq!(panic_message(&*payload), Some("middle's drop"));
    assert_eq!(log.names(), ["middle gone", "first gone"]);
}

/// With a grace: a clean-up that panics at its turn; the stop goes on to
/// the earlier child, the panic is resumed after the join.
#[tokio::test(start_paused = true)]
async fn a_clean_up_panic_during_its_turn_is_resumed_after_the_ordered_stop() {
    let log = Log::new();
    let (outer, middle_log) = (log.clone(), log.clone());
    let joined = tokio::spawn(async move {
        let _: Result<(), &str> = scope!(stop = reverse, grace = 1000 * MS; {
            spawn!(subsystem("first", 10 * MS, &outer));
            spawn!(async move {
                let _gone = middle_log.gone("middle");
                taskgroup::cancelled().await;
                sleep(5 * MS).await;
                if true {
                    panic!("middle's clean-up");
                }
            });
            spawn!(async {
                sleep(10 * MS).await;
                Err::<(), &str>("last failed")
            });
            Ok(())
        });
    })
    .await;
    let payload = joined.unwrap_err().into_panic();
    assert_eq!(panic_message(&*payload), Some("middle's clean-up"));
    assert_eq!(
        log.entries(),
        expect(&[
            ("middle gone", 15),
            ("first stopping", 15),
            ("first gone", 25),
        ])
    );
}

/// Records what `cause()` says when dropped.
struct CauseOnDrop(Arc<Mutex<Option<Cause>>>);

impl Drop for CauseOnDrop {
    fn drop(&mut self) {
        *self.0.lock().unwrap() = taskgroup::cause();
    }
}

/// Two failures at once on two workers (no grace): one of them is the
/// scope's error, and it is the one the others see as the cause.
#[taskgroup::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_failures_at_once_in_an_ordered_scope() {
    for _ in 0..50 {
        let barrier = SpinBarrier::default();
        let seen = Arc::new(Mutex::new(None));
        let guard = CauseOnDrop(seen.clone());
        let (left, right) = (barrier.clone(), barrier.clone());
        let result: Result<(), &str> = tokio::time::timeout(REAL_HANG, async {
            scope!(stop = reverse; {
                spawn!(async move {
                    let _guard = guard;
                    forever::<()>().await
                });
                spawn!(name = "a", async move {
                    left.wait(2).await;
                    Err::<(), &str>("a")
                });
                spawn!(name = "b", async move {
                    right.wait(2).await;
                    Err::<(), &str>("b")
                });
                Ok(())
            })
        })
        .await
        .expect("no hang");
        let error = result.unwrap_err();
        let cause = seen.lock().unwrap().take();
        assert!(
            matches!(&cause, Some(Cause::TaskFailed(task)) if task.name() == Some(error)),
            "returned {error}, seen {cause:?}"
        );
    }
}

/// Handles awaited through `select!` and `join_all` during an ordered
/// stop: each yields its value when its turn lets it finish.
#[taskgroup::test(start_paused = true)]
async fn handles_under_select_and_join_all_during_an_ordered_stop() {
    let origin = Instant::now();
    let (first_back, rest, at) = scope!(stop = reverse, grace = 1000 * MS; {
        let a = spawn!(async {
            taskgroup::cancelled().await;
            sleep(10 * MS).await;
            "a"
        });
        let b = spawn!(async {
            taskgroup::cancelled().await;
            sleep(20 * MS).await;
            "b"
        });
        let c = spawn!(async {
            taskgroup::cancelled().await;
            sleep(5 * MS).await;
            "c"
        });
        sleep(10 * MS).await;
        cancel!();
        let first_back = tokio::select! {
            value = b => value,
            value = c => value,
        };
        let rest = join_all(vec![a]).await;
        (first_back, rest, origin.elapsed())
    });
    assert_eq!((first_back, rest, at), ("c", vec!["a"], 45 * MS));
}

/// `taskgroup::dump()` during an ordered stop: the hidden task scopes are
/// not scopes of the dump; a nested scope opened by a child is listed
/// under the ordered scope and is still running (its turn has not come).
#[taskgroup::test(start_paused = true)]
async fn the_dump_during_an_ordered_stop() {
    taskgroup::enable_dump();
    let log = Log::new();
    let inner = log.clone();
    let dump = scope!(name = "adv5 svc", stop = reverse, grace = 1000 * MS; {
        spawn!(name = "adv5 db", async move {
            scope!(name = "adv5 pool"; {
                spawn!(name = "adv5 conn", subsystem("conn", Duration::ZERO, &inner));
            });
        });
        spawn!(name = "adv5 listener", subsystem("listener", 100 * MS, &log));
        sleep(10 * MS).await;
        cancel!();
        sleep(50 * MS).await;
        taskgroup::dump()
    });
    fn names(scope: &taskgroup::ScopeDump, out: &mut Vec<String>) {
        out.push(scope.scope.name().unwrap_or("").to_owned());
        for nested in &scope.scopes {
            names(nested, out);
        }
    }
    let mut all = Vec::new();
    for root in &dump.scopes {
        names(root, &mut all);
    }
    assert!(
        !all.iter()
            .any(|name| name == "adv5 db" || name == "adv5 listener"),
        "a task scope is in the dump:\n{dump}"
    );
    let svc =
        find_scope(&dump.scopes, "adv5 svc").unwrap_or_else(|| panic!("no scope svc:\n{dump}"));
    let nested: Vec<_> = svc.scopes.iter().map(|scope| scope.scope.name()).collect();
    assert_eq!(nested, [Some("adv5 pool")], "{dump}");
    assert_eq!(
        svc.scopes[0].state, "joining",
        "its turn has not come:\n{dump}"
    );
    assert_eq!(svc.scopes[0].tasks[0].state, "running", "{dump}");
    let tasks: Vec<_> = svc.tasks.iter().map(|task| task.task.name()).collect();
    assert_eq!(tasks, [Some("adv5 db"), Some("adv5 listener")], "{dump}");
    assert_eq!(svc.children, 3, "two tasks and the nested scope:\n{dump}");
}

/// The scope named `name`, at any depth.
fn find_scope<'a>(
    scopes: &'a [taskgroup::ScopeDump],
    name: &str,
) -> Option<&'a taskgroup::ScopeDump> {
    scopes.iter().find_map(|scope| {
        if scope.scope.name() == Some(name) {
            Some(scope)
        } else {
            find_scope(&scope.scopes, name)
        }
    })
}

/// The dump's task states during an ordered stop: `cancelling` is
/// documented as "told to stop, in its scope's grace period"; a child whose
/// turn has not come has not been told (its `is_cancelled()` is false, its
/// nested scope is running), yet the dump says `cancelling`.
#[taskgroup::test(start_paused = true)]
#[ignore = "FOUND (minor): dump() shows every child of an ordered scope as `cancelling` from the first turn, also those not yet told to stop"]
async fn the_dump_tells_which_ordered_children_were_told_to_stop() {
    taskgroup::enable_dump();
    let log = Log::new();
    let dump = scope!(name = "adv5 svc2", stop = reverse, grace = 1000 * MS; {
        spawn!(name = "adv5 waiting", subsystem("waiting", Duration::ZERO, &log));
        spawn!(name = "adv5 stopping", subsystem("stopping", 100 * MS, &log));
        sleep(10 * MS).await;
        cancel!();
        sleep(50 * MS).await;
        taskgroup::dump()
    });
    let svc = find_scope(&dump.scopes, "adv5 svc2").unwrap_or_else(|| panic!("{dump}"));
    let states: Vec<_> = svc
        .tasks
        .iter()
        .map(|task| (task.task.name(), task.state))
        .collect();
    assert_eq!(
        states,
        [
            (Some("adv5 waiting"), "running"),
            (Some("adv5 stopping"), "cancelling")
        ],
        "{dump}"
    );
}

/// `spawn_scoped!` children and a nested scope opened in the body are
/// signalled at once, as in any scope; the ordered children take turns.
#[taskgroup::test(start_paused = true)]
async fn scoped_children_and_body_scopes_of_an_ordered_scope_are_signalled_at_once() {
    let log = Log::new();
    let result: Result<(), &str> = scope!(stop = reverse, grace = 1000 * MS; {
        spawn!(subsystem("first", 10 * MS, &log));
        spawn!(subsystem("last", 10 * MS, &log));
        spawn_scoped!(async {
            taskgroup::cancelled().await;
            log.push("scoped stopping");
        });
        let body_scope = async {
            scope! {
                spawn!(subsystem("body scope child", 10 * MS, &log));
            };
        };
        let canceller = async {
            sleep(10 * MS).await;
            cancel!();
        };
        tokio::join!(body_scope, canceller);
        Ok(())
    });
    assert_eq!(result, Ok(()));
    let mut stopping: Vec<(String, u128)> = log
        .entries()
        .into_iter()
        .filter(|(what, _)| what.ends_with("stopping"))
        .collect();
    stopping.sort();
    assert_eq!(
        stopping,
        expect(&[
            ("body scope child stopping", 10),
            ("first stopping", 20),
            ("last stopping", 10),
            ("scoped stopping", 10),
        ])
    );
}

/// `start!` children take their turn like any child.
#[taskgroup::test(start_paused = true)]
async fn start_children_take_their_turn() {
    let log = Log::new();
    let db_log = log.clone();
    let result: Result<u16, &str> = scope!(stop = reverse, grace = 1000 * MS; {
        let port: Result<u16, taskgroup::StartError<()>> = start!(|ready| async move {
            let _gone = db_log.gone("database");
            ready.send(5432u16);
            taskgroup::cancelled().await;
            db_log.push("database stopping");
            sleep(10 * MS).await;
        });
        let port = port.expect("started");
        spawn!(subsystem("listener", 10 * MS, &log));
        sleep(10 * MS).await;
        cancel!();
        Ok(port)
    });
    assert_eq!(result, Ok(5432));
    assert_eq!(
        log.entries(),
        expect(&[
            ("listener stopping", 10),
            ("listener gone", 20),
            ("database stopping", 20),
            ("database gone", 30),
        ])
    );
}

/// `cancel()` without a grace in an ordered scope: aborted at once, its
/// `Drop` sees `CancelledByHandle`, the scope's cause stays `None`.
#[taskgroup::test(start_paused = true)]
async fn cancel_without_grace_in_an_ordered_scope_aborts_at_once() {
    let seen = Arc::new(Mutex::new(None));
    let guard = CauseOnDrop(seen.clone());
    let origin = Instant::now();
    let result: Result<u32, &str> = scope!(stop = reverse; {
        let worker = spawn!(name = "worker", async move {
            let _guard = guard;
            forever::<()>().await
        });
        let other = spawn!(async {
            sleep(20 * MS).await;
            4u32
        });
        sleep(10 * MS).await;
        worker.cancel();
        sleep(MS).await;
        assert!(taskgroup::cause().is_none());
        Ok(other.await)
    });
    assert_eq!(result, Ok(4));
    assert_eq!(origin.elapsed(), 20 * MS);
    assert!(
        matches!(seen.lock().unwrap().take(), Some(Cause::CancelledByHandle(task)) if task.name() == Some("worker"))
    );
}

/// Everything at once on two workers, 20 rounds, under the leak check:
/// isolated, restarted, blocking, cancelled, a nested ordered scope.
#[taskgroup::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ordered_mix_on_two_workers_leaks_nothing() {
    let _turn = TURN.lock().await;
    let before = taskgroup::unobserved_panics();
    for round in 0..20u32 {
        let result: Result<u32, &str> = tokio::time::timeout(REAL_HANG, async {
            scope!(stop = reverse, grace = 60_000 * MS; {
                let isolated = spawn!(isolated, async {
                    tokio::task::yield_now().await;
                    1u32
                });
                spawn!(async {
                    scope!(stop = reverse; {
                        spawn!(async {
                            taskgroup::cancelled().await;
                            Ok::<(), &str>(())
                        });
                        spawn!(async {
                            tokio::task::yield_now().await;
                            Ok::<(), &str>(())
                        });
                        Ok::<(), &str>(())
                    })
                });
                spawn!(
                    restart = Restart::always().backoff(Backoff::none()).at_most(1000, 60_000 * MS),
                    || async {
                        tokio::task::yield_now().await;
                        Ok::<(), &str>(())
                    }
                );
                let blocking = spawn_blocking!(move || round);
                let cancelled = spawn!(async {
                    taskgroup::cancelled().await;
                });
                cancelled.cancel();
                spawn_background!(async {
                    loop {
                        tokio::task::yield_now().await;
                    }
                });
                let value = isolated.await.unwrap() + blocking.await - round;
                cancel!();
                Ok(value)
            })
        })
        .await
        .expect("no hang");
        assert_eq!(result, Ok(1));
    }
    assert_eq!(taskgroup::unobserved_panics(), before);
}

/// `ScopedHandle::cancel()` in an ordered scope: the scoped child is
/// dropped at the scope's next turn, in scope, seeing `CancelledByHandle`;
/// the ordered children are untouched.
#[taskgroup::test(start_paused = true)]
async fn cancelling_a_scoped_child_of_an_ordered_scope() {
    let seen = Arc::new(Mutex::new(None));
    let guard = CauseOnDrop(seen.clone());
    let log = Log::new();
    let result: Result<(), &str> = scope!(stop = reverse, grace = 1000 * MS; {
        spawn!(subsystem("task", 10 * MS, &log));
        let stuck = spawn_scoped!(name = "stuck", async move {
            let _guard = guard;
            forever::<()>().await
        });
        sleep(10 * MS).await;
        stuck.cancel();
        sleep(10 * MS).await;
        assert!(!taskgroup::is_cancelled());
        cancel!();
        Ok(())
    });
    assert_eq!(result, Ok(()));
    assert!(
        matches!(seen.lock().unwrap().take(), Some(Cause::CancelledByHandle(task)) if task.name() == Some("stuck"))
    );
    assert_eq!(
        log.entries(),
        expect(&[("task stopping", 20), ("task gone", 30)])
    );
}

/// How long an ordered stop (no grace) of `n` idle children takes.
async fn ordered_stop_of(n: usize) -> std::time::Duration {
    let start = std::time::Instant::now();
    let _: Result<(), &str> = scope!(stop = reverse; {
        for _ in 0..n {
            spawn!(forever::<()>());
        }
        tokio::task::yield_now().await;
        cancel!();
        Ok(())
    });
    start.elapsed()
}

/// "It costs one allocation per child": the ordered stop of n children
/// should cost O(n). Each turn rescans the list of every child
/// (`Shared::step_ordered`'s `retain`), so the stop is O(n²): measured on
/// this machine (debug), 4,000 children 0.22 s, 16,000 children 3.6 s (a
/// plain scope: 35 ms); 100,000 connections would take minutes. Asserted
/// as a ratio (linear: about 4; quadratic: about 16).
#[tokio::test]
async fn an_ordered_stop_is_linear_in_the_number_of_children() {
    let small = ordered_stop_of(4_000).await;
    let large = ordered_stop_of(16_000).await;
    let ratio = large.as_secs_f64() / small.as_secs_f64();
    assert!(
        ratio < 8.0,
        "4x the children took {ratio:.1}x as long ({small:?} then {large:?})"
    );
}
