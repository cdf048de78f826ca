//! Supervision: isolated children (`spawn!(isolated, …)`), restarts
//! (`spawn!(restart = …, factory)`), one-for-all, cancelling one child
//! through its handle; paused time, so every instant checked is exact.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use taskgroup::{scope, Backoff, Cause, Exit, Restart};
use tokio::sync::Notify;
use tokio::time::{sleep, Instant};

const MS: Duration = Duration::from_millis(1);

/// `unobserved_panics()` is process-wide: tests that read it take turns.
static COUNTER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Records what `cause()` says when it is dropped.
struct CauseOnDrop(Arc<Mutex<Option<Cause>>>);

impl Drop for CauseOnDrop {
    fn drop(&mut self) {
        *self.0.lock().unwrap() = taskgroup::cause();
    }
}

#[taskgroup::test(start_paused = true)]
async fn an_isolated_childs_error_is_its_handles_not_the_scopes() {
    let result: Result<_, &str> = scope! {
        let flaky = spawn!(isolated, async {
            sleep(10 * MS).await;
            Err::<u32, &str>("down")
        });
        let sibling = spawn!(async {
            sleep(50 * MS).await;
            assert!(!taskgroup::is_cancelled(), "the isolated failure cancels nobody");
            7
        });
        let flaky = flaky.await.expect("no panic, not cancelled");
        Ok((flaky, sibling.await))
    };
    assert_eq!(result, Ok((Err("down"), 7)));
}

#[taskgroup::test(start_paused = true)]
async fn an_isolated_childs_panic_is_its_handles() {
    let _turn = COUNTER.lock().await;
    let before = taskgroup::unobserved_panics();
    let (message, sibling) = scope! {
        let flaky = spawn!(isolated, name = "flaky", async {
            sleep(10 * MS).await;
            if true {
                panic!("boom");
            }
        });
        let sibling = spawn!(async {
            sleep(50 * MS).await;
            "fine"
        });
        let Err(Exit::Panicked(panic)) = flaky.await else {
            panic!("expected the panic")
        };
        assert_eq!(panic.task().name(), Some("flaky"));
        let message = panic.message().map(str::to_owned);
        let payload = panic.into_payload(); // taken: observed
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
        (message, sibling.await)
    };
    assert_eq!((message.as_deref(), sibling), (Some("boom"), "fine"));
    assert_eq!(
        taskgroup::unobserved_panics(),
        before,
        "the panic was taken"
    );
}

#[taskgroup::test(start_paused = true)]
async fn an_isolated_panic_nobody_takes_is_counted() {
    let _turn = COUNTER.lock().await;
    let before = taskgroup::unobserved_panics();
    scope! {
        // The handle is dropped at once: nobody will take the panic.
        spawn!(isolated, async {
            if true {
                panic!("nobody listens");
            }
        });
        sleep(10 * MS).await;
    };
    assert_eq!(taskgroup::unobserved_panics(), before + 1);
    let before = taskgroup::unobserved_panics();
    scope! {
        let handle = spawn!(isolated, async {
            if true {
                panic!("read, then dropped");
            }
        });
        let exit = handle.await.unwrap_err();
        assert!(exit.is_panic());
        // `exit` dropped here with its payload: reported too.
    };
    assert_eq!(taskgroup::unobserved_panics(), before + 1);
}

#[taskgroup::test(start_paused = true)]
async fn an_isolated_childs_timeout_is_its_handles() {
    let start = Instant::now();
    let (exit, at) = scope! {
        let slow = spawn!(isolated, timeout = 30 * MS, std::future::pending::<()>());
        let exit = slow.await.unwrap_err();
        (exit, start.elapsed())
    };
    assert!(
        matches!(exit, Exit::TimedOut(after) if after == 30 * MS),
        "{exit:?}"
    );
    assert_eq!(at, 30 * MS);
}

#[taskgroup::test(start_paused = true)]
async fn an_isolated_child_cancelled_with_its_scope_says_why() {
    let exit = scope! {
        let stuck = spawn!(isolated, std::future::pending::<()>());
        sleep(5 * MS).await;
        cancel!();
        stuck.await.unwrap_err()
    };
    assert!(
        matches!(exit, Exit::Cancelled(Some(Cause::Cancelled { .. }))),
        "{exit:?}"
    );
}

#[taskgroup::test(start_paused = true)]
async fn try_spawn_takes_isolated_too() {
    let outcome = scope!(limit = 1; {
        let first = try_spawn!(isolated, async { 1 }).expect("a free slot");
        first.await
    });
    assert_eq!(outcome.unwrap(), 1);
}

