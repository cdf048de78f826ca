//! `spawn_scoped!`: children that may borrow from around the scope (mutably
//! too) and need not be `Send` or `'static`. They run concurrently with the
//! body inside the scope's own future, never in parallel: every time the
//! scope's future is polled (the body or any scoped child was woken), each
//! scoped child is polled too, so none starves while the body awaits.
//!
//! Why not both borrowing and parallelism: a future can be leaked
//! (`mem::forget`) without running its destructor, so nothing can force a
//! parallel task that borrows to stop before the borrow ends — the "scoped
//! task trilemma". Children polled by the scope's own future cannot outlive
//! it: when that future is dropped, they are dropped with it.
//!
//! Same semantics as `spawn!`: a `Result` child's `Err` fails the scope, a
//! panic is recorded and resumed after the join, cancellation drops them,
//! and the scope returns only after every scoped child has finished.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::marker::PhantomData;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use crate::bounds::ScopeError;
use crate::cause::TaskInfo;
use crate::scope::{finish_result, finish_value, Scope, Slot, Start};
use crate::shared::{Shared, Who};

type Child<'a> = Pin<Box<dyn Future<Output = ()> + 'a>>;

/// The scoped children of one scope, created next to it by the macros
/// when the body uses `spawn_scoped!`.
#[doc(hidden)]
pub struct ScopedSet<'a> {
    running: RefCell<Vec<Child<'a>>>,
    /// Spawned while the running ones are being polled (a scoped child may
    /// spawn more).
    incoming: RefCell<Vec<Child<'a>>>,
    closed: Cell<bool>,
}

impl Default for ScopedSet<'_> {
    fn default() -> Self {
        ScopedSet {
            running: RefCell::new(Vec::new()),
            incoming: RefCell::new(Vec::new()),
            closed: Cell::new(false),
        }
    }
}

impl<'a> ScopedSet<'a> {
    pub fn new() -> Self {
        Self::default()
    }

    fn push(&self, child: Child<'a>) {
        self.incoming.borrow_mut().push(child);
    }

    fn is_empty(&self) -> bool {
        self.running.borrow().is_empty() && self.incoming.borrow().is_empty()
    }

    /// Polls every child once; finished ones are dropped. `true` if one
    /// finished (its value may be what the body awaits).
    fn poll_children(&self, cx: &mut Context<'_>) -> bool {
        let mut finished = false;
        loop {
            let mut children = std::mem::take(&mut *self.running.borrow_mut());
            children.append(&mut self.incoming.borrow_mut());
            if children.is_empty() {
                return finished;
            }
            let before = children.len();
            children.retain_mut(|child| child.as_mut().poll(cx).is_pending());
            finished |= children.len() < before;
            let spawned_meanwhile = !self.incoming.borrow().is_empty();
            self.running.borrow_mut().append(&mut children);
            if !spawned_meanwhile {
                return finished;
            }
        }
    }

    /// Cancellation: every scoped child is dropped, none starts any more.
    fn close(&self) {
        self.closed.set(true);
        let running = std::mem::take(&mut *self.running.borrow_mut());
        let incoming = std::mem::take(&mut *self.incoming.borrow_mut());
        drop((running, incoming));
    }
}

/// The handle of a scoped child: `.await` it for the child's value.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use taskgroup::scope;
/// let words = vec!["alpha".to_owned(), "beta".to_owned()];
/// let total = scope! {
///     // Scoped children borrow `words`: no clone, no `Arc`.
///     let lengths: Vec<_> = words.iter().map(|word| spawn_scoped!(async { word.len() })).collect();
///     let mut total = 0;
///     for length in lengths {
///         total += length.await;
///     }
///     total
/// };
/// assert_eq!(total, 9);
/// # }
/// ```
pub struct ScopedHandle<'a, T> {
    value: Rc<Cell<Option<T>>>,
    done: Rc<Cell<bool>>,
    shared: &'a Shared,
    info: TaskInfo,
}

