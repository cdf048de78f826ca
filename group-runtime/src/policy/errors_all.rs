//! `errors = all`: the scope's failures are collected instead of cancelling
//! the siblings, and returned together as [`Errors`] (Go's `errors.Join`,
//! Python's `ExceptionGroup`); and the check that only a scope that can
//! fail asks for it ([`errors_all`]).

use std::fmt;

use crate::core::cause::TaskInfo;

/// One failure of a scope with `errors = all`: the error, and the task that
/// returned it (`None` for the scope's body or its deadline).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use taskgroup::{scope, Errors};
/// let result: Result<(), Errors<String>> = scope!(errors = all; {
///     spawn!(name = "a", async { Err::<(), _>("a failed".to_owned()) });
///     spawn!(name = "b", async {
///         tokio::task::yield_now().await; // fails after "a"
///         Err::<(), _>("b failed".to_owned())
///     });
///     Ok(())
/// });
/// let errors = result.unwrap_err();
/// let first = errors.iter().next().unwrap();
/// assert_eq!(first.error(), "a failed");
/// assert_eq!(first.task().and_then(|task| task.name()), Some("a"));
/// assert!(first.to_string().ends_with(": a failed")); // task #… "a" spawned at …: a failed
/// # }
/// ```
#[derive(Debug)]
pub struct Failure<E> {
    error: E,
    task: Option<TaskInfo>,
}

impl<E> Failure<E> {
    pub(crate) fn new(error: E, task: Option<TaskInfo>) -> Self {
        Failure { error, task }
    }

    /// The error.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use taskgroup::{scope, Errors};
    /// let result: Result<(), Errors<String>> = scope!(errors = all; {
    ///     spawn!(name = "a", async { Err::<(), _>("a failed".to_owned()) });
    ///     spawn!(name = "b", async {
    ///         tokio::task::yield_now().await; // fails after "a"
    ///         Err::<(), _>("b failed".to_owned())
    ///     });
    ///     Ok(())
    /// });
    /// let errors = result.unwrap_err();
    /// let errors: Vec<&String> = errors.iter().map(|failure| failure.error()).collect();
    /// assert_eq!(errors, ["a failed", "b failed"]);
    /// # }
    /// ```
    pub fn error(&self) -> &E {
        &self.error
    }

    /// The task that failed (name, id, spawn location); `None` when the
    /// body returned the error or the scope's `timeout` elapsed.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use taskgroup::{scope, Errors};
    /// let result: Result<(), Errors<String>> = scope!(errors = all; {
    ///     spawn!(name = "a", async { Err::<(), _>("a failed".to_owned()) });
    ///     tokio::task::yield_now().await;
    ///     Err("the body failed".to_owned())
    /// });
    /// let tasks: Vec<Option<&str>> = result
    ///     .as_ref()
    ///     .unwrap_err()
    ///     .iter()
    ///     .map(|failure| failure.task().and_then(|task| task.name()))
    ///     .collect();
    /// assert_eq!(tasks, [Some("a"), None]); // the body's error has no task
    /// # }
    /// ```
    pub fn task(&self) -> Option<&TaskInfo> {
        self.task.as_ref()
    }

    /// The error, by value.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use taskgroup::{scope, Errors};
    /// let result: Result<(), Errors<String>> = scope!(errors = all; {
    ///     spawn!(name = "a", async { Err::<(), _>("a failed".to_owned()) });
    ///     spawn!(name = "b", async {
    ///         tokio::task::yield_now().await; // fails after "a"
    ///         Err::<(), _>("b failed".to_owned())
    ///     });
    ///     Ok(())
    /// });
    /// let errors = result.unwrap_err();
    /// let owned: Vec<String> = errors.into_iter().map(|failure| failure.into_error()).collect();
    /// assert_eq!(owned, ["a failed", "b failed"]);
    /// # }
    /// ```
    pub fn into_error(self) -> E {
        self.error
    }
}

impl<E: fmt::Display> fmt::Display for Failure<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.task {
            Some(task) => write!(f, "{task}: {}", self.error),
            None => write!(f, "the scope: {}", self.error),
        }
    }
}

/// Every failure of a scope with `errors = all` (or of the attempts of a
/// [`crate::first_ok`]), in the order they happened. Never empty, except
/// from a `first_ok` given no future at all.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use taskgroup::{scope, Errors};
///
/// let result: Result<(), Errors<String>> = scope!(errors = all; {
///     spawn!(name = "a", async { Err::<(), _>("a failed".to_owned()) });
///     spawn!(name = "b", async { Err::<(), _>("b failed".to_owned()) });
///     spawn!(name = "c", async { Ok::<_, String>(()) });
///     Ok(())
/// });
/// let errors = result.unwrap_err();
/// assert_eq!(errors.len(), 2); // c still ran to completion
/// for failure in &errors {
///     println!("{failure}"); // task #1 "a" spawned at src/main.rs:6:5: a failed
/// }
/// # }
/// ```
#[derive(Debug)]
pub struct Errors<E> {
    failures: Vec<Failure<E>>,
}

impl<E> Errors<E> {
    pub(crate) fn new(failures: Vec<Failure<E>>) -> Self {
        Errors { failures }
    }