#[taskgroup::test(start_paused = true)]
async fn cancelling_one_child_is_not_a_failure_and_its_drop_sees_why() {
    let seen = Arc::new(Mutex::new(None));
    let guard = CauseOnDrop(seen.clone());
    let result: Result<u32, &str> = scope! {
        let stuck = spawn!(name = "stuck", async move {
            let _guard = guard;
            std::future::pending::<()>().await;
        });
        let other = spawn!(async {
            sleep(20 * MS).await;
            assert!(!taskgroup::is_cancelled());
            5
        });
        sleep(10 * MS).await;
        stuck.cancel();
        sleep(MS).await;
        assert!(taskgroup::cause().is_none(), "the scope is not cancelled");
        Ok(other.await)
    };
    assert_eq!(result, Ok(5));
    let cause = seen.lock().unwrap().take();
    match cause {
        Some(Cause::CancelledByHandle(task)) => assert_eq!(task.name(), Some("stuck")),
        other => panic!("expected CancelledByHandle, got {other:?}"),
    }
}

#[taskgroup::test(start_paused = true)]
async fn an_isolated_handle_yields_its_own_cancellation() {
    let exit = scope! {
        let stuck = spawn!(isolated, name = "stuck", std::future::pending::<()>());
        sleep(5 * MS).await;
        stuck.cancel();
        let exit = stuck.await.unwrap_err();
        assert!(!taskgroup::is_cancelled());
        exit
    };
    assert!(
        matches!(&exit, Exit::Cancelled(Some(Cause::CancelledByHandle(task))) if task.name() == Some("stuck")),
        "{exit:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_in_the_drop_of_a_child_cancelled_by_its_handle_is_resumed() {
    struct PanicOnDrop;
    impl Drop for PanicOnDrop {
        fn drop(&mut self) {
            panic!("drop of a cancelled child");
        }
    }
    let ready = Arc::new(Notify::new());
    let notified = ready.clone();
    let joined = tokio::spawn(async move {
        scope! {
            let child = spawn!(async move {
                let _guard = PanicOnDrop;
                notified.notify_one();
                std::future::pending::<()>().await;
            });
            ready.notified().await;
            child.cancel();
        };
    })
    .await;
    let payload = joined.unwrap_err().into_panic();
    assert_eq!(
        payload.downcast_ref::<&str>(),
        Some(&"drop of a cancelled child")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn isolation_holds_on_the_multi_thread_runtime() {
    let _turn = COUNTER.lock().await;
    let results = scope! {
        let handles: Vec<_> = (0..64u32)
            .map(|i| {
                // A named future keeps its own error type (`u32`); an
                // inline block would take the scope's.
                let child = async move {
                    tokio::task::yield_now().await;
                    match i % 3 {
                        0 => Ok(i),
                        1 => Err(i),
                        _ => panic!("child {i}"),
                    }
                };
                spawn!(isolated, child)
            })
            .collect();
        let mut results = Vec::new();
        for handle in handles {
            results.push(match handle.await {
                Ok(Ok(value)) => ("ok", value),
                Ok(Err(value)) => ("err", value),
                Err(exit) => ("panic", exit.into_panic().unwrap().into_payload().downcast::<String>().unwrap().len() as u32),
            });
        }
        results
    };
    assert_eq!(results.iter().filter(|(kind, _)| *kind == "ok").count(), 22);
    assert_eq!(
        results.iter().filter(|(kind, _)| *kind == "err").count(),
        21
    );
    assert_eq!(
        results.iter().filter(|(kind, _)| *kind == "panic").count(),
        21
    );
}

fn no_jitter(initial: Duration, max: Duration) -> Backoff {
    Backoff::exponential(initial, max).jitter(0.0)
}

#[taskgroup::test(start_paused = true)]
async fn a_failing_child_restarts_with_exponential_backoff() {
    let starts = Arc::new(Mutex::new(Vec::new()));
    let seen = starts.clone();
    let origin = Instant::now();
    let result: Result<&str, &str> = scope! {
        let service = spawn!(
            restart = Restart::on_failure().backoff(no_jitter(100 * MS, 1000 * MS)),
            move || {
                let seen = seen.clone();
                async move {
                    let attempt = {
                        let mut starts = seen.lock().unwrap();
                        starts.push(origin.elapsed());
                        starts.len()
                    };
                    if attempt < 4 { Err("not yet") } else { Ok("up") }
                }
            }
        );
        Ok(service.await)
    };
    assert_eq!(result, Ok("up"));
    assert_eq!(
        *starts.lock().unwrap(),
        [Duration::ZERO, 100 * MS, 300 * MS, 700 * MS],
        "pauses of 100, 200, 400 ms"
    );
}

#[taskgroup::test(start_paused = true)]
async fn past_the_intensity_the_failure_goes_to_the_scope() {
    let starts = Arc::new(AtomicUsize::new(0));
    let counted = starts.clone();
    let result: Result<(), String> = scope! {
        spawn!(
            restart = Restart::on_failure().backoff(Backoff::none()).at_most(3, 1000 * MS),
            move || {
                let counted = counted.clone();
                async move {
                    let n = counted.fetch_add(1, SeqCst) + 1;
                    sleep(10 * MS).await;
                    Err::<(), String>(format!("failure {n}"))
                }
            }
        );
        Ok(())
    };
    assert_eq!(
        result,
        Err("failure 4".to_owned()),
        "3 restarts, then the 4th failure escalates"
    );
    assert_eq!(starts.load(SeqCst), 4);
}

#[taskgroup::test(start_paused = true)]
async fn restarts_spread_beyond_the_period_go_on() {
    let starts = Arc::new(AtomicUsize::new(0));
    let counted = starts.clone();
    let result: Result<(), &str> = scope! {
        spawn!(
            restart = Restart::on_failure().backoff(Backoff::none()).at_most(1, 100 * MS),
            move || {
                let counted = counted.clone();
                async move {
                    let n = counted.fetch_add(1, SeqCst) + 1;
                    // Each attempt runs 150 ms: one restart per period.
                    sleep(150 * MS).await;
                    if n < 5 { Err("again") } else { Ok(()) }
                }
            }
        );
        Ok(())
    };
    assert_eq!(result, Ok(()));
    assert_eq!(starts.load(SeqCst), 5);
}

#[tokio::test(start_paused = true)]
async fn a_panic_past_the_intensity_is_the_scopes_panic() {
    let joined = tokio::spawn(async {
        scope! {
            spawn!(
                restart = Restart::on_failure().backoff(Backoff::fixed(10 * MS)).at_most(2, 1000 * MS),
                || async {
                    if true {
                        panic!("crash loop");
                    }
                }
            );
        };
    })
    .await;
    let payload = joined.unwrap_err().into_panic();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"crash loop"));
}

#[taskgroup::test(start_paused = true)]
async fn an_isolated_restarted_child_escalates_to_its_handle() {
    let outcome: Result<_, &str> = scope! {
        let handle = spawn!(
            isolated,
            restart = Restart::on_failure().backoff(Backoff::none()).at_most(2, 1000 * MS),
            || async { Err::<(), _>("always") }
        );
        let sibling = spawn!(async { 3 });
        Ok((handle.await, sibling.await))
    };
    assert!(matches!(outcome, Ok((Ok(Err("always")), 3))), "{outcome:?}");
}

#[taskgroup::test(start_paused = true)]
async fn always_restarts_after_success_and_stops_past_the_intensity() {
    let starts = Arc::new(AtomicUsize::new(0));
    let counted = starts.clone();
    let value: Result<usize, ()> = scope! {
        let handle = spawn!(
            restart = Restart::always().backoff(Backoff::fixed(10 * MS)).at_most(2, 1000 * MS),
            move || {
                let counted = counted.clone();
                async move { counted.fetch_add(1, SeqCst) + 1 }.map_output()
            }
        );
        Ok(handle.await)
    };
    assert_eq!(value, Ok(3));
    assert_eq!(starts.load(SeqCst), 3);
}

/// `Ok(value)` for a future returning a value: what a restarted child must
/// return (`()` or a `Result`).
trait MapOutput: std::future::Future + Sized {
    fn map_output(self) -> impl std::future::Future<Output = Result<Self::Output, ()>> {
        async move { Ok(self.await) }
    }
}
impl<F: std::future::Future> MapOutput for F {}

#[taskgroup::test(start_paused = true)]
async fn one_for_all_restarts_every_sibling_of_a_nested_scope() {
    let starts = Arc::new(Mutex::new(Vec::new()));
    let causes = Arc::new(Mutex::new(Vec::new()));
    let (seen, cancelled) = (starts.clone(), causes.clone());
    let result: Result<(), &str> = scope! {
        spawn!(
            restart = Restart::on_failure().backoff(no_jitter(50 * MS, 50 * MS)),
            move || {
                let (seen, cancelled) = (seen.clone(), cancelled.clone());
                async move {
                    let generation = {
                        let mut starts = seen.lock().unwrap();
                        starts.push("gen");
                        starts.len()
                    };
                    scope! {
                        spawn!(async move {
                            sleep(10 * MS).await;
                            if generation == 1 { Err("a failed") } else { Ok(()) }
                        });
                        spawn!(async move {
                            let _cause = CauseOnDropInto(cancelled);
                            sleep(100 * MS).await;
                            Ok::<(), &str>(())
                        });
                        Ok(())
                    }
                }
            }
        );
        Ok(())
    };
    assert_eq!(result, Ok(()));
    assert_eq!(
        starts.lock().unwrap().len(),
        2,
        "both children started twice, together"
    );
    let causes = causes.lock().unwrap();
    assert!(
        matches!(causes.as_slice(), [Some(Cause::TaskFailed(_)), None]),
        "the sibling was cancelled by the failure the first time, finished the second: {causes:?}"
    );
}

/// The scope named `name`, at any depth.
fn find<'a>(scopes: &'a [taskgroup::ScopeDump], name: &str) -> Option<&'a taskgroup::ScopeDump> {
    scopes.iter().find_map(|scope| {
        if scope.scope.name() == Some(name) {
            Some(scope)
        } else {
            find(&scope.scopes, name)
        }
    })
}

