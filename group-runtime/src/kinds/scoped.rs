//! `spawn_scoped!`: children that may borrow from around the scope (mutably
//! too) and need not be `Send` or `'static`. They run concurrently with the
//! body inside the scope's own future, never in parallel. Each child has a
//! waker of its own; a wake-up polls only the children that were woken (a
//! ready queue, as `FuturesUnordered` has), so 2,000 children woken one at
//! a time cost ~2,000 polls, not ~2,000,000. None starves while the body
//! awaits: a child's wake-up wakes the scope's future.
//!
//! Cost: two allocations per child (the type-erased future in the slab, the
//! handle's shared slot); the wake node is recycled. One allocation, as a
//! `FuturesUnordered` of one future type has, needs `unsafe` (the child's
//! `!Send` future and its `Send + Sync` waker in one block), which the crate
//! forbids while Miri cannot check it here (docs/design.md, "Scoped
//! children without unsafe").
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
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Wake, Waker};

use futures_util::task::{waker_ref, ArcWake};
use pin_project_lite::pin_project;

use crate::core::ambient;
use crate::core::cause::{Cause, TaskInfo};
use crate::core::state::{Shared, Who};
use crate::kinds::output::finish_output;
use crate::policy::deadline::TaskTimer;
use crate::scope::handle::missing_value;
use crate::scope::run::{Driven, IntoDriven};
use crate::scope::{Scope, Slot, Spawn};

type Child<'a> = Pin<Box<dyn Future<Output = ()> + 'a>>;

/// A child's place in the set and its generation there, as a wake-up names
/// it: `(index, generation)`. A ticket of a child that is gone (its place
/// vacated, or taken by a later child) is skipped.
type Ticket = (u32, u32);

/// The scoped children of one scope, created next to it by the macros
/// when the body uses `spawn_scoped!`.
///
/// Each running child sits boxed in a slab and has a waker of its own (a
/// `WakeNode`, which queues the child's ticket in `Wakes::ready`): a
/// wake-up polls only the children that were woken, not all of them. A
/// child is taken out of the slab while it is polled, so that it may spawn
/// more children or await another one's handle.
#[doc(hidden)]
pub struct ScopedSet<'a> {
    slab: RefCell<Slab<'a>>,
    /// The wake-ups of the children and of the body; shared with their
    /// wakers.
    wakes: Arc<Wakes>,
    closed: Cell<bool>,
}

#[derive(Default)]
struct Slab<'a> {
    entries: Vec<Entry<'a>>,
    /// Vacant entries, reused last-in first-out.
    vacant: Vec<u32>,
    /// Spawned, not polled yet: they start in the next round (or in this
    /// one, when a child spawned them).
    fresh: Vec<Ticket>,
    /// The woken tickets of the last round, emptied (swapped with
    /// `Wakes::ready`, keeping both allocations).
    spare: Vec<Ticket>,
    /// Wake nodes of finished children that nobody else holds: handed to
    /// the next child polled for the first time.
    nodes: Vec<Arc<WakeNode>>,
    live: usize,
}

struct Entry<'a> {
    /// `None` while vacant, or while the child is being polled.
    child: Option<Child<'a>>,
    /// From the child's first poll until it is gone.
    node: Option<Arc<WakeNode>>,
    generation: u32,
}

/// Spare wake nodes kept for the next children, at most.
const SPARE_NODES: usize = 1024;

impl Default for ScopedSet<'_> {
    fn default() -> Self {
        ScopedSet {
            slab: RefCell::new(Slab::default()),
            wakes: Arc::new(Wakes {
                woken: AtomicBool::new(false),
                polling: AtomicBool::new(false),
                outer: Mutex::new(None),
                ready: Mutex::new(Vec::new()),
            }),
            closed: Cell::new(false),
        }
    }
}

impl<'a> ScopedSet<'a> {
    pub fn new() -> Self {
        Self::default()
    }

    fn push(&self, child: Child<'a>) {
        let mut slab = self.slab.borrow_mut();
        let index = match slab.vacant.pop() {
            Some(index) => index,
            None => {
                let index = u32::try_from(slab.entries.len())
                    .expect("fewer than 2^32 scoped children at once");
                slab.entries.push(Entry {
                    child: None,
                    node: None,
                    generation: 0,
                });
                index
            }
        };
        let entry = &mut slab.entries[index as usize];
        entry.child = Some(child);
        let ticket = (index, entry.generation);
        slab.fresh.push(ticket);
        slab.live += 1;
    }