    /// How many failures.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use taskgroup::{scope, Errors};
    /// let result: Result<(), Errors<String>> = scope!(errors = all; {
    ///     spawn!(name = "a", async { Err::<(), _>("a failed".to_owned()) });
    ///     spawn!(name = "b", async {
    ///         tokio::task::yield_now().await; // fails after "a"
    ///         Err::<(), _>("b failed".to_owned())
    ///     });
    ///     Ok(())
    /// });
    /// let errors = result.unwrap_err();
    /// assert_eq!(errors.len(), 2);
    /// # }
    /// ```
    pub fn len(&self) -> usize {
        self.failures.len()
    }

    /// `false`, except from a `first_ok` given no future at all.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let errors = taskgroup::first_ok(Vec::<std::future::Ready<Result<(), ()>>>::new())
    ///     .await
    ///     .unwrap_err();
    /// assert!(errors.is_empty()); // nothing was tried
    /// # }
    /// ```
    pub fn is_empty(&self) -> bool {
        self.failures.is_empty()
    }

    /// The first error in time (`None` only when empty).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use taskgroup::{scope, Errors};
    /// let result: Result<(), Errors<String>> = scope!(errors = all; {
    ///     spawn!(name = "a", async { Err::<(), _>("a failed".to_owned()) });
    ///     spawn!(name = "b", async {
    ///         tokio::task::yield_now().await; // fails after "a"
    ///         Err::<(), _>("b failed".to_owned())
    ///     });
    ///     Ok(())
    /// });
    /// let errors = result.unwrap_err();
    /// assert_eq!(errors.first().map(String::as_str), Some("a failed"));
    /// # }
    /// ```
    pub fn first(&self) -> Option<&E> {
        self.failures.first().map(Failure::error)
    }

    /// The failures, in the order they happened.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use taskgroup::{scope, Errors};
    /// let result: Result<(), Errors<String>> = scope!(errors = all; {
    ///     spawn!(name = "a", async { Err::<(), _>("a failed".to_owned()) });
    ///     spawn!(name = "b", async {
    ///         tokio::task::yield_now().await; // fails after "a"
    ///         Err::<(), _>("b failed".to_owned())
    ///     });
    ///     Ok(())
    /// });
    /// let errors = result.unwrap_err();
    /// for failure in errors.iter() {
    ///     eprintln!("{failure}"); // task #… "a" spawned at src/main.rs:…: a failed
    /// }
    /// assert_eq!(errors.iter().count(), 2);
    /// # }
    /// ```
    pub fn iter(&self) -> std::slice::Iter<'_, Failure<E>> {
        self.failures.iter()
    }

    /// The errors alone, in the order they happened.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use taskgroup::{scope, Errors};
    /// let result: Result<(), Errors<String>> = scope!(errors = all; {
    ///     spawn!(name = "a", async { Err::<(), _>("a failed".to_owned()) });
    ///     spawn!(name = "b", async {
    ///         tokio::task::yield_now().await; // fails after "a"
    ///         Err::<(), _>("b failed".to_owned())
    ///     });
    ///     Ok(())
    /// });
    /// let errors = result.unwrap_err();
    /// assert_eq!(errors.into_errors(), ["a failed", "b failed"]);
    /// # }
    /// ```
    pub fn into_errors(self) -> Vec<E> {
        self.failures.into_iter().map(Failure::into_error).collect()
    }
}

impl<E> IntoIterator for Errors<E> {
    type Item = Failure<E>;
    type IntoIter = std::vec::IntoIter<Failure<E>>;

    fn into_iter(self) -> Self::IntoIter {
        self.failures.into_iter()
    }
}

impl<'a, E> IntoIterator for &'a Errors<E> {
    type Item = &'a Failure<E>;
    type IntoIter = std::slice::Iter<'a, Failure<E>>;

    fn into_iter(self) -> Self::IntoIter {
        self.failures.iter()
    }
}

impl<E: fmt::Display> fmt::Display for Errors<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.failures.as_slice() {
            [] => f.write_str("no attempt was made"),
            [only] => write!(f, "{only}"),
            all => {
                write!(f, "{} errors:", all.len())?;
                for (number, failure) in all.iter().enumerate() {
                    write!(f, "\n  {}. {failure}", number + 1)?;
                }
                Ok(())
            }
        }
    }
}

impl<E: std::error::Error + 'static> std::error::Error for Errors<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.first().map(|error| error as _)
    }
}

/// The body of a scope with `errors = all` returns a `Result`: only a scope
/// that can fail has errors to collect.
///
/// Implemented only by `Result`; see [the module](crate::checks).
#[diagnostic::on_unimplemented(
    message = "`errors = all` collects the errors of a scope that can fail, but this scope's body returns `{Self}`",
    label = "this scope collects errors",
    note = "make the body return `Result<T, E>`; the scope then returns `Result<T, taskgroup::Errors<E>>`"
)]
pub trait CollectsErrors {}
impl<T, E> CollectsErrors for Result<T, E> {}

/// The check `errors = all` runs on the scope's runner: the body's value
/// is a `Result` ([`CollectsErrors`]). Returns the runner.
pub fn errors_all<F>(run: F) -> F
where
    F: std::future::Future,
    F::Output: CollectsErrors,
{
    run
}