/// Pushes what `cause()` says when dropped.
struct CauseOnDropInto(Arc<Mutex<Vec<Option<Cause>>>>);

impl Drop for CauseOnDropInto {
    fn drop(&mut self) {
        self.0.lock().unwrap().push(taskgroup::cause());
    }
}

#[taskgroup::test(start_paused = true)]
async fn the_dump_shows_restarts_and_the_last_failure() {
    taskgroup::enable_dump();
    let starts = Arc::new(AtomicUsize::new(0));
    let counted = starts.clone();
    let result: Result<(), &str> = scope!(name = "supervised-dump"; {
        spawn!(
            name = "refresher",
            restart = Restart::on_failure().backoff(Backoff::fixed(10 * MS)),
            move || {
                let counted = counted.clone();
                async move {
                    if counted.fetch_add(1, SeqCst) < 2 {
                        return Err("cache miss storm");
                    }
                    std::future::pending::<Result<(), &str>>().await
                }
            }
        );
        sleep(100 * MS).await;
        let dump = taskgroup::dump();
        let scope = find(&dump.scopes, "supervised-dump").expect("the scope is listed");
        let task = &scope.tasks[0];
        assert_eq!(task.restarts, 2);
        assert_eq!(task.last_failure.as_deref(), Some("returned Err(\"cache miss storm\")"));
        assert!(dump.to_string().contains("restarted 2×"), "{dump}");
        cancel!();
        Ok(())
    });
    assert_eq!(result, Ok(()));
}