impl<T> ScopedHandle<'_, T> {
    /// Who the task is: id, name, spawn location.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use taskgroup::scope;
    /// let data = [1, 2, 3];
    /// scope! {
    ///     let sum = spawn_scoped!(name = "sum", async { data.iter().sum::<i32>() });
    ///     assert_eq!(sum.info().name(), Some("sum"));
    ///     assert_eq!(sum.await, 6);
    /// };
    /// # }
    /// ```
    pub fn info(&self) -> &TaskInfo {
        &self.info
    }
}

impl<T> Future for ScopedHandle<'_, T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<T> {
        if let Some(value) = self.value.take() {
            return Poll::Ready(value);
        }
        if self.done.get() && self.shared.is_cancelled_while_bodies_go_on() {
            panic!(
                "taskgroup: {} was cancelled before it produced a value, so its handle cannot \
                 be awaited",
                self.info
            );
        }
        // Not finished yet: the scope polls the child and re-polls the body
        // (this await) with the same waker. Or it failed: the body is about
        // to be dropped.
        Poll::Pending
    }
}

impl<T> std::fmt::Debug for ScopedHandle<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScopedHandle")
            .field("info", &self.info)
            .finish()
    }
}

impl<E> Scope<E> {
    /// Starts a scoped child; `finish` maps its output as for `spawn!`.
    fn spawn_scoped_with<'a, F, T>(
        &'a self,
        set: &ScopedSet<'a>,
        start: Start,
        future: F,
        finish: impl FnOnce(F::Output, &Shared, &TaskInfo) -> Option<T> + 'a,
    ) -> ScopedHandle<'a, T>
    where
        F: Future + 'a,
        T: 'a,
    {
        let (slot, info) = start.into_parts();
        let value = Rc::new(Cell::new(None));
        let done = Rc::new(Cell::new(false));
        let handle = ScopedHandle {
            value: value.clone(),
            done: done.clone(),
            shared: &self.shared,
            info: info.clone(),
        };
        if matches!(slot, Slot::Refused) || set.closed.get() {
            done.set(true);
            return handle;
        }
        let shared: &'a Shared = &self.shared;
        let child = ScopedChild {
            future,
            finish: Some(finish),
            value,
            done,
            shared,
            info,
            _slot: slot,
        };
        set.push(Box::pin(child));
        handle
    }
}

pin_project! {
    struct ScopedChild<'a, F, Fin, T> {
        #[pin]
        future: F,
        finish: Option<Fin>,
        value: Rc<Cell<Option<T>>>,
        done: Rc<Cell<bool>>,
        shared: &'a Shared,
        info: TaskInfo,
        // A `limit` permit, held while the child runs.
        _slot: Slot,
    }

    impl<'a, F, Fin, T> PinnedDrop for ScopedChild<'a, F, Fin, T> {
        fn drop(this: Pin<&mut Self>) {
            this.done.set(true);
        }
    }
}

impl<F, Fin, T> Future for ScopedChild<'_, F, Fin, T>
where
    F: Future,
    Fin: FnOnce(F::Output, &Shared, &TaskInfo) -> Option<T>,
{
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        let future = this.future;
        match catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(output)) => {
                if let Some(finish) = this.finish.take() {
                    this.value.set(finish(output, this.shared, this.info));
                }
                Poll::Ready(())
            }
            Err(payload) => {
                this.shared.fail_with_panic(payload, Who::Task(this.info));
                Poll::Ready(())
            }
        }
    }
}

pin_project! {
    /// The body together with its scoped children: polls both; done when
    /// the body is done and every scoped child has finished. Dropped (with
    /// the children) when the scope drops its body.
    #[doc(hidden)]
    pub struct WithScoped<'s, 'a, B: Future> {
        #[pin]
        body: B,
        output: Option<B::Output>,
        set: &'s ScopedSet<'a>,
        shared: &'s Shared,
    }
}

