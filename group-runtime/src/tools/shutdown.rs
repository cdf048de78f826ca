//! `taskgroup::shutdown`: run a service as a root scope that turns SIGINT,
//! SIGTERM or an explicit trigger into cancellation, drains for a bounded
//! time, then aborts what is left and reports it.
//!
//! Phase 1: the service runs. Phase 2 (triggered): the scope is cancelled
//! with a grace period equal to the drain time — `taskgroup::cancelled()`
//! completes, `is_cancelled()` is true, no new child starts, in-flight work
//! finishes on its own. Phase 3 (the drain time is over): the tree of what
//! is still alive is captured (and printed to stderr), then everything is
//! dropped.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! use std::process::ExitCode;
//! use std::time::Duration;
//! use taskgroup::shutdown::Shutdown;
//!
//! // #[tokio::main] async fn main() -> ExitCode {
//! let shutdown = Shutdown::new(Duration::from_secs(10)); // SIGINT / SIGTERM, 10 s drain
//! # let shutdown = shutdown.without_signals();
//! # shutdown.trigger().shutdown();
//! let outcome = shutdown
//!     .run(async {
//!         // serve() until `taskgroup::cancelled()` completes
//!         taskgroup::cancelled().await;
//!     })
//!     .await;
//! let status: ExitCode = outcome.exit_code(); // 1 if work had to be aborted
//! # assert_eq!(status, ExitCode::SUCCESS);
//! // }
//! # }
//! ```

use std::convert::Infallible;
use std::future::{poll_fn, Future};
use std::panic::Location;
use std::pin::pin;
use std::process::ExitCode;
use std::task::Poll;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::core::cause::Cause;
use crate::scope::options::Options;
use crate::scope::returns::Plain;
use crate::scope::Scope;
use crate::tools::dump::{dump_of, Dump};

/// How a service run by [`Shutdown::run`] ended.
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::time::Duration;
/// use taskgroup::shutdown::{Outcome, Shutdown};
/// let shutdown = Shutdown::new(Duration::from_secs(5)).without_signals();
/// let trigger = shutdown.trigger();
/// let outcome = shutdown
///     .run(async move {
///         trigger.shutdown();
///         taskgroup::scope! {
///             spawn!(name = "stuck", std::future::pending::<()>()); // ignores the drain
///         };
///     })
///     .await;
/// match &outcome {
///     Outcome::Aborted { reason, still_alive } => {
///         assert_eq!(*reason, "trigger");
///         assert!(still_alive.to_string().contains("\"stuck\""));
///     }
///     other => panic!("{other:?}"),
/// }
/// assert_eq!(outcome.exit_code(), std::process::ExitCode::from(1));
/// # }
/// ```
#[derive(Debug)]
pub enum Outcome<T> {
    /// The service returned on its own, before any shutdown request.
    Finished(T),
    /// A shutdown was requested (the reason: `"SIGINT"`, `"SIGTERM"`,
    /// `"trigger"`) and everything stopped within the drain time.
    Drained {
        /// What the service returned.
        value: T,
        /// Why the shutdown started.
        reason: &'static str,
    },
    /// The drain time passed with work still alive: it was aborted. The
    /// tree of what was alive at that moment.
    Aborted {
        /// Why the shutdown started.
        reason: &'static str,
        /// What was still alive when the drain time was over.
        still_alive: Dump,
    },
}

impl<T> Outcome<T> {
    /// The process's exit status: success unless work had to be aborted.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::process::ExitCode;
    /// use std::time::Duration;
    /// use taskgroup::shutdown::Shutdown;
    /// // fn main() -> ExitCode { … Shutdown::new(drain).run(serve()).await.exit_code() }
    /// let outcome = Shutdown::new(Duration::from_secs(5)).run(async { "done" }).await;
    /// assert_eq!(outcome.exit_code(), ExitCode::SUCCESS);
    /// # }
    /// ```
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Outcome::Finished(_) | Outcome::Drained { .. } => ExitCode::SUCCESS,
            Outcome::Aborted { .. } => ExitCode::from(1),
        }
    }
}

/// Requests the shutdown of a [`Shutdown::run`] (cloneable; for tests, or a
/// `/shutdown` endpoint).
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::time::Duration;
/// use taskgroup::shutdown::{Outcome, Shutdown};
/// let shutdown = Shutdown::new(Duration::from_secs(5)).without_signals();
/// let trigger = shutdown.trigger(); // e.g. kept by a `/shutdown` endpoint
/// let outcome = shutdown
///     .run(async move {
///         taskgroup::scope! {
///             spawn!(async move { trigger.shutdown() });
///             taskgroup::cancelled().await; // the service stops accepting
///         };
///     })
///     .await;
/// assert!(matches!(outcome, Outcome::Drained { reason: "trigger", .. }));
/// # }
/// ```
#[derive(Clone, Debug, Default)]
pub struct Trigger(CancellationToken);

impl Trigger {
    /// Starts the shutdown (idempotent).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use taskgroup::shutdown::Shutdown;
    /// let shutdown = Shutdown::new(Duration::from_secs(5)).without_signals();
    /// let trigger = shutdown.trigger();
    /// trigger.shutdown();
    /// trigger.shutdown(); // idempotent
    /// let outcome = shutdown.run(async { taskgroup::cancelled().await }).await;
    /// assert_eq!(outcome.exit_code(), std::process::ExitCode::SUCCESS);
    /// # }
    /// ```
    pub fn shutdown(&self) {
        self.0.cancel();
    }
}