#[taskgroup::test(start_paused = true)]
async fn a_dropped_supervised_scope_restarts_nothing() {
    let starts = Arc::new(AtomicUsize::new(0));
    let counted = starts.clone();
    let scope = async move {
        scope! {
            spawn!(
                restart = Restart::always().backoff(Backoff::fixed(10 * MS)).at_most(1000, 1000 * MS),
                move || {
                    let counted = counted.clone();
                    async move {
                        counted.fetch_add(1, SeqCst);
                        sleep(5 * MS).await;
                    }
                }
            );
        }
    };
    let dropped = tokio::time::timeout(42 * MS, scope).await;
    assert!(dropped.is_err(), "the scope runs until dropped");
    let at_drop = starts.load(SeqCst);
    assert_eq!(at_drop, 3, "starts at 0, 15, 30 ms");
    sleep(1000 * MS).await;
    assert_eq!(starts.load(SeqCst), at_drop, "no restart after the drop");
}

#[taskgroup::test(start_paused = true)]
async fn a_draining_scope_restarts_nothing() {
    let starts = Arc::new(AtomicUsize::new(0));
    let counted = starts.clone();
    let start = Instant::now();
    let result: Result<(), &str> = scope!(grace = 1000 * MS; {
        spawn!(
            restart = Restart::always().backoff(Backoff::none()),
            move || {
                let counted = counted.clone();
                async move {
                    counted.fetch_add(1, SeqCst);
                    // Finishes cleanly once told to stop: `always` would
                    // restart it, the drain does not.
                    taskgroup::cancelled().await;
                    sleep(20 * MS).await;
                }
            }
        );
        sleep(10 * MS).await;
        cancel!();
        Ok(())
    });
    assert_eq!(result, Ok(()));
    assert_eq!(starts.load(SeqCst), 1);
    assert_eq!(
        start.elapsed(),
        30 * MS,
        "the child finished in the grace period"
    );
}

