//! Time limits: `timeout = d` on a scope or on one task, the deadline error
//! [`Elapsed`], and [`deadline`], the effective deadline of the code running
//! now.
//!
//! A scope's deadline is the earliest of its own (`timeout`, counted from
//! when the scope opens) and its enclosing scopes'. When its own deadline
//! passes, the scope fails as if a child had returned `Err(Elapsed)`
//! converted to the scope's error type: everything is cancelled and joined,
//! and the scope returns that error ([`crate::Cause::DeadlineExceeded`]).
//! A task's `timeout` is that task's error when it has not finished in
//! time: it fails the scope like a child's `Err` (collected with
//! `errors = all`). Time is tokio's: paused time in tests works.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::Context;
use std::time::Duration;

use pin_project_lite::pin_project;
use tokio::time::{Instant, Sleep};

use crate::core::ambient;

/// The error of a scope or task whose `timeout` elapsed. A fallible scope
/// with a `timeout` needs `E: From<Elapsed>`.
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::time::Duration;
/// use taskgroup::{scope, Elapsed};
///
/// let result = scope!(timeout = Duration::from_secs(1); {
///     spawn!(std::future::pending::<()>());
///     Ok::<_, Elapsed>(())
/// });
/// assert_eq!(result, Err(Elapsed));
/// # }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Elapsed;

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline elapsed")
    }
}

impl std::error::Error for Elapsed {}

/// The scope's error type can be built from [`Elapsed`]
/// (`From<Elapsed> + Send + 'static`): required by `timeout`, on a scope
/// and on a task, since the deadline fails the scope with that error.
///
/// Implemented for every such type; see [the module](crate::checks).
#[diagnostic::on_unimplemented(
    message = "`timeout` fails the scope with `taskgroup::Elapsed`, but the scope's error type `{Self}` cannot be built from it",
    label = "this scope has a `timeout`",
    note = "implement `From<taskgroup::Elapsed>` for `{Self}` (or use `taskgroup::Elapsed` as the error type)",
    note = "a scope whose body does not return `Result` cannot fail: make the body return `Result<_, E>` with `E: From<taskgroup::Elapsed>`"
)]
pub trait DeadlineError: Send + 'static {
    /// `Self::from(Elapsed)`, boxed for the scope.
    fn elapsed() -> Box<dyn std::any::Any + Send>;
}

impl<E: From<Elapsed> + Send + 'static> DeadlineError for E {
    fn elapsed() -> Box<dyn std::any::Any + Send> {
        Box::new(E::from(Elapsed))
    }
}

/// Values accepted by `timeout = …` and `grace = …`: a [`Duration`], or an
/// `Option` of one where `None` means no time limit (no grace period).
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::time::Duration;
/// use taskgroup::{scope, Elapsed};
/// let configured: Option<Duration> = None; // no time limit
/// let a: Result<u8, Elapsed> = scope!(timeout = configured; { Ok(1) });
/// let b: Result<u8, Elapsed> = scope!(timeout = Duration::from_secs(5), grace = configured; { Ok(2) });
/// assert_eq!((a, b), (Ok(1), Ok(2)));
/// # }
/// ```
#[diagnostic::on_unimplemented(
    message = "`timeout = …` and `grace = …` take a `std::time::Duration` or an `Option<Duration>`, not `{Self}`",
    label = "not a `Duration`",
    note = "e.g. `timeout = Duration::from_secs(5)`, or `timeout = config.timeout` with an `Option<Duration>` (`None`: no time limit)"
)]
pub trait IntoTimeout {
    /// `None` for no time limit.
    fn into_timeout(self) -> Option<Duration>;
}

impl IntoTimeout for Duration {
    fn into_timeout(self) -> Option<Duration> {
        Some(self)
    }
}

impl<T: IntoTimeout> IntoTimeout for Option<T> {
    fn into_timeout(self) -> Option<Duration> {
        self.and_then(IntoTimeout::into_timeout)
    }
}

/// The deadline of the scope the caller runs in: the earliest `timeout` of
/// it and its enclosing scopes, as a tokio [`Instant`]. `None` outside any
/// scope or when no enclosing scope has a `timeout`. (A task's own
/// `spawn!(timeout = …)` is not included.)
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::time::Duration;
/// use taskgroup::{scope, Elapsed};
///
/// assert!(taskgroup::deadline().is_none());
/// scope!(timeout = Duration::from_secs(10); {
///     let outer = taskgroup::deadline().unwrap();
///     scope!(timeout = Duration::from_secs(60); {
///         assert_eq!(taskgroup::deadline(), Some(outer)); // the earlier one
///         Ok::<_, Elapsed>(())
///     })
/// })
/// .unwrap();
/// # }
/// ```
pub fn deadline() -> Option<Instant> {
    ambient::with_current(|shared| shared.and_then(|shared| shared.deadline))
}

pin_project! {
    /// A task's own `timeout` (`spawn!(timeout = d, fut)`), kept by the
    /// child (boxed: only timed children pay for it). The clock starts at
    /// the child's first poll: waiting for a `limit` slot does not count.
    /// When it expires the child stops and its scope records the task's
    /// timeout once (`Shared::task_timed_out`, `core/state.rs`).
    pub(crate) struct TaskTimer {
        after: Duration,
        #[pin]
        sleep: Option<Sleep>,
    }
}

impl TaskTimer {
    pub(crate) fn new(after: Duration) -> Self {
        TaskTimer { after, sleep: None }
    }

    pub(crate) fn after(&self) -> Duration {
        self.after
    }

    /// Starts the clock at the first call; `true` once the time is up.
    pub(crate) fn expired(self: Pin<&mut Self>, cx: &mut Context<'_>) -> bool {
        let mut this = self.project();
        if this.sleep.is_none() {
            let at = Instant::now() + *this.after;
            this.sleep.set(Some(tokio::time::sleep_until(at)));
        }
        this.sleep
            .as_pin_mut()
            .is_some_and(|sleep| sleep.poll(cx).is_ready())
    }
}
