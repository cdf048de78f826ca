//! The macros this crate exports (the facade re-exports them):
//!
//! * `spawn!` & co. outside any scope: always a compile error that says
//!   where they can be used. Inside a `#[nursery]` fn or a `scope!` block,
//!   local macros of the same names shadow these; their documentation
//!   here is what users read.
//! * `detached!`: the explicit, greppable opt-out of the detached-spawn
//!   check.

/// Defines the exported fallbacks: each expands to a `compile_error!` that
/// says where the macro can be used. (`$d` is a `$` passed in, to write the
/// inner macro's own matcher.)
macro_rules! outside_scope_only {
    ($d:tt $($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[macro_export]
        macro_rules! $name {
            ($d($d tokens:tt)*) => {
                ::core::compile_error!(::core::concat!(
                    "`", ::core::stringify!($name), "!` can only be used inside a ",
                    "`#[nursery]` async fn or a `scope! { … }` block ",
                    "(not outside one, and not in a nested `fn` item)",
                ))
            };
        }
    )*};
}

outside_scope_only! {$
    /// Starts a parallel child task of the enclosing scope; `.await` its handle
    /// for the value. **Only inside** a `#[nursery]` async fn or a `scope!`
    /// block (elsewhere this macro is a compile error).
    ///
    /// `spawn!(future)` or `spawn!(name = "fetch", future)`. The future must be
    /// `Send + 'static` (it runs in parallel on tokio). With `limit = n` on the
    /// scope, `spawn!` waits for a free slot.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use taskgroup::scope;
    /// let n = scope! { spawn!(name = "answer", async { 42 }).await };
    /// assert_eq!(n, 42);
    /// # }
    /// ```
    spawn;

    /// Starts a child only if the scope's `limit` has a free slot right now:
    /// `Some(handle)`, or `None` when the scope is full or cancelled (Go's
    /// `TryGo`). **Only inside** a `#[nursery]` async fn or a `scope!` block.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use taskgroup::scope;
    /// scope!(limit = 1; {
    ///     let first = try_spawn!(std::future::pending::<()>());
    ///     assert!(first.is_some());
    ///     assert!(try_spawn!(async {}).is_none()); // full: shed the load
    ///     cancel!();
    /// });
    /// # }
    /// ```
    try_spawn;

    /// Starts a daemon-shaped child of the enclosing scope (a heartbeat, a
    /// progress reporter): like `spawn!`, but when the body is done the child is
    /// cancelled instead of awaited, then joined. Its failure before that still
    /// fails the scope. **Only inside** a `#[nursery]` async fn or a `scope!`
    /// block.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// use std::time::Duration;
    /// use taskgroup::scope;
    /// let answer = scope! {
    ///     spawn_background!(async {
    ///         loop {
    ///             tokio::time::sleep(Duration::from_secs(1)).await; // heartbeat
    ///         }
    ///     });
    ///     spawn!(async { 42 }).await
    /// }; // the heartbeat is cancelled here, not awaited forever
    /// assert_eq!(answer, 42);
    /// # }
    /// ```
    spawn_background;

    /// Runs a blocking closure on tokio's blocking pool as a child of the
    /// enclosing scope; `.await` its handle for the value. It cannot be
    /// aborted: when the scope is cancelled, `taskgroup::is_cancelled()` turns
    /// `true` inside it and the scope waits for it to return (a closure still
    /// queued then never starts). A closure returning `Result` fails the scope
    /// with its `Err`, like `spawn!`. **Only inside** a `#[nursery]` async fn or
    /// a `scope!` block.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use taskgroup::scope;
    /// let total = scope! {
    ///     let sum = spawn_blocking!(|| (1..=100u64).sum::<u64>());
    ///     sum.await
    /// };
    /// assert_eq!(total, 5050);
    /// # }
    /// ```
    spawn_blocking;

    /// Starts a child that may borrow from around the scope (mutably too)
    /// and need not be `Send` or `'static`: it runs concurrently with the
    /// body inside the scope's own future, never in parallel. Same error,
    /// panic and cancellation semantics as `spawn!`; `.await` its handle for
    /// the value. A scope using it is not `Send` (its children live inside
    /// the scope's own future): use it where the future stays on one
    /// thread — a `#[tokio::main]` / `#[tokio::test]` body, `block_on`, a
    /// task of a `tokio::task::LocalSet` — not in a scope inside a `spawn!`
    /// task (a compile error that says so). **Only inside** a `#[nursery]`
    /// async fn or a `scope!` block, written in its body.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use taskgroup::scope;
    /// let mut counts = vec![0, 0, 0];
    /// scope! {
    ///     for count in counts.iter_mut() {
    ///         spawn_scoped!(async move { *count += 1 }); // disjoint &mut
    ///     }
    /// };
    /// assert_eq!(counts, [1, 1, 1]);
    /// # }
    /// ```
    spawn_scoped;

    /// Trio's `nursery.start`: starts a child that signals, through the
    /// `Ready` it is given, once it is initialised, and returns the value it
    /// signals (`Result<V, StartError<E>>`). A child that fails or ends
    /// before signalling makes `start!` fail, not the scope; after the
    /// signal it is an ordinary child. **Only inside** a `#[nursery]` async
    /// fn or a `scope!` block. [`Ready`](crate::Ready) has a server example.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use taskgroup::{scope, StartError};
    /// scope! {
    ///     let config: Result<&str, StartError<()>> = start!(|ready| async move {
    ///         ready.send("loaded"); // initialised
    ///         taskgroup::cancelled().await; // runs on as an ordinary child
    ///     });
    ///     assert_eq!(config, Ok("loaded"));
    ///     cancel!();
    /// };
    /// # }
    /// ```
    start;

    /// Cancels every child of the enclosing scope and refuses new ones; the body
    /// goes on and its value is the scope's value ("we have what we need").
    /// **Only inside** a `#[nursery]` async fn or a `scope!` block.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use taskgroup::scope;
    /// let found = scope! {
    ///     spawn!(std::future::pending::<()>()); // would run forever
    ///     cancel!();                             // stopped and joined
    ///     "done"
    /// };
    /// assert_eq!(found, "done");
    /// # }
    /// ```
    cancel;
}