#[taskgroup::test(start_paused = true)]
async fn errors_isolated_makes_every_spawned_child_isolated() {
    let _turn = COUNTER.lock().await;
    let result: Result<_, &str> = scope!(errors = isolated; {
        let failing = spawn!(async { Err::<(), &str>("one") });
        let panicking = spawn!(isolated, async {
            if true {
                panic!("two")
            }
        });
        let fine = try_spawn!(async { 3 }).expect("no limit");
        let failing = failing.await.expect("not a panic");
        let panicked = panicking.await.unwrap_err().into_panic().unwrap().into_payload();
        Ok((failing, panicked.downcast_ref::<&str>().copied(), fine.await.unwrap()))
    });
    assert_eq!(result, Ok((Err("one"), Some("two"), 3)));
}

#[taskgroup::nursery(errors = isolated)]
async fn server(connections: u32) -> Result<u32, std::io::Error> {
    let mut served = 0;
    let handles: Vec<_> = (0..connections)
        .map(|i| {
            spawn!(async move {
                if i == 1 {
                    panic!("connection {i} crashed");
                }
                i
            })
        })
        .collect();
    for handle in handles {
        if let Ok(i) = handle.await {
            served += i;
        }
    }
    Ok(served)
}

#[taskgroup::test(start_paused = true)]
async fn a_nursery_with_errors_isolated_survives_a_crashing_connection() {
    let _turn = COUNTER.lock().await;
    // 0 + 2 + 3: connection 1 panicked, its panic reported as unobserved.
    let before = taskgroup::unobserved_panics();
    assert_eq!(server(4).await.unwrap(), 5);
    assert_eq!(taskgroup::unobserved_panics(), before + 1);
}

#[taskgroup::test(start_paused = true)]
async fn a_scope_cancelled_during_a_restart_pause_starts_nothing_more() {
    let starts = Arc::new(AtomicUsize::new(0));
    let counted = starts.clone();
    let start = Instant::now();
    let result: Result<(), String> = scope!(grace = 1000 * MS; {
        spawn!(
            restart = Restart::on_failure().backoff(Backoff::fixed(100 * MS)),
            move || {
                let counted = counted.clone();
                async move {
                    let n = counted.fetch_add(1, SeqCst) + 1;
                    sleep(10 * MS).await;
                    Err::<(), String>(format!("failure {n}"))
                }
            }
        );
        // The first start fails at 10 ms; its pause runs to 110 ms.
        sleep(50 * MS).await;
        cancel!();
        Ok(())
    });
    // No second start, and no waiting out the pause: the child ends
    // cancelled at `cancel!()` (its failure was the policy's to handle).
    assert_eq!(result, Ok(()));
    assert_eq!(starts.load(SeqCst), 1);
    assert_eq!(start.elapsed(), 50 * MS);
}

#[taskgroup::nursery]
async fn refresher_service(starts: Arc<AtomicUsize>) -> Result<(), String> {
    spawn!(
        restart = Restart::always().backoff(Backoff::fixed(5 * MS)),
        move || {
            let starts = starts.clone();
            async move {
                starts.fetch_add(1, SeqCst);
                // A start ends on its own after 20 ms, or at once when the
                // drain signals it: `always` would start it again.
                tokio::select! {
                    () = sleep(20 * MS) => {}
                    () = taskgroup::cancelled() => {}
                }
                Ok::<(), String>(())
            }
        }
    );
    taskgroup::cancelled().await;
    Ok(())
}