    /// Every live child is polled in the next round.
    fn poll_everyone(&self) {
        let mut slab = self.slab.borrow_mut();
        let slab = &mut *slab;
        for (index, entry) in slab.entries.iter().enumerate() {
            if entry.child.is_some() {
                let index = u32::try_from(index).expect("fewer than 2^32 scoped children");
                slab.fresh.push((index, entry.generation));
            }
        }
    }

    fn has_incoming(&self) -> bool {
        !self.slab.borrow().fresh.is_empty()
    }

    fn is_empty(&self) -> bool {
        self.slab.borrow().live == 0
    }

    /// Polls the children that were woken, then the new ones (and those
    /// they spawn); finished ones are dropped. A child woken meanwhile
    /// waits for the next round (its wake-up wakes the scope's future).
    ///
    /// Stops as soon as the scope aborts (a child's failure in this very
    /// call): an aborted child is dropped, never polled again.
    fn poll_children(&self, shared: &Shared) {
        let mut batch = std::mem::take(&mut self.slab.borrow_mut().spare);
        std::mem::swap(&mut *lock(&self.wakes.ready), &mut batch);
        let mut fresh = false;
        loop {
            for &ticket in &batch {
                if shared.is_aborting() {
                    return;
                }
                self.poll_child(ticket);
            }
            batch.clear();
            let mut slab = self.slab.borrow_mut();
            if fresh {
                // Emptied: its allocation stays for the next new children.
                std::mem::swap(&mut slab.fresh, &mut batch);
            } else {
                std::mem::swap(&mut slab.spare, &mut batch);
                std::mem::swap(&mut slab.fresh, &mut batch);
                fresh = true;
            }
            if batch.is_empty() {
                return;
            }
        }
    }

    /// Polls one child (unless its ticket is stale) with its own waker; a
    /// finished child is dropped and its place vacated.
    fn poll_child(&self, (index, generation): Ticket) {
        let (mut child, node) = {
            let mut slab = self.slab.borrow_mut();
            let slab = &mut *slab;
            let Some(entry) = slab.entries.get_mut(index as usize) else {
                return;
            };
            if entry.generation != generation {
                return;
            }
            let Some(child) = entry.child.take() else {
                return;
            };
            let node = entry.node.take().unwrap_or_else(|| {
                WakeNode::reuse(slab.nodes.pop(), &self.wakes, (index, generation))
            });
            (child, node)
        };
        // A wake-up from now on polls the child again.
        node.queued.swap(false, SeqCst);
        let done = {
            let waker = waker_ref(&node);
            child
                .as_mut()
                .poll(&mut Context::from_waker(&waker))
                .is_ready()
        };
        if !done {
            let mut slab = self.slab.borrow_mut();
            if let Some(entry) = slab.entries.get_mut(index as usize) {
                entry.child = Some(child);
                entry.node = Some(node);
                return;
            }
            // The set was closed meanwhile: the child goes too (below).
        }
        // Dropped outside the slab's borrow (a `Drop` may spawn, or
        // release a handle).
        drop(child);
        let mut slab = self.slab.borrow_mut();
        let slab = &mut *slab;
        if let Some(entry) = slab.entries.get_mut(index as usize) {
            entry.generation = entry.generation.wrapping_add(1);
            slab.vacant.push(index);
            slab.live -= 1;
        }
        let mut node = node;
        if slab.nodes.len() < SPARE_NODES {
            if let Some(unique) = Arc::get_mut(&mut node) {
                // Nobody holds the child's waker any more.
                *unique.queued.get_mut() = false;
                slab.nodes.push(node);
            }
        }
    }

    /// Cancellation: every scoped child is dropped (each catches a panic of
    /// its own `Drop`), none starts any more. Called while the body is
    /// polled or dropped, so the children's `Drop` impls see the cause.
    fn close(&self) {
        self.closed.set(true);
        let slab = std::mem::take(&mut *self.slab.borrow_mut());
        drop(slab);
    }
}

/// Locks a mutex of the set's; a panic while it was held (none is expected:
/// nothing runs under them but `Vec::push`) does not matter.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A scoped child's waker: queues the child's ticket (once until it is
/// polled again) and wakes the scope's future. Reused by a later child once
/// nobody holds it any more.
struct WakeNode {
    ticket: Ticket,
    queued: AtomicBool,
    wakes: Arc<Wakes>,
}

