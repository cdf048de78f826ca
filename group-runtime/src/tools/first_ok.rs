//! `taskgroup::first_ok`: the first success wins (hedged requests, Java's
//! `anySuccessfulResultOrThrow`, Ox's `raceSuccess`).

use std::future::Future;
use std::panic::Location;
use std::sync::{Arc, Mutex, PoisonError};

use crate::core::ambient;
use crate::core::cause::Cause;
use crate::kinds::parallel;
use crate::policy::errors_all::Errors;
use crate::scope::options::Options;
use crate::scope::returns::Fallible;
use crate::scope::{Scope, Spawn};

/// Runs every future as a parallel task of a scope of its own; the first
/// `Ok` cancels the others and is the result. If every one fails, the
/// result is all their errors, in the order they happened (empty only when
/// no future was given). A panic is resumed after every task has stopped,
/// as in any scope; the scope nests in the caller's, whose cancellation
/// reaches the tasks.
///
/// For hedged requests, start the later attempts a little later:
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// use std::time::Duration;
///
/// async fn fetch(mirror: u64) -> Result<String, String> {
///     tokio::time::sleep(Duration::from_millis(100 / mirror)).await;
///     Ok(format!("page from mirror {mirror}"))
/// }
///
/// let attempts = (1..=3).map(|mirror| async move {
///     tokio::time::sleep(Duration::from_millis(10 * (mirror - 1))).await; // hedge
///     fetch(mirror).await
/// });
/// let page = taskgroup::first_ok(attempts).await.unwrap();
/// assert_eq!(page, "page from mirror 3");
/// # }
/// ```
#[track_caller]
pub fn first_ok<I, F, T, E>(futures: I) -> impl Future<Output = Result<T, Errors<E>>> + Send
where
    I: IntoIterator<Item = F>,
    F: Future<Output = Result<T, E>> + Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    let at = Location::caller();
    let futures: Vec<F> = futures.into_iter().collect();
    async move {
        let scope = Scope::<E>::open(Options::new(at).name("first_ok").collect_all());
        scope.refuse_own_work_if_aborting("first_ok");
        let winner = Arc::new(Mutex::new(None));
        let body = async {
            for future in futures {
                let winner = winner.clone();
                let attempt = async move {
                    let value = future.await?;
                    let mut slot = winner.lock().unwrap_or_else(PoisonError::into_inner);
                    if slot.is_none() {
                        *slot = Some(value);
                        ambient::with_current(|shared| {
                            if let Some(shared) = shared {
                                shared.cancel(Cause::FirstOk { at });
                            }
                        });
                    }
                    Ok(())
                };
                drop(parallel::spawn_result_same(
                    &scope,
                    Spawn::new(scope.slot_for_own_work(), None, at),
                    attempt,
                ));
            }
            Ok(())
        };
        let outcome = Fallible::new().run_all(&scope, body).await;
        let won = winner.lock().unwrap_or_else(PoisonError::into_inner).take();
        match (won, outcome) {
            (Some(value), _) => Ok(value),
            (None, Err(errors)) => Err(errors),
            (None, Ok(())) => Err(Errors::new(Vec::new())),
        }
    }
}