#[taskgroup::test(start_paused = true)]
async fn a_shutdown_drain_restarts_nothing() {
    use taskgroup::shutdown::{Outcome, Shutdown};
    let starts = Arc::new(AtomicUsize::new(0));
    let shutdown = Shutdown::new(1000 * MS).without_signals();
    let trigger = shutdown.trigger();
    let start = Instant::now();
    let (outcome, ()) = tokio::join!(shutdown.run(refresher_service(starts.clone())), async {
        // Starts at 0, 25, 50 ms; the drain at 60 ms.
        sleep(60 * MS).await;
        trigger.shutdown();
    });
    assert!(
        matches!(outcome, Outcome::Drained { value: Ok(()), .. }),
        "{outcome:?}"
    );
    assert_eq!(starts.load(SeqCst), 3);
    assert_eq!(
        start.elapsed(),
        60 * MS,
        "drained at once: nothing restarted"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_blocking_closure_is_signalled_and_its_result_is_nobodys() {
    let (started, running) = tokio::sync::oneshot::channel();
    let result: Result<(), &str> = scope! {
        let worker = spawn_blocking!(name = "worker", move || {
            started.send(()).unwrap();
            // Works until told to stop (a real loop would do a chunk per turn).
            while !taskgroup::is_cancelled() {
                std::thread::yield_now();
            }
            let cause = taskgroup::cause();
            assert!(matches!(&cause, Some(Cause::CancelledByHandle(task)) if task.name() == Some("worker")));
            Err::<(), &str>("stopped half-way") // not a failure: cancelled
        });
        running.await.unwrap();
        assert!(!taskgroup::is_cancelled(), "only the closure is signalled");
        worker.cancel();
        Ok(())
    };
    assert_eq!(result, Ok(()));
}

/// A subsystem of a service: runs until told to stop, takes `cleanup` to
/// stop, and logs when it starts stopping and when it is gone.
async fn subsystem(
    name: &'static str,
    cleanup: Duration,
    log: Arc<Mutex<Vec<(String, Duration)>>>,
    origin: Instant,
) {
    struct Gone(&'static str, Arc<Mutex<Vec<(String, Duration)>>>, Instant);
    impl Drop for Gone {
        fn drop(&mut self) {
            self.1
                .lock()
                .unwrap()
                .push((format!("{} gone", self.0), self.2.elapsed()));
        }
    }
    let _gone = Gone(name, log.clone(), origin);
    taskgroup::cancelled().await;
    log.lock()
        .unwrap()
        .push((format!("{name} stopping"), origin.elapsed()));
    sleep(cleanup).await;
}

type Log = Arc<Mutex<Vec<(String, Duration)>>>;

/// The log's entries, instants in ms.
fn entries(log: &Log) -> Vec<(String, u128)> {
    log.lock()
        .unwrap()
        .iter()
        .map(|(what, at)| (what.clone(), at.as_millis()))
        .collect()
}

/// Expected entries.
fn expect(entries: &[(&str, u128)]) -> Vec<(String, u128)> {
    entries
        .iter()
        .map(|(what, at)| ((*what).to_owned(), *at))
        .collect()
}

#[taskgroup::test(start_paused = true)]
async fn stop_reverse_stops_the_last_started_first_each_after_the_later_ones() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let origin = Instant::now();
    let result: Result<(), &str> = scope!(stop = reverse, grace = 1000 * MS; {
        spawn!(name = "database", subsystem("database", 30 * MS, log.clone(), origin));
        spawn!(name = "cache", subsystem("cache", 20 * MS, log.clone(), origin));
        spawn!(name = "listener", subsystem("listener", 10 * MS, log.clone(), origin));
        sleep(100 * MS).await;
        cancel!();
        Ok(())
    });
    assert_eq!(result, Ok(()));
    assert_eq!(
        entries(&log),
        expect(&[
            ("listener stopping", 100),
            ("listener gone", 110),
            ("cache stopping", 110),
            ("cache gone", 130),
            ("database stopping", 130),
            ("database gone", 160),
        ])
    );
    assert_eq!(origin.elapsed(), 160 * MS);
}

#[taskgroup::test(start_paused = true)]
async fn without_stop_reverse_everything_stops_at_once() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let origin = Instant::now();
    let _: Result<(), &str> = scope!(grace = 1000 * MS; {
        spawn!(subsystem("database", 30 * MS, log.clone(), origin));
        spawn!(subsystem("listener", 10 * MS, log.clone(), origin));
        sleep(100 * MS).await;
        cancel!();
        Ok(())
    });
    let stopping: Vec<u128> = log
        .lock()
        .unwrap()
        .iter()
        .filter(|(what, _)| what.ends_with("stopping"))
        .map(|(_, at)| at.as_millis())
        .collect();
    assert_eq!(stopping, [100, 100]);
}

#[taskgroup::test(start_paused = true)]
async fn stop_reverse_past_the_grace_aborts_the_rest_last_first() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let origin = Instant::now();
    let result: Result<(), &str> = scope!(stop = reverse, grace = 50 * MS; {
        spawn!(subsystem("database", 1000 * MS, log.clone(), origin));
        spawn!(subsystem("cache", 1000 * MS, log.clone(), origin));
        spawn!(subsystem("listener", 30 * MS, log.clone(), origin));
        sleep(100 * MS).await;
        cancel!();
        Ok(())
    });
    assert_eq!(result, Ok(()));
    let log: Vec<(String, u128)> = log
        .lock()
        .unwrap()
        .iter()
        .map(|(what, at)| (what.clone(), at.as_millis()))
        .collect();
    // The listener stops in 30 ms; the cache is signalled then, and the
    // grace (150 ms) ends its clean-up; the database is aborted after it,
    // never having been signalled.
    let expected: Vec<(String, u128)> = [
        ("listener stopping", 100),
        ("listener gone", 130),
        ("cache stopping", 130),
        ("cache gone", 150),
        ("database gone", 150),
    ]
    .into_iter()
    .map(|(what, at)| (what.to_owned(), at))
    .collect();
    assert_eq!(log, expected);
}