impl WakeNode {
    /// A spare node (nobody else holds it) for `ticket`, or a new one.
    fn reuse(spare: Option<Arc<WakeNode>>, wakes: &Arc<Wakes>, ticket: Ticket) -> Arc<WakeNode> {
        if let Some(mut node) = spare {
            if let Some(unique) = Arc::get_mut(&mut node) {
                unique.ticket = ticket;
                return node;
            }
        }
        Arc::new(WakeNode {
            ticket,
            queued: AtomicBool::new(false),
            wakes: wakes.clone(),
        })
    }
}

impl ArcWake for WakeNode {
    fn wake_by_ref(node: &Arc<Self>) {
        if node.queued.swap(true, SeqCst) {
            return;
        }
        let first = {
            let mut ready = lock(&node.wakes.ready);
            ready.push(node.ticket);
            ready.len() == 1
        };
        // Otherwise the scope's future was woken already, and has not
        // taken the queue yet.
        if first {
            Wake::wake_by_ref(&node.wakes);
        }
    }
}

/// Where a scoped child leaves its value for its handle, and the waker of
/// whoever awaits the handle.
struct HandleSlot<T> {
    value: Cell<Option<T>>,
    done: Cell<bool>,
    waker: Cell<Option<Waker>>,
    /// `cancel()` was called: the child is dropped at its next poll.
    cancelled: Cell<bool>,
}

impl<T> HandleSlot<T> {
    /// The child is gone, with or without a value: wake the awaiter.
    fn finish(&self, value: Option<T>) {
        if value.is_some() {
            self.value.set(value);
        }
        self.done.set(true);
        if let Some(waker) = self.waker.take() {
            waker.wake();
        }
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
    slot: Rc<HandleSlot<T>>,
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

impl<T> ScopedHandle<'_, T> {
    /// Cancels this one scoped child: it is dropped at the scope's next
    /// turn, inside the scope, its `Drop` impls seeing
    /// [`Cause::CancelledByHandle`](crate::Cause); not a failure, the scope
    /// and the other children go on. A child that has finished is not
    /// affected.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use taskgroup::scope;
    /// let mut log = Vec::new();
    /// scope! {
    ///     let stuck = spawn_scoped!(std::future::pending::<()>());
    ///     let done = spawn_scoped!(async { log.push("done") });
    ///     stuck.cancel();
    ///     done.await;
    /// };
    /// assert_eq!(log, ["done"]);
    /// # }
    /// ```
    pub fn cancel(self) {
        if !self.slot.done.get() {
            self.slot.cancelled.set(true);
            self.shared.scoped_cancelled();
        }
    }
}

impl<T> Drop for ScopedHandle<'_, T> {
    /// A value nobody took is dropped here; a panic of its `Drop` is the
    /// task's.
    fn drop(&mut self) {
        drop_value(self.slot.value.take(), self.shared, &self.info);
    }
}

/// Drops a scoped child's value, recording a panic of its `Drop` as the
/// task's.
fn drop_value<T>(value: Option<T>, shared: &Shared, task: &TaskInfo) {
    if let Some(value) = value {
        if let Err(payload) = catch_unwind(AssertUnwindSafe(|| drop(value))) {
            shared.fail_with_panic(payload, Who::Task(task));
        }
    }
}

impl<T> Future for ScopedHandle<'_, T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        if let Some(value) = self.slot.value.take() {
            return Poll::Ready(value);
        }
        if self.slot.done.get() {
            return missing_value(self.shared, &self.info);
        }
        // Woken by the child when it finishes (or is dropped).
        let waker = match self.slot.waker.take() {
            Some(waker) if waker.will_wake(cx.waker()) => waker,
            _ => cx.waker().clone(),
        };
        self.slot.waker.set(Some(waker));
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

