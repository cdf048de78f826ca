//! Model checking of the runtime's lock-free state with `loom`: every
//! interleaving (and, for the atomics, every allowed reordering) of the
//! racing operations, on the real code.
//!
//! Run: `RUSTFLAGS="--cfg taskgroup_loom" CARGO_TARGET_DIR=target/loom
//! cargo test -p taskgroup-runtime --lib --release loom_tests` (CI does).
//! Under that cfg the scope's atomics and the parked set's lock are
//! loom's (`sync.rs`); the rest of the runtime is unchanged.
//!
//! Not modelled: the creation of a scope's `CancellationToken` racing its
//! cancellation. The token sits in a std `OnceLock`, which loom cannot see,
//! so loom would prune exactly the interleavings that matter (a test of it
//! passed with its safeguard removed, so it was dropped rather than kept as
//! a test that cannot fail). Each path has a fence(SeqCst) between its
//! write and its read, the same store-buffering shape as the join below.

use std::future::Future;
use std::panic::Location;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Waker};

use loom::thread;

use crate::core::cause::{Cause, ScopeInfo, TaskId, TaskInfo};
use crate::core::parked::counting::{self, Count};
use crate::core::parked::{Parked, Registered};
use crate::core::state::Shared;

fn scope() -> Arc<Shared> {
    let info = ScopeInfo::new(None, Location::caller());
    Arc::new(Shared::new(info, None, None, None, None, false))
}

/// A wake-up for the runner is pending (tokio's `Notify` keeps the permit
/// of a `notify_one` that found no waiter).
fn runner_woken(shared: &Shared) -> bool {
    let notified = pin!(shared.wake_runner.notified());
    notified
        .poll(&mut Context::from_waker(Waker::noop()))
        .is_ready()
}

/// The join: the runner starts joining while the last children stop.
/// Either the runner sees that no child is left, or the child that brings
/// the count to the scope's own hold sees `joining` and wakes it: the
/// runner is never left waiting for a wake-up that does not come.
#[test]
fn loom_tests_the_last_child_never_misses_the_joining_runner() {
    loom::model(|| {
        let shared = scope();
        shared.task_started();
        shared.task_started();
        let children: Vec<_> = (0..2)
            .map(|_| {
                let shared = shared.clone();
                thread::spawn(move || shared.task_stopped())
            })
            .collect();
        let none_left = shared.start_join();
        for child in children {
            child.join().unwrap();
        }
        assert_eq!(shared.children(), 0);
        assert!(none_left || runner_woken(&shared), "lost wake-up");
    });
}

/// A child parks while the scope is cancelled: it is either registered
/// and woken exactly once, or told that the set is closed (and stops at
/// once, never woken).
#[test]
fn loom_tests_a_parking_child_is_woken_or_sees_the_close() {
    loom::model(|| {
        let (parked, count, waker) = parked_and_waker();
        let closer = {
            let parked = parked.clone();
            thread::spawn(move || parked.wake_all())
        };
        let registered = parked.register(&waker);
        closer.join().unwrap();
        let woken = count.get();
        match registered {
            Registered::Key(_) => assert_eq!(woken, 1, "a registered child was not woken"),
            Registered::Closed => assert_eq!(woken, 0),
        }
        assert_eq!(parked.register(&waker), Registered::Closed);
    });
}

/// A child that stops (removes its registration) while the scope is being
/// cancelled: never woken twice, and the lock-free skip of the removal
/// after the close never loses the set's consistency.
#[test]
fn loom_tests_a_child_stopping_during_the_close() {
    loom::model(|| {
        let (parked, count, waker) = parked_and_waker();
        let Registered::Key(key) = parked.register(&waker) else {
            panic!("an open set refused a registration");
        };
        let closer = {
            let parked = parked.clone();
            thread::spawn(move || parked.wake_all())
        };
        parked.remove(key);
        closer.join().unwrap();
        assert!(count.get() <= 1);
        assert_eq!(parked.register(&waker), Registered::Closed);
    });
}

/// Two children fail at the same moment: exactly one error is kept, and
/// it is the one the cause names (the failure returned is the failure
/// siblings were told about).
#[test]
fn loom_tests_two_failures_at_once_keep_one_and_name_it() {
    loom::model(|| {
        let shared = scope();
        let tasks: Vec<TaskInfo> = (0..2)
            .map(|_| TaskInfo::new(None, Location::caller()))
            .collect();
        let failing: Vec<_> = tasks
            .iter()
            .cloned()
            .map(|task| {
                let shared = shared.clone();
                thread::spawn(move || {
                    let id = task.id();
                    shared.fail_with_error(&task, id, |id| Box::new(id));
                })
            })
            .collect();
        for thread in failing {
            thread.join().unwrap();
        }
        let error = shared.take_error().expect("one error kept");
        let kept = *error.downcast::<TaskId>().expect("a task id");
        match shared.cause() {
            Some(Cause::TaskFailed(task)) => assert_eq!(task.id(), kept),
            other => panic!("cause {other:?} instead of the failed task"),
        }
        assert!(shared.is_aborting());
    });
}

/// A child fails while the body calls `cancel!()`: either the failure
/// came first (its error kept, the cause names it) or the cancellation
/// did (no error, the cause is `Cancelled`); never a mix.
#[test]
fn loom_tests_a_failure_racing_cancel_is_first_or_dropped() {
    loom::model(|| {
        let shared = scope();
        let task = TaskInfo::new(None, Location::caller());
        let failing = {
            let shared = shared.clone();
            thread::spawn(move || shared.fail_with_error(&task, (), |()| Box::new(())))
        };
        shared.cancel(Cause::Cancelled {
            at: Location::caller(),
        });
        failing.join().unwrap();
        match (shared.take_error(), shared.cause()) {
            (Some(_), Some(Cause::TaskFailed(_))) | (None, Some(Cause::Cancelled { .. })) => {}
            (error, cause) => panic!("error kept: {}, cause {cause:?}", error.is_some()),
        }
    });
}

/// A nested scope opens while its parent aborts: it ends up aborted,
/// whichever comes first (the parent walks its list of nested scopes, or
/// the nested scope sees the parent's state when it registers).
#[test]
fn loom_tests_a_nested_scope_opening_during_the_abort_is_aborted() {
    loom::model(|| {
        let parent = scope();
        let opening = {
            let parent = parent.clone();
            thread::spawn(move || {
                let info = ScopeInfo::new(None, Location::caller());
                let nested = Arc::new(Shared::new(info, Some(parent), None, None, None, false));
                nested.register();
                nested
            })
        };
        parent.cancel(Cause::Cancelled {
            at: Location::caller(),
        });
        let nested = opening.join().unwrap();
        assert!(nested.is_aborting(), "a nested scope missed the abort");
    });
}

fn parked_and_waker() -> (Arc<Parked>, Arc<Count>, Waker) {
    let (count, waker) = counting::waker();
    (Arc::new(Parked::default()), count, waker)
}
