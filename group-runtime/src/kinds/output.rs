//! What a finished child's output becomes, for every kind that has one
//! (`spawn!` & co., `spawn_blocking!`, `spawn_scoped!`): the handle's value,
//! or a failure recorded in the scope (`None`).
//!
//! The mapping (`finish`) is picked at compile time by the dispatch
//! (`dispatch.rs`): [`finish_value`] for a plain value, [`finish_result`]
//! for a `Result`; [`finish_output`] runs it where a panic is caught.

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::core::cause::TaskInfo;
use crate::core::state::{Shared, Who};
use crate::policy::task_bounds::Convert;

/// The handle's value is the child's output.
pub(crate) fn finish_value<T>(output: T, _: &Shared, _: &TaskInfo) -> Option<T> {
    Some(output)
}

/// `Ok(u)` is the handle's value; `Err(e2)` fails the scope with
/// `C::convert(e2)` (`From`, or the identity for an inline block).
pub(crate) fn finish_result<C, E, U, E2>(
    output: Result<U, E2>,
    shared: &Shared,
    task: &TaskInfo,
) -> Option<U>
where
    C: Convert<E2, E>,
    E: Send + 'static,
{
    match output {
        Ok(value) => Some(value),
        Err(error) => {
            shared.fail_with_error(task, error, |error| Box::new(C::convert(error)));
            None
        }
    }
}

/// Maps a finished child's output to the handle's value, recording a
/// failure in the scope (`None`). `finish` runs the user's `From`
/// conversion: its panic is the task's panic, never lost.
pub(crate) fn finish_output<O, T>(
    finish: impl FnOnce(O, &Shared, &TaskInfo) -> Option<T>,
    output: O,
    shared: &Shared,
    task: &TaskInfo,
) -> Option<T> {
    match catch_unwind(AssertUnwindSafe(|| finish(output, shared, task))) {
        Ok(value) => value,
        Err(payload) => {
            shared.fail_with_panic(payload, Who::Task(task));
            None
        }
    }
}