/// Starts a scoped child of `scope` in `set`; `finish` maps its output as
/// for `spawn!` (`output.rs`).
pub(crate) fn spawn<'a, E, F, T>(
    scope: &'a Scope<E>,
    set: &ScopedSet<'a>,
    spawn: Spawn,
    future: F,
    finish: impl FnOnce(F::Output, &Shared, &TaskInfo) -> Option<T> + 'a,
) -> ScopedHandle<'a, T>
where
    F: Future + 'a,
    T: 'a,
{
    let (slot, info, timeout) = spawn.into_parts();
    let handle = ScopedHandle {
        slot: Rc::new(HandleSlot {
            value: Cell::new(None),
            done: Cell::new(false),
            waker: Cell::new(None),
            cancelled: Cell::new(false),
        }),
        shared: &scope.shared,
        info: info.clone(),
    };
    if matches!(slot, Slot::Refused) || set.closed.get() {
        handle.slot.done.set(true);
        return handle;
    }
    let child = ScopedChild {
        future: Some(future),
        finish: Some(finish),
        timer: timeout.map(|after| Box::pin(TaskTimer::new(after))),
        handle: handle.slot.clone(),
        shared: &scope.shared,
        info,
        _slot: slot,
    };
    set.push(Box::pin(child));
    handle
}

pin_project! {
    struct ScopedChild<'a, F, Fin, T> {
        #[pin]
        future: Option<F>,
        finish: Option<Fin>,
        // Boxed: only children with a `timeout` pay for the timer.
        timer: Option<Pin<Box<TaskTimer>>>,
        handle: Rc<HandleSlot<T>>,
        shared: &'a Shared,
        info: TaskInfo,
        // A `limit` permit, held while the child runs.
        _slot: Slot,
    }

    impl<'a, F, Fin, T> PinnedDrop for ScopedChild<'a, F, Fin, T> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            discard(this.future, this.shared, this.info);
            this.handle.finish(None);
        }
    }
}

/// Drops a scoped child's future, recording a panic of its `Drop`.
fn discard<F>(mut future: Pin<&mut Option<F>>, shared: &Shared, task: &TaskInfo) {
    if future.is_none() {
        return;
    }
    if let Err(payload) = catch_unwind(AssertUnwindSafe(|| future.set(None))) {
        shared.fail_with_panic(payload, Who::Task(task));
    }
}

impl<F, Fin, T> Future for ScopedChild<'_, F, Fin, T>
where
    F: Future,
    Fin: FnOnce(F::Output, &Shared, &TaskInfo) -> Option<T>,
{
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut this = self.project();
        if this.handle.cancelled.get() {
            // Cancelled through its handle: dropped here, in scope, its
            // `Drop` seeing why; not a failure.
            let cause = Cause::CancelledByHandle(this.info.clone());
            ambient::with_task_cause(cause, || discard(this.future, this.shared, this.info));
            return Poll::Ready(());
        }
        let Some(running) = this.future.as_mut().as_pin_mut() else {
            return Poll::Ready(());
        };
        match catch_unwind(AssertUnwindSafe(|| running.poll(cx))) {
            Ok(Poll::Ready(output)) => {
                discard(this.future, this.shared, this.info);
                if let Some(finish) = this.finish.take() {
                    let value = finish_output(finish, output, this.shared, this.info);
                    if Rc::strong_count(this.handle) == 1 {
                        // The handle is gone: nobody will take the value.
                        drop_value(value, this.shared, this.info);
                    } else {
                        this.handle.finish(value);
                    }
                }
                Poll::Ready(())
            }
            Ok(Poll::Pending) => {
                if let Some(timer) = this.timer.as_mut() {
                    let after = timer.after();
                    if timer.as_mut().expired(cx) {
                        this.shared.task_timed_out(this.info, after);
                        discard(this.future, this.shared, this.info);
                        return Poll::Ready(());
                    }
                }
                Poll::Pending
            }
            Err(payload) => {
                discard(this.future, this.shared, this.info);
                this.shared.fail_with_panic(payload, Who::Task(this.info));
                Poll::Ready(())
            }
        }
    }
}

/// The waker the body is polled with, which the children's wakers wake
/// too. A wake-up that arrives while they are being polled (a child
/// finished, and the body awaits its handle; the body released a child) is
/// absorbed: the poll goes round again at once instead of returning to the
/// scheduler and coming back. A wake-up from outside, between polls, is
/// passed on.
struct Wakes {
    woken: AtomicBool,
    polling: AtomicBool,
    outer: Mutex<Option<Waker>>,
    /// The tickets of the children woken since the last round.
    ready: Mutex<Vec<Ticket>>,
}

impl Wake for Wakes {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, SeqCst);
        // Pairs with the poll's `polling = false; load woken` (store
        // buffering): one of the two sides sees the other.
        if !self.polling.load(SeqCst) {
            if let Some(outer) = &*lock(&self.outer) {
                outer.wake_by_ref();
            }
        }
    }
}