#[taskgroup::test(start_paused = true)]
async fn stop_reverse_without_grace_aborts_one_at_a_time_last_first() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let origin = Instant::now();
    let result: Result<(), &str> = scope!(stop = reverse; {
        spawn!(subsystem("database", 10 * MS, log.clone(), origin));
        spawn!(subsystem("cache", 10 * MS, log.clone(), origin));
        spawn!(async {
            sleep(100 * MS).await;
            Err::<(), &str>("listener failed")
        });
        Ok(())
    });
    assert_eq!(result, Err("listener failed"));
    let gone: Vec<String> = log
        .lock()
        .unwrap()
        .iter()
        .map(|(what, _)| what.clone())
        .collect();
    assert_eq!(
        gone,
        ["cache gone", "database gone"],
        "no clean-up without grace, the cache first"
    );
}

#[taskgroup::test(start_paused = true)]
async fn cancel_in_an_ordered_scope_signals_then_aborts_after_the_grace() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let origin = Instant::now();
    let seen = Arc::new(Mutex::new(None));
    let (cause_seen, logged) = (seen.clone(), log.clone());
    let result: Result<(), &str> = scope!(stop = reverse, grace = 40 * MS; {
        let worker = spawn!(name = "worker", async move {
            taskgroup::cancelled().await;
            *cause_seen.lock().unwrap() = taskgroup::cause();
            logged.lock().unwrap().push(("worker stopping".to_owned(), origin.elapsed()));
            // Ignores the signal: aborted when the grace is over.
            std::future::pending::<()>().await;
        });
        let other = spawn!(async {
            sleep(200 * MS).await;
            !taskgroup::is_cancelled()
        });
        sleep(10 * MS).await;
        worker.cancel();
        assert!(!taskgroup::is_cancelled(), "the scope goes on");
        assert!(other.await, "the sibling was not signalled");
        Ok(())
    });
    assert_eq!(result, Ok(()));
    assert_eq!(log.lock().unwrap()[0].1, 10 * MS);
    assert!(
        matches!(seen.lock().unwrap().take(), Some(Cause::CancelledByHandle(task)) if task.name() == Some("worker"))
    );
    assert_eq!(origin.elapsed(), 200 * MS);
}

#[taskgroup::test(start_paused = true)]
async fn a_nested_scope_in_an_ordered_child_follows_its_turn() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let origin = Instant::now();
    let logged = log.clone();
    let result: Result<(), &str> = scope!(stop = reverse, grace = 1000 * MS; {
        spawn!(async move {
            scope! {
                spawn!(subsystem("pool connection", 10 * MS, logged.clone(), origin));
            };
        });
        spawn!(subsystem("listener", 20 * MS, log.clone(), origin));
        sleep(100 * MS).await;
        cancel!();
        Ok(())
    });
    assert_eq!(result, Ok(()));
    assert_eq!(
        entries(&log),
        expect(&[
            ("listener stopping", 100),
            ("listener gone", 120),
            ("pool connection stopping", 120),
            ("pool connection gone", 130),
        ])
    );
}

#[taskgroup::test(start_paused = true)]
async fn dropping_an_ordered_scope_stops_everything_at_once() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let origin = Instant::now();
    let logged = log.clone();
    let scope = async move {
        let _: Result<(), &str> = scope!(stop = reverse, grace = 1000 * MS; {
            spawn!(subsystem("database", 30 * MS, logged.clone(), origin));
            spawn!(subsystem("listener", 10 * MS, logged.clone(), origin));
            std::future::pending::<()>().await;
            Ok(())
        });
    };
    assert!(tokio::time::timeout(50 * MS, scope).await.is_err());
    sleep(MS).await;
    let gone: Vec<(String, u128)> = log
        .lock()
        .unwrap()
        .iter()
        .map(|(what, at)| (what.clone(), at.as_millis()))
        .collect();
    assert_eq!(
        gone,
        [
            ("listener gone".to_owned(), 50),
            ("database gone".to_owned(), 50)
        ],
        "aborted at once, the last started first"
    );
}

