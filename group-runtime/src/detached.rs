//! `detached!`: the explicit, greppable opt-out of the detached-spawn check.

/// Marks a deliberate detached spawn inside a `#[nursery]` body or a
/// `scope!` block, which the macros otherwise reject (`tokio::spawn`,
/// `std::thread::spawn`, …), and which clippy's `disallowed-methods` rejects
/// if the crate is configured as the README shows. It evaluates its argument
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
        // crate extends the check with it (see the README).
        #[allow(clippy::disallowed_methods)]
        let detached = $($call)*;
        detached
    }};
}
