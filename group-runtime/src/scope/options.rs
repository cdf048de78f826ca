//! Options of a scope, as written in `#[nursery(...)]` / `scope!(...; { })`.

use std::num::NonZeroUsize;
use std::panic::Location;
use std::sync::Arc;
use std::time::Duration;

use crate::core::context::Entry;
use crate::core::state::Grace;
use crate::policy::deadline::IntoTimeout;

/// Values accepted by `limit = …`: a `usize` (at least 1), a
/// `NonZeroUsize`, or an `Option` of either where `None` means no limit.
///
/// A runtime value of `0` panics when the scope opens, with a message that
/// names the scope: a limit of zero would never let a task start.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use std::num::NonZeroUsize;
/// use taskgroup::scope;
/// let configured: Option<usize> = None; // e.g. from a config file: no limit
/// scope!(limit = configured; { spawn!(async {}); });
/// scope!(limit = 8; { spawn!(async {}); });
/// scope!(limit = NonZeroUsize::new(2).unwrap(); { spawn!(async {}); });
/// # }
/// ```
#[diagnostic::on_unimplemented(
    message = "`limit = …` takes a `usize` (or a `NonZeroUsize`, or an `Option` of one: `None` for no limit), not `{Self}`",
    label = "not a `usize`",
    note = "convert it: `limit = workers as usize`, or `limit = usize::try_from(workers)?`"
)]
pub trait IntoLimit {
    /// `None` for no limit.
    fn into_limit(self) -> Option<usize>;
}

impl IntoLimit for usize {
    fn into_limit(self) -> Option<usize> {
        Some(self)
    }
}

impl IntoLimit for NonZeroUsize {
    fn into_limit(self) -> Option<usize> {
        Some(self.get())
    }
}

impl<L: IntoLimit> IntoLimit for Option<L> {
    fn into_limit(self) -> Option<usize> {
        self.and_then(IntoLimit::into_limit)
    }
}

/// Values accepted by `name = …` on a scope or a task: a string.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use taskgroup::scope;
/// let id = 7;
/// scope!(name = "crawler"; {
///     spawn!(name = format!("fetch {id}"), async {});
/// });
/// # }
/// ```
#[diagnostic::on_unimplemented(
    message = "`name = …` takes a string (`&str`, `String`, `Arc<str>`, `Box<str>`), not `{Self}`",
    label = "not a string",
    note = "e.g. `name = \"crawler\"`, or `name = format!(\"fetch {{id}}\")`"
)]
pub trait IntoName {
    /// The name, shared by the dump, `tracing` and messages.
    fn into_name(self) -> Arc<str>;
}

impl IntoName for &str {
    fn into_name(self) -> Arc<str> {
        Arc::from(self)
    }
}

impl IntoName for String {
    fn into_name(self) -> Arc<str> {
        Arc::from(self)
    }
}

impl IntoName for &String {
    fn into_name(self) -> Arc<str> {
        Arc::from(self.as_str())
    }
}

impl IntoName for Arc<str> {
    fn into_name(self) -> Arc<str> {
        self
    }
}

impl IntoName for Box<str> {
    fn into_name(self) -> Arc<str> {
        Arc::from(self)
    }
}

impl IntoName for std::borrow::Cow<'_, str> {
    fn into_name(self) -> Arc<str> {
        Arc::from(self)
    }
}

/// Options of a scope; built by the macros.
#[doc(hidden)]
#[derive(Clone, Debug)]
pub struct Options {
    pub(crate) location: &'static Location<'static>,
    pub(crate) name: Option<Arc<str>>,
    pub(crate) limit: Option<usize>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) grace: Option<Grace>,
    pub(crate) collect_all: bool,
    pub(crate) stop_in_reverse: bool,
    pub(crate) context: Vec<Entry>,
}

impl Options {
    pub fn new(location: &'static Location<'static>) -> Self {
        Options {
            location,
            name: None,
            limit: None,
            timeout: None,
            grace: None,
            collect_all: false,
            stop_in_reverse: false,
            context: Vec::new(),
        }
    }

    /// `context = value`: carried for every descendant
    /// (`taskgroup::context::<T>()`). (The macros check the value with
    /// `checks::context_value` at the user's tokens.)
    pub fn context(mut self, entry: Entry) -> Self {
        self.context.push(entry);
        self
    }

    /// `stop = reverse`: on cancellation, children stop one at a time, the
    /// last started first.
    pub fn stop_in_reverse(mut self) -> Self {
        self.stop_in_reverse = true;
        self
    }

    pub fn name(mut self, name: impl IntoName) -> Self {
        self.name = Some(name.into_name());
        self
    }

    /// (The macros convert with `IntoLimit::into_limit` at the user's
    /// value: an error names the public trait.)
    pub fn limit(mut self, limit: Option<usize>) -> Self {
        self.limit = limit;
        self
    }

    pub fn timeout(mut self, timeout: impl IntoTimeout) -> Self {
        self.timeout = timeout.into_timeout();
        self
    }

    /// `errors = all`.
    pub fn collect_all(mut self) -> Self {
        self.collect_all = true;
        self
    }

    pub fn grace(mut self, grace: impl IntoTimeout) -> Self {
        self.grace = grace.into_timeout().map(Grace::For);
        self
    }

    /// Cancellation signals, and the abort waits until the scope's future
    /// is dropped (`taskgroup::shutdown` times the drain itself).
    pub(crate) fn grace_until_dropped(mut self) -> Self {
        self.grace = Some(Grace::UntilDropped);
        self
    }
}
