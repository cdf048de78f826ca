//! `taskgroup::testing`: a leak check for tests, the crate's `goleak`.
//!
//! [`check_leaks`] runs the test's future as the body of a root scope:
//! everything the test starts through scopes — tasks, nested scopes,
//! stragglers of scopes whose futures were dropped — belongs to it, and the
//! test returns only after all of it has stopped. If, once the test's
//! future has returned, something still has not stopped after a bound
//! (a blocking task ignoring cancellation, a straggler stuck in a
//! synchronous call), the test fails with the tree of what is still alive.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use taskgroup::{scope, testing::check_leaks};
//!
//! // #[tokio::test] async fn fetches_in_parallel() { — or `#[taskgroup::test]`
//! check_leaks(async {
//!     let total = scope! { spawn!(async { 20 }).await + spawn!(async { 22 }).await };
//!     assert_eq!(total, 42);
//! })
//! .await;
//! // }
//! # }
//! ```

use std::convert::Infallible;
use std::future::{poll_fn, Future};
use std::panic::Location;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::task::Poll;
use std::time::Duration;

use crate::core::cause::Cause;
use crate::scope::options::Options;
use crate::scope::returns::Plain;
use crate::scope::Scope;
use crate::tools::dump;

/// How long [`check_leaks`] waits, after the test's future has returned,
/// for everything it started to stop.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use taskgroup::testing::{check_leaks, DEFAULT_BOUND};
/// assert_eq!(DEFAULT_BOUND, std::time::Duration::from_secs(5));
/// check_leaks(async { /* a test whose stragglers get 5 s to stop */ }).await;
/// # }
/// ```
pub const DEFAULT_BOUND: Duration = Duration::from_secs(5);

/// Runs `test` inside a root scope and fails (panics with
/// [`crate::dump()`] of what is still alive; this enables the dump) if anything it started has not
/// stopped [`DEFAULT_BOUND`] after `test` returned.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use taskgroup::{scope, testing::check_leaks};
///
/// // #[tokio::test] async fn fetches_in_parallel() {
/// check_leaks(async {
///     let total = scope! {
///         let a = spawn!(async { 1 });
///         let b = spawn!(async { 2 });
///         a.await + b.await
///     };
///     assert_eq!(total, 3);
/// })
/// .await;
/// // }
/// # }
/// ```
#[track_caller]
pub fn check_leaks<F: Future>(test: F) -> impl Future<Output = F::Output> {
    check_leaks_within(DEFAULT_BOUND, test)
}

/// [`check_leaks`] with another bound.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use std::time::Duration;
/// use taskgroup::{scope, testing::check_leaks_within};
/// // Stragglers must stop within 100 ms of the test's end.
/// let total = check_leaks_within(Duration::from_millis(100), async {
///     scope! { spawn!(async { 40 }).await + 2 }
/// })
/// .await;
/// assert_eq!(total, 42);
/// # }
/// ```
#[track_caller]
pub fn check_leaks_within<F: Future>(bound: Duration, test: F) -> impl Future<Output = F::Output> {
    let location = Location::caller();
    crate::tools::dump::enable_dump();
    async move {
        let scope = Scope::<Infallible>::open(Options::new(location).name("leak check"));
        // Set when the test's body is gone: returned, or unwinding from a
        // panic (the bound applies to both: a failing test with a
        // straggler must not hang either).
        let ended = AtomicBool::new(false);
        struct Ended<'a>(&'a AtomicBool);
        impl Drop for Ended<'_> {
            fn drop(&mut self) {
                self.0.store(true, SeqCst);
            }
        }
        let body = async {
            let _ended = Ended(&ended);
            test.await
        };
        let mut run = pin!(Plain::new().run(&scope, body));
        let mut deadline = pin!(None);
        poll_fn(|cx| {
            if let Poll::Ready(output) = run.as_mut().poll(cx) {
                let leaked = dump::leaked_below(&scope.shared);
                if let Some(first) = leaked.first() {
                    panic!(
                        "taskgroup: leak check at {location}: the future of the {first} was \
                         leaked (`std::mem::forget`): it never returned and was never dropped \
                         ({} scope(s) in all). Its children were joined with the test, but a \
                         leaked scope skips its own join and clean-up",
                        leaked.len()
                    );
                }
                return Poll::Ready(output);
            }
            if ended.load(SeqCst) && deadline.is_none() {
                deadline.set(Some(tokio::time::sleep(bound)));
            }
            if let Some(sleep) = deadline.as_mut().as_pin_mut() {
                if sleep.poll(cx).is_ready() {
                    let alive = dump::dump_of(&scope.shared);
                    let how = match scope.shared.cause() {
                        Some(cause @ Cause::BodyPanicked { .. }) => {
                            format!("the test failed ({cause})")
                        }
                        _ => "the test returned".to_owned(),
                    };
                    panic!(
                        "taskgroup: leak check at {location}: {how}, but {bound:?} later this \
                         is still alive:\n{alive}"
                    );
                }
            }
            Poll::Pending
        })
        .await
    }
}