/// Rounds of one poll before giving the scheduler its turn back (tokio's
/// budget usually ends the poll first).
const ROUNDS: usize = 1024;

pin_project! {
    /// The body together with its scoped children, driven by the scope's
    /// runner: the body's value counts when the body returns; the scoped
    /// children are polled on until they finish or the scope aborts.
    #[doc(hidden)]
    pub struct WithScoped<'s, 'a, B> {
        #[pin]
        body: Option<B>,
        set: &'s ScopedSet<'a>,
        shared: &'s Shared,
        waker: Option<Waker>,
    }

    impl<'s, 'a, B> PinnedDrop for WithScoped<'s, 'a, B> {
        fn drop(this: Pin<&mut Self>) {
            this.set.close();
            // A child's waker kept somewhere after the scope (a stale one)
            // holds on to no task's waker.
            lock(&this.set.wakes.outer).take();
        }
    }
}

impl<B: Future> WithScoped<'_, '_, B> {
    /// Polls the scoped children and the body (while it is there) with the
    /// absorbing waker, going round again while wake-ups arrive during the
    /// poll. `Ready` with the body's value, or (no body) when the scoped
    /// children are done.
    fn drive(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<B::Output>> {
        let mut this = self.project();
        let local = &this.set.wakes;
        let waker = this.waker.get_or_insert_with(|| Waker::from(local.clone()));
        {
            let mut outer = lock(&local.outer);
            if !outer.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                *outer = Some(cx.waker().clone());
            }
        }
        let mut inner = Context::from_waker(waker);
        local.polling.store(true, SeqCst);
        let mut rounds = 0;
        loop {
            if this.shared.is_aborting() {
                this.set.close();
            }
            local.woken.store(false, SeqCst);
            if this.shared.take_scoped_cancels() {
                // A handle's `cancel()`: every child is polled once, the
                // cancelled ones stop (rare: no per-child waker is kept).
                this.set.poll_everyone();
            }
            this.set.poll_children(this.shared);
            if this.shared.is_aborting() {
                this.set.close();
            }
            // A scoped child's failure drops the body: it runs no further
            // (the runner drops it at its next look).
            if this.body.is_some() && this.shared.body_must_go() {
                local.polling.store(false, SeqCst);
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            match this.body.as_mut().as_pin_mut() {
                Some(body) => {
                    if let Poll::Ready(output) = body.poll(&mut inner) {
                        local.polling.store(false, SeqCst);
                        return Poll::Ready(Some(output));
                    }
                }
                None if this.set.is_empty() => {
                    local.polling.store(false, SeqCst);
                    return Poll::Ready(None);
                }
                None => {}
            }
            // Children the body spawned start in the next round.
            if this.set.has_incoming() {
                local.woken.store(true, SeqCst);
            }
            rounds += 1;
            if local.woken.load(SeqCst)
                && rounds < ROUNDS
                && tokio::task::coop::has_budget_remaining()
            {
                continue;
            }
            local.polling.store(false, SeqCst);
            if local.woken.swap(false, SeqCst) {
                // Woken during the last round (or out of rounds, or out of
                // tokio's budget): come back after the others had a turn.
                cx.waker().wake_by_ref();
            }
            return Poll::Pending;
        }
    }
}

impl<B: Future> Driven for WithScoped<'_, '_, B> {
    type Output = B::Output;

    fn poll_body(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<B::Output> {
        match self.drive(cx) {
            Poll::Ready(Some(output)) => Poll::Ready(output),
            // The body is gone: the runner no longer asks for it.
            Poll::Ready(None) | Poll::Pending => Poll::Pending,
        }
    }

    fn drop_body(self: Pin<&mut Self>) {
        self.project().body.set(None);
    }

    fn poll_rest(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.as_mut().drop_body();
        self.drive(cx).map(|_| ())
    }

    fn close(self: Pin<&mut Self>) {
        self.set.close();
    }
}

impl<'s, 'a, B: Future> IntoDriven for WithScoped<'s, 'a, B> {
    type Output = B::Output;
    type Driven = Self;

    fn into_driven(self) -> Self {
        self
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
        body: Some(body),
        set,
        shared: &scope.shared,
        waker: None,
    }
}

/// Identity: a scoped child needs no bound checked up front.
#[doc(hidden)]
pub fn identity<F>(future: F) -> F {
    future
}