/// A service's lifetime: see the module docs.
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::time::Duration;
/// use taskgroup::shutdown::{Outcome, Shutdown};
///
/// let shutdown = Shutdown::new(Duration::from_secs(10)).without_signals();
/// let trigger = shutdown.trigger();
/// let outcome = shutdown
///     .run(async move {
///         trigger.shutdown(); // e.g. from a /shutdown endpoint, or SIGTERM
///         taskgroup::cancelled().await; // stop accepting, finish in-flight work
///         "drained"
///     })
///     .await;
/// assert!(matches!(outcome, Outcome::Drained { value: "drained", .. }));
/// # }
/// ```
#[derive(Debug)]
pub struct Shutdown {
    drain: Duration,
    signals: bool,
    trigger: Trigger,
}

impl Shutdown {
    /// A shutdown that waits up to `drain` for work to finish once
    /// requested, listening to SIGINT (Ctrl-C) and, on Unix, SIGTERM.
    /// Enables [`crate::dump()`] (the report of what outlives the drain).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use taskgroup::shutdown::Shutdown;
    /// // Up to 10 s for requests in flight after SIGINT / SIGTERM.
    /// let shutdown = Shutdown::new(Duration::from_secs(10));
    /// let outcome = shutdown.run(async { /* the service */ }).await;
    /// assert_eq!(outcome.exit_code(), std::process::ExitCode::SUCCESS);
    /// # }
    /// ```
    pub fn new(drain: Duration) -> Self {
        crate::tools::dump::enable_dump();
        Shutdown {
            drain,
            signals: true,
            trigger: Trigger::default(),
        }
    }

    /// Only [`Shutdown::trigger`] starts the shutdown (tests, embedded use).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use taskgroup::shutdown::{Outcome, Shutdown};
    /// // In a test: only the trigger stops the service.
    /// let shutdown = Shutdown::new(Duration::from_secs(1)).without_signals();
    /// shutdown.trigger().shutdown();
    /// let outcome = shutdown.run(async { taskgroup::cancelled().await }).await;
    /// assert!(matches!(outcome, Outcome::Drained { .. }));
    /// # }
    /// ```
    pub fn without_signals(mut self) -> Self {
        self.signals = false;
        self
    }

    /// A handle that starts the shutdown.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use taskgroup::shutdown::Shutdown;
    /// let shutdown = Shutdown::new(Duration::from_secs(1)).without_signals();
    /// let (first, second) = (shutdown.trigger(), shutdown.trigger()); // clones
    /// second.shutdown();
    /// drop(first);
    /// let outcome = shutdown.run(async { taskgroup::cancelled().await }).await;
    /// assert_eq!(outcome.exit_code(), std::process::ExitCode::SUCCESS);
    /// # }
    /// ```
    pub fn trigger(&self) -> Trigger {
        self.trigger.clone()
    }

    /// Runs `service` as the body of a root scope until it returns, or
    /// until a shutdown request and the drain that follows.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use taskgroup::shutdown::{Outcome, Shutdown};
    /// let outcome = Shutdown::new(Duration::from_secs(10))
    ///     .without_signals()
    ///     .run(async { 42 }) // returns on its own: no shutdown needed
    ///     .await;
    /// assert!(matches!(outcome, Outcome::Finished(42)));
    /// # }
    /// ```
    #[track_caller]
    pub fn run<F: Future>(self, service: F) -> impl Future<Output = Outcome<F::Output>> {
        let location = Location::caller();
        async move {
            let Shutdown {
                drain,
                signals,
                trigger,
            } = self;
            // The drain is timed here: the scope itself never aborts on its
            // own, so that what is alive can be reported before the abort.
            let options = Options::new(location).name("service").grace_until_dropped();
            let scope = Scope::<Infallible>::open(options);
            let mut run = pin!(Some(Plain::new().run(&scope, service)));
            let mut requested = pin!(requested(trigger.0, signals));
            let mut drained = pin!(None);
            let mut reason = None;
            let outcome = poll_fn(|cx| {
                if let Some(running) = run.as_mut().as_pin_mut() {
                    if let Poll::Ready(value) = running.poll(cx) {
                        return Poll::Ready(match reason {
                            None => Outcome::Finished(value),
                            Some(reason) => Outcome::Drained { value, reason },
                        });
                    }
                }
                if reason.is_none() {
                    if let Poll::Ready(why) = requested.as_mut().poll(cx) {
                        reason = Some(why);
                        scope.shared.cancel(Cause::Shutdown { reason: why });
                        drained.set(Some(tokio::time::sleep(drain)));
                    }
                }
                if let Some(sleep) = drained.as_mut().as_pin_mut() {
                    if sleep.poll(cx).is_ready() {
                        let still_alive = dump_of(&scope.shared);
                        // The library prints nothing: the report is in
                        // `Outcome::Aborted` (and a `tracing` event).
                        crate::core::trace::shutdown_aborted(
                            reason.unwrap_or("trigger"),
                            drain,
                            &still_alive,
                        );
                        run.set(None);
                        return Poll::Ready(Outcome::Aborted {
                            reason: reason.unwrap_or("trigger"),
                            still_alive,
                        });
                    }
                }
                Poll::Pending
            })
            .await;
            outcome
        }
    }
}

/// Completes with the reason of the first shutdown request.
async fn requested(trigger: CancellationToken, signals: bool) -> &'static str {
    if !signals {
        trigger.cancelled().await;
        return "trigger";
    }
    tokio::select! {
        () = trigger.cancelled() => "trigger",
        _ = tokio::signal::ctrl_c() => "SIGINT",
        () = terminate() => "SIGTERM",
    }
}

#[cfg(unix)]
async fn terminate() {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::terminate()) {
        Ok(mut terminate) => {
            terminate.recv().await;
        }
        Err(_) => std::future::pending().await,
    }
}

#[cfg(not(unix))]
async fn terminate() {
    std::future::pending().await
}
