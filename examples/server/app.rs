//! The service of `examples/server`: an HTTP server whose profile handler
//! fans out to two backends inside a `#[nursery]` with a deadline, and
//! whose connections are tasks of one scope, so that a shutdown drains
//! them. Shared with `tests/server.rs`, which drives it over loopback.

use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use serde::{Deserialize, Serialize};
use taskgroup::nursery;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::time::sleep;
use tower_http::catch_panic::CatchPanicLayer;

/// What the service needs: its backends and the handler's deadline.
#[derive(Clone)]
pub struct App {
    pub backends: Backends,
    /// For the whole fan-out of one request: past it, 504.
    pub deadline: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Post {
    pub title: String,
}

/// `GET /profile/{id}`: the user and their posts, fetched in parallel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub user: User,
    pub posts: Vec<Post>,
}

/// A backend call that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendError {
    pub backend: &'static str,
    pub message: String,
}

/// Why a request failed, and the status it answers with.
#[derive(Debug)]
pub enum AppError {
    /// A backend failed: 502, at once (the other call is cancelled).
    Backend(BackendError),
    /// The deadline passed: 504.
    Timeout(taskgroup::Elapsed),
    /// The request arrived as the server began to drain: 503.
    ShuttingDown,
}

impl From<BackendError> for AppError {
    fn from(error: BackendError) -> Self {
        AppError::Backend(error)
    }
}

impl From<taskgroup::Elapsed> for AppError {
    fn from(elapsed: taskgroup::Elapsed) -> Self {
        AppError::Timeout(elapsed)
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, message) = match self {
            AppError::Backend(error) => (
                StatusCode::BAD_GATEWAY,
                format!("{} backend: {}", error.backend, error.message),
            ),
            AppError::Timeout(elapsed) => (StatusCode::GATEWAY_TIMEOUT, elapsed.to_string()),
            AppError::ShuttingDown => {
                (StatusCode::SERVICE_UNAVAILABLE, "shutting down".to_string())
            }
        };
        (status, message).into_response()
    }
}

/// The handler: both calls run in parallel, as tasks of this request's
/// scope. The first error cancels the other call; the deadline cancels
/// both; a client that disconnects drops this future, which aborts both.
#[nursery(timeout = app.deadline)]
async fn profile(
    State(app): State<App>,
    Path(id): Path<String>,
) -> Result<Json<Profile>, AppError> {
    // A cancelled scope starts no task: a request that arrives just as the
    // server begins to drain gets a 503 instead of a half-done fan-out.
    let (Some(user), Some(posts)) = (
        try_spawn!(name = "user", app.backends.clone().user(id.clone())),
        try_spawn!(name = "posts", app.backends.clone().posts(id)),
    ) else {
        return Err(AppError::ShuttingDown);
    };
    Ok(Json(Profile {
        user: user.await,
        posts: posts.await,
    }))
}

/// The routes. A panic in a handler (a bug in a backend call, resumed by
/// the handler's scope once the other call is cancelled and joined) is
/// turned into a 500 by `CatchPanicLayer`: the connection and the server
/// go on.
pub fn router(app: App) -> Router {
    Router::new()
        .route("/profile/{id}", get(profile))
        .layer(CatchPanicLayer::custom(|_panic| {
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }))
        .with_state(app)
}

/// Accepts connections until the enclosing scope is cancelled (the
/// shutdown), each connection a task of this scope; then stops accepting,
/// and the scope waits for the open connections to finish the request
/// they are serving. Each connection is isolated (`errors = isolated`): a
/// connection task that panics (a bug outside any handler, where
/// `CatchPanicLayer` does not reach) ends that connection only; its panic
/// is reported (`taskgroup::unobserved_panics()`, an `ERROR` event with the
/// `tracing` feature) and the server goes on.
#[nursery(name = "http server", errors = isolated)]
pub async fn serve(listener: TcpListener, app: App) {
    let router = router(app.clone());
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = taskgroup::cancelled() => break,
        };
        match accepted {
            Ok((socket, peer)) => {
                let crash = app.backends.crash_next_connection.swap(false, SeqCst);
                spawn!(
                    name = format!("connection {peer}"),
                    connection(socket, router.clone(), crash)
                );
            }
            Err(error) => {
                // Out of file descriptors, say: not a reason to stop serving.
                eprintln!("server: accept failed: {error}");
                sleep(Duration::from_millis(100)).await;
            }
        }
    }
    drop(listener); // new connections are refused from here on
    app.backends.emit(Event::StoppedAccepting);
}

