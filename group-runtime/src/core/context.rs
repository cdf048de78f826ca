//! Values a scope carries for everything below it (`context = value` on a
//! scope): a request id, a tenant, a principal. Any descendant reads them
//! with `taskgroup::context::<T>()` (`ambient.rs`) — a task on any thread, a nested scope, a blocking closure,
//! a scoped child — without passing them by hand; a nested scope's value
//! of the same type shadows its parent's.
//!
//! A persistent list: a scope's context is its own values in front of its
//! parent's, shared by `Arc` (opening a scope copies one pointer; a scope
//! with no context of its own and no parent's costs nothing; a lookup
//! walks the list, a few nodes in practice).

use std::any::{Any, TypeId};
use std::sync::Arc;

/// What `context = …` accepts: a value any thread may read
/// (`Send + Sync + 'static`).
#[diagnostic::on_unimplemented(
    message = "`context = …` needs a value every task of the scope may read, on any thread (`Send + Sync + 'static`); `{Self}` is not one",
    label = "not `Send + Sync + 'static`",
    note = "wrap what is not `Sync` (`Mutex`), use `Arc` instead of `Rc`, own the data instead of borrowing it"
)]
pub trait ContextValue: Send + Sync + 'static {}
impl<T: Send + Sync + 'static> ContextValue for T {}

/// The check `context = value` runs on the value ([`ContextValue`]), and
/// the entry it becomes for the scope.
pub fn context_value<T>(value: T) -> Entry
where
    T: ContextValue, // read by every task of the scope, on any thread: `Send + Sync + 'static`
{
    Entry::new(value)
}

/// One value of a scope's context, in front of the rest.
pub(crate) struct Node {
    type_id: TypeId,
    value: Arc<dyn Any + Send + Sync>,
    next: Option<Arc<Node>>,
}

/// A scope's context (`None`: empty).
pub(crate) type Context = Option<Arc<Node>>;

/// A value given to a scope (`context = value`), before the scope opens.
#[doc(hidden)]
#[derive(Clone)]
pub struct Entry {
    type_id: TypeId,
    value: Arc<dyn Any + Send + Sync>,
}

impl Entry {
    fn new<T: ContextValue>(value: T) -> Self {
        Entry {
            type_id: TypeId::of::<T>(),
            value: Arc::new(value),
        }
    }
}

impl std::fmt::Debug for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Entry")
            .field("type_id", &self.type_id)
            .finish()
    }
}

/// `context` with `entries` in front (the last given first found).
pub(crate) fn with(context: Context, entries: &[Entry]) -> Context {
    entries.iter().fold(context, |next, entry| {
        Some(Arc::new(Node {
            type_id: entry.type_id,
            value: entry.value.clone(),
            next,
        }))
    })
}

/// The nearest value of type `T` in `context`.
pub(crate) fn find<T: Any + Send + Sync>(context: &Context) -> Option<Arc<T>> {
    let mut node = context.as_deref();
    while let Some(current) = node {
        if current.type_id == TypeId::of::<T>() {
            return current.value.clone().downcast::<T>().ok();
        }
        node = current.next.as_deref();
    }
    None
}