#[taskgroup::test(start_paused = true)]
async fn in_an_ordered_scope_a_child_and_its_nested_scopes_see_the_scopes_cause() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (inner, outer) = (seen.clone(), seen.clone());
    let result: Result<(), &str> = scope!(stop = reverse, grace = 1000 * MS; {
        spawn!(async move {
            let _: Result<(), &str> = scope! {
                taskgroup::cancelled().await;
                inner.lock().unwrap().push(taskgroup::cause().map(|cause| cause.root().clone()));
                Ok(())
            };
            taskgroup::cancelled().await;
            outer.lock().unwrap().push(taskgroup::cause());
        });
        spawn!(async {
            sleep(10 * MS).await;
            Err::<(), &str>("failed")
        });
        Ok(())
    });
    assert_eq!(result, Err("failed"));
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    assert!(
        seen.iter()
            .all(|cause| matches!(cause, Some(Cause::TaskFailed(_)))),
        "{seen:?}"
    );
}

#[taskgroup::test(start_paused = true)]
async fn cancelling_one_scoped_child_drops_it_in_scope_and_the_rest_goes_on() {
    let seen = Arc::new(Mutex::new(None));
    let mut done = Vec::new();
    let guard = CauseOnDrop(seen.clone());
    let result: Result<(), &str> = scope! {
        let stuck = spawn_scoped!(name = "stuck", async move {
            let _guard = guard;
            std::future::pending::<()>().await;
        });
        let other = spawn_scoped!(async {
            sleep(20 * MS).await;
            done.push("other");
        });
        sleep(10 * MS).await;
        stuck.cancel();
        assert!(!taskgroup::is_cancelled());
        other.await;
        Ok(())
    };
    assert_eq!(result, Ok(()));
    assert_eq!(done, ["other"]);
    assert!(
        matches!(seen.lock().unwrap().take(), Some(Cause::CancelledByHandle(task)) if task.name() == Some("stuck"))
    );
}

#[taskgroup::test(start_paused = true)]
async fn the_dump_counts_how_isolated_children_ended() {
    let _turn = COUNTER.lock().await;
    taskgroup::enable_dump();
    let result: Result<(), &str> = scope!(name = "isolated-dump", errors = isolated; {
        let panicked = spawn!(async {
            if true {
                panic!("one")
            }
        });
        let slow = spawn!(timeout = 5 * MS, std::future::pending::<()>());
        let stuck = spawn!(std::future::pending::<()>());
        stuck.cancel();
        drop(panicked.await.unwrap_err().into_panic().map(|panic| panic.into_payload()));
        assert!(slow.await.unwrap_err().to_string().contains("timeout"));
        sleep(MS).await;
        let dump = taskgroup::dump();
        let scope = find(&dump.scopes, "isolated-dump").expect("listed");
        assert_eq!(
            (scope.isolated_panicked, scope.isolated_timed_out, scope.isolated_cancelled),
            (1, 1, 1)
        );
        assert!(
            dump.to_string().contains("isolated children ended: 1 panicked, 1 timed out, 1 cancelled"),
            "{dump}"
        );
        Ok(())
    });
    assert_eq!(result, Ok(()));
}

#[taskgroup::test(start_paused = true)]
async fn cancel_in_a_scope_with_grace_signals_then_aborts_after_the_grace() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let origin = Instant::now();
    let result: Result<(), &str> = scope!(grace = 40 * MS; {
        let polite = spawn!(name = "polite", subsystem("polite", 10 * MS, log.clone(), origin));
        let stubborn = spawn!(name = "stubborn", async {
            // Ignores the signal: aborted when the grace is over.
            std::future::pending::<()>().await;
        });
        let other = spawn!(async {
            sleep(100 * MS).await;
            !taskgroup::is_cancelled()
        });
        sleep(10 * MS).await;
        polite.cancel();
        stubborn.cancel();
        assert!(!taskgroup::is_cancelled(), "the scope goes on");
        assert!(other.await, "the sibling was not signalled");
        Ok(())
    });
    assert_eq!(result, Ok(()));
    assert_eq!(
        entries(&log),
        expect(&[("polite stopping", 10), ("polite gone", 20)])
    );
    assert_eq!(origin.elapsed(), 100 * MS);
}