/// The local `spawn_scoped!` of a scope whose body does not name it (it was
/// produced by another macro): the scope has no set of scoped children.
#[doc(hidden)]
#[macro_export]
macro_rules! __scoped_unprepared {
    ($($tokens:tt)*) => {
        ::core::compile_error!(
            "`spawn_scoped!` must be written in the scope's body itself (the scope looks for it \
             there to prepare its scoped children)"
        )
    };
}

/// Marks a deliberate detached spawn inside a `#[nursery]` body or a
/// `scope!` block, which the macros otherwise reject (`tokio::spawn`,
/// `std::thread::spawn`, …), and which clippy's `disallowed-methods` rejects
/// if the crate is configured as docs/compile-time-checks.md shows. It evaluates its argument
/// unchanged; its only job is to make the exception visible (`grep -rn
/// 'detached!'`).
///
/// The task it starts is **not** part of the scope: it is not joined, not
/// cancelled, and its failure is not seen. Use it for work that must outlive
/// the scope by design, such as handing a connection to a server-wide task.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use taskgroup::{detached, scope};
/// let handle = scope! {
///     // outlives the scope on purpose; awaited below
///     detached!(tokio::spawn(async { 7 }))
/// };
/// assert_eq!(handle.await.unwrap(), 7);
/// # }
/// ```
#[macro_export]
macro_rules! detached {
    ($($call:tt)*) => {{
        // The same exception for clippy's `disallowed-methods` rule, if the
        // crate extends the check with it (see docs/compile-time-checks.md).
        #[allow(clippy::disallowed_methods)]
        let detached = $($call)*;
        detached
    }};
}
