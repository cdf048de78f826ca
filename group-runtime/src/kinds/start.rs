//! `start!(|ready| fut)`: Trio's `nursery.start`. The child is told, through
//! [`Ready`], to signal once it is initialised (a listener bound, a
//! connection open); `start!` waits for that signal and returns its value.
//! A child that fails or ends before signalling makes `start!` fail
//! ([`StartError`]), not the scope; after the signal it is an ordinary
//! child.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;
use tokio::sync::oneshot;

/// Handed to a `start!` child: call [`Ready::send`] once initialised.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use taskgroup::scope;
///
/// let result: Result<(), std::io::Error> = scope! {
///     let addr = start!(|ready| async move {
///         let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
///         ready.send(listener.local_addr()?); // start! returns this
///         loop {
///             let (_socket, _) = listener.accept().await?;
///         }
///     })
///     .expect("the listener did not start");
///     tokio::net::TcpStream::connect(addr).await?; // it is listening
///     cancel!(); // stop the server
///     Ok(())
/// };
/// result.unwrap();
/// # }
/// ```
pub struct Ready<V> {
    value: oneshot::Sender<V>,
    signalled: Arc<AtomicBool>,
}

impl<V> Ready<V> {
    /// Signals that the task is initialised: `start!` returns `value`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use taskgroup::scope;
    /// scope! {
    ///     let answer: Result<u32, taskgroup::StartError<()>> = start!(|ready| async move {
    ///         ready.send(42); // initialised: `start!` returns 42 now
    ///         taskgroup::cancelled().await; // and the task goes on
    ///     });
    ///     assert_eq!(answer, Ok(42));
    ///     cancel!();
    /// };
    /// # }
    /// ```
    pub fn send(self, value: V) {
        self.signalled.store(true, SeqCst);
        let _ = self.value.send(value);
    }
}

impl<V> fmt::Debug for Ready<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Ready")
    }
}

/// Why `start!` has no value: the child failed, or ended (returned, or was
/// cancelled) before calling [`Ready::send`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use taskgroup::{scope, StartError};
/// let result: Result<(), String> = scope! {
///     let failed = start!(|_ready: taskgroup::Ready<u16>| async {
///         Err::<(), _>("port in use".to_owned())
///     });
///     assert_eq!(failed, Err(StartError::Failed("port in use".to_owned())));
///     let ended: Result<u16, StartError<String>> = start!(|_ready: taskgroup::Ready<u16>| async {});
///     assert_eq!(ended, Err(StartError::Ended));
///     Ok(()) // neither failure failed the scope
/// };
/// assert_eq!(result, Ok(()));
/// # }
/// ```
#[derive(Debug, PartialEq, Eq)]
pub enum StartError<E> {
    /// The child returned this error before signalling; the scope does not
    /// see it.
    Failed(E),
    /// The child returned or was cancelled before signalling.
    Ended,
}

impl<E: fmt::Display> fmt::Display for StartError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::Failed(error) => write!(f, "the task failed before it was ready: {error}"),
            StartError::Ended => f.write_str("the task ended before it was ready"),
        }
    }
}

impl<E: std::error::Error + 'static> std::error::Error for StartError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StartError::Failed(error) => Some(error),
            StartError::Ended => None,
        }
    }
}

/// The two ends of a `start!`: the child's [`Ready`], the error slot the
/// child's wrapper fills, and what `start!` awaits.
#[doc(hidden)]
pub fn start_channel<V, E>() -> (
    Ready<V>,
    Arc<AtomicBool>,
    oneshot::Sender<E>,
    Starting<V, E>,
) {
    let (value, value_rx) = oneshot::channel();
    let (error, error_rx) = oneshot::channel();
    let signalled = Arc::new(AtomicBool::new(false));
    let ready = Ready {
        value,
        signalled: signalled.clone(),
    };
    let starting = Starting {
        value: value_rx,
        error: error_rx,
    };
    (ready, signalled, error, starting)
}

/// Calls the `start!` closure with its `Ready`: the closure's argument type
/// is known before its body is checked (`ready.send(…)` resolves).
#[doc(hidden)]
pub fn call_with_ready<V, F, R>(f: F, ready: Ready<V>) -> R
where
    F: FnOnce(Ready<V>) -> R,
{
    f(ready)
}

/// What `start!` awaits.
#[doc(hidden)]
pub struct Starting<V, E> {
    value: oneshot::Receiver<V>,
    error: oneshot::Receiver<E>,
}

impl<V, E> Starting<V, E> {
    pub async fn wait(self) -> Result<V, StartError<E>> {
        match self.value.await {
            Ok(value) => Ok(value),
            // `Ready` is gone unsent: the child's wrapper says whether it
            // failed, when it finishes (or is dropped).
            Err(_) => match self.error.await {
                Ok(error) => Err(StartError::Failed(error)),
                Err(_) => Err(StartError::Ended),
            },
        }
    }
}

pin_project! {
    /// A `start!` child returning `Result`: an `Err` before the signal goes
    /// to `start!` (the task then ends without failing the scope), after it
    /// to the scope.
    #[doc(hidden)]
    pub struct StartedTask<F, E> {
        #[pin]
        future: F,
        error: Option<oneshot::Sender<E>>,
        signalled: Arc<AtomicBool>,
    }
}

impl<F, E> StartedTask<F, E> {
    pub(crate) fn new(future: F, error: oneshot::Sender<E>, signalled: Arc<AtomicBool>) -> Self {
        StartedTask {
            future,
            error: Some(error),
            signalled,
        }
    }
}

impl<F, U, E> Future for StartedTask<F, E>
where
    F: Future<Output = Result<U, E>>,
{
    type Output = Result<Option<U>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let output = std::task::ready!(this.future.poll(cx));
        Poll::Ready(match output {
            Ok(value) => Ok(Some(value)),
            Err(error) if this.signalled.load(SeqCst) => Err(error),
            Err(error) => {
                if let Some(slot) = this.error.take() {
                    let _ = slot.send(error);
                }
                Ok(None)
            }
        })
    }
}