impl<B: Future> Future for WithScoped<'_, '_, B> {
    type Output = B::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<B::Output> {
        let mut this = self.project();
        if this.shared.is_aborting() {
            this.set.close();
        }
        this.set.poll_children(cx);
        if this.output.is_none() {
            if let Poll::Ready(output) = this.body.as_mut().poll(cx) {
                *this.output = Some(output);
            }
            // The body may have spawned scoped children, or awaits one that
            // finishes now: a handle registers no waker, so poll again.
            if this.set.poll_children(cx) && this.output.is_none() {
                cx.waker().wake_by_ref();
            }
        }
        if this.output.is_some() && this.set.is_empty() {
            return Poll::Ready(this.output.take().expect("checked"));
        }
        Poll::Pending
    }
}

/// Wraps the body of a scope that uses `spawn_scoped!`.
#[doc(hidden)]
pub fn with_scoped<'s, 'a, E, B: Future>(
    scope: &'s Scope<E>,
    set: &'s ScopedSet<'a>,
    body: B,
) -> WithScoped<'s, 'a, B> {
    WithScoped {
        body,
        output: None,
        set,
        shared: &scope.shared,
    }
}

/// Identity: a scoped child needs no bound checked up front.
#[doc(hidden)]
pub fn identity<F>(future: F) -> F {
    future
}

/// Names the child future's type `F` for dispatch.
#[doc(hidden)]
pub struct ScopedProbe<F>(PhantomData<fn() -> F>);

#[doc(hidden)]
pub fn scoped_probe<F>(_future: &F) -> ScopedProbe<F> {
    ScopedProbe(PhantomData)
}

/// Picked when the scoped child returns a `Result`.
#[doc(hidden)]
pub trait ScopedResult<F, U, E2> {
    fn __tg_spawn<'a, E>(
        &self,
        scope: &'a Scope<E>,
        set: &ScopedSet<'a>,
        start: Start,
        future: F,
    ) -> ScopedHandle<'a, U>
    where
        F: Future<Output = Result<U, E2>> + 'a,
        U: 'a,
        E2: 'a,
        E: ScopeError<E2> + Send + 'static,
    {
        scope.spawn_scoped_with(set, start, future, |output, shared, task| {
            finish_result::<E, U, E2>(output, shared, task)
        })
    }

    /// An inline `async` block: its error type is the scope's.
    fn __tg_spawn_block<'a>(
        &self,
        scope: &'a Scope<E2>,
        set: &ScopedSet<'a>,
        start: Start,
        future: F,
    ) -> ScopedHandle<'a, U>
    where
        F: Future<Output = Result<U, E2>> + 'a,
        U: 'a,
        E2: Send + 'static,
    {
        scope.spawn_scoped_with(set, start, future, |output, shared, task| {
            finish_result::<E2, U, E2>(output, shared, task)
        })
    }
}
impl<F, U, E2> ScopedResult<F, U, E2> for &&ScopedProbe<F> where F: Future<Output = Result<U, E2>> {}

/// Picked for a scoped child returning anything else.
#[doc(hidden)]
pub trait ScopedValue<F> {
    fn __tg_spawn<'a, E>(
        &self,
        scope: &'a Scope<E>,
        set: &ScopedSet<'a>,
        start: Start,
        future: F,
    ) -> ScopedHandle<'a, F::Output>
    where
        F: Future + 'a,
        F::Output: 'a,
    {
        scope.spawn_scoped_with(set, start, future, finish_value)
    }

    fn __tg_spawn_block<'a, E>(
        &self,
        scope: &'a Scope<E>,
        set: &ScopedSet<'a>,
        start: Start,
        future: F,
    ) -> ScopedHandle<'a, F::Output>
    where
        F: Future + 'a,
        F::Output: 'a,
    {
        self.__tg_spawn(scope, set, start, future)
    }
}
impl<F> ScopedValue<F> for &ScopedProbe<F> {}
