//! `spawn!` & co. outside any scope: always a compile error that says where
//! they can be used. Inside a `#[nursery]` fn or a `scope!` block, local
//! macros of the same names shadow these.

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
#[macro_export]
macro_rules! spawn {
    ($($tokens:tt)*) => {
        ::core::compile_error!(::core::concat!(
            "`spawn!` can only be used inside a `#[nursery]` async fn or a `scope! { … }` block ",
            "(not outside one, and not in a nested `fn` item)",
        ))
    };
}

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
#[macro_export]
macro_rules! try_spawn {
    ($($tokens:tt)*) => {
        ::core::compile_error!(::core::concat!(
            "`try_spawn!` can only be used inside a `#[nursery]` async fn or a `scope! { … }` block ",
            "(not outside one, and not in a nested `fn` item)",
        ))
    };
}

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
#[macro_export]
macro_rules! cancel {
    ($($tokens:tt)*) => {
        ::core::compile_error!(::core::concat!(
            "`cancel!` can only be used inside a `#[nursery]` async fn or a `scope! { … }` block ",
            "(not outside one, and not in a nested `fn` item)",
        ))
    };
}