/// One HTTP/1 connection: requests are served one after the other; on the
/// shutdown signal the request in flight finishes, then the connection
/// closes.
async fn connection(socket: TcpStream, router: Router, crash: bool) {
    if crash {
        panic!("connection bookkeeping bug (injected)");
    }
    let service = TowerToHyperService::new(router);
    let mut conn = pin!(http1::Builder::new().serve_connection(TokioIo::new(socket), service));
    let served = tokio::select! {
        served = conn.as_mut() => served,
        () = taskgroup::cancelled() => {
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if let Err(error) = served {
        // A client that went away mid-request: nothing to answer.
        eprintln!("server: connection ended: {error}");
    }
}

/// What the backends (and the server) report, for the demo's output and
/// the test's checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Started(&'static str, String),
    Finished(&'static str, String),
    /// The call's future was dropped before it finished.
    Cancelled(&'static str, String),
    StoppedAccepting,
}

/// Stand-ins for a user service and a posts service, in-process, whose
/// latency and failures depend on the user id:
///
/// | id       | user              | posts                       |
/// |----------|-------------------|-----------------------------|
/// | `broken` | never answers     | fails after 10 ms           |
/// | `buggy`  | never answers     | panics after 10 ms          |
/// | `slow`   | 10 ms             | never answers (deadline)    |
/// | `hang`   | never answers     | never answers               |
/// | `gated`  | until `open_gate` | until `open_gate`           |
/// | others   | 10 ms             | 20 ms                       |
#[derive(Clone)]
pub struct Backends {
    /// Every call's start and end, in order, for whoever watches.
    events: watch::Sender<Vec<Event>>,
    gate: watch::Sender<bool>,
    /// A fault for the tests: the next connection task panics before it
    /// serves (a bug outside any handler, where `CatchPanicLayer` is not).
    crash_next_connection: Arc<AtomicBool>,
}

impl Backends {
    pub fn new() -> Self {
        Backends {
            events: watch::Sender::new(Vec::new()),
            gate: watch::Sender::new(false),
            crash_next_connection: Arc::new(AtomicBool::new(false)),
        }
    }

    /// The next connection's task panics before serving (tests).
    pub fn crash_next_connection(&self) {
        self.crash_next_connection.store(true, SeqCst);
    }

    /// Lets the calls for `gated` finish.
    pub fn open_gate(&self) {
        self.gate.send_replace(true);
    }

    /// What happened so far.
    pub fn events(&self) -> Vec<Event> {
        self.events.borrow().clone()
    }

    /// Waits until what happened satisfies `done`.
    pub async fn wait_for(&self, mut done: impl FnMut(&[Event]) -> bool) {
        let mut events = self.events.subscribe();
        let _ = events.wait_for(|events| done(events)).await;
    }

    fn emit(&self, event: Event) {
        self.events.send_modify(|events| events.push(event));
    }

    async fn user(self, id: String) -> Result<User, BackendError> {
        let call = Call::start(&self, "user", &id);
        match id.as_str() {
            "broken" | "buggy" | "hang" => std::future::pending().await,
            "gated" => self.gated().await,
            _ => sleep(Duration::from_millis(10)).await,
        }
        call.finish();
        Ok(User {
            name: format!("user {id}"),
            id,
        })
    }

    async fn posts(self, id: String) -> Result<Vec<Post>, BackendError> {
        let call = Call::start(&self, "posts", &id);
        match id.as_str() {
            "broken" => {
                sleep(Duration::from_millis(10)).await;
                call.finish();
                return Err(BackendError {
                    backend: "posts",
                    message: "connection reset by peer".to_string(),
                });
            }
            "buggy" => {
                sleep(Duration::from_millis(10)).await;
                call.finish();
                let posts: Vec<Post> = Vec::new();
                let _first = &posts[0]; // a bug: index out of bounds
                unreachable!();
            }
            "slow" | "hang" => std::future::pending().await,
            "gated" => self.gated().await,
            _ => sleep(Duration::from_millis(20)).await,
        }
        call.finish();
        Ok(vec![
            Post {
                title: format!("{id}'s first post"),
            },
            Post {
                title: format!("{id}'s second post"),
            },
        ])
    }

    async fn gated(&self) {
        let mut gate = self.gate.subscribe();
        let _ = gate.wait_for(|open| *open).await;
    }
}

/// Reports a backend call's start, and its end or its cancellation (the
/// future dropped while the call was in flight).
struct Call<'a> {
    backends: &'a Backends,
    backend: &'static str,
    id: String,
    finished: bool,
}

impl<'a> Call<'a> {
    fn start(backends: &'a Backends, backend: &'static str, id: &str) -> Self {
        backends.emit(Event::Started(backend, id.to_string()));
        Call {
            backends,
            backend,
            id: id.to_string(),
            finished: false,
        }
    }

    fn finish(mut self) {
        self.finished = true;
    }
}

impl Drop for Call<'_> {
    fn drop(&mut self) {
        let id = std::mem::take(&mut self.id);
        self.backends.emit(if self.finished {
            Event::Finished(self.backend, id)
        } else {
            Event::Cancelled(self.backend, id)
        });
    }
}
