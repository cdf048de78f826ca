//! A long-lived service under supervision: three subsystems in one scope.
//!
//! * **metrics flusher** (started first) — flushes every 100 ms.
//! * **cache refresher** — a *restarted* child: its upstream fails now and
//!   then, and it is started again with exponential backoff
//!   (`restart = Restart::on_failure()…`); `dump()` shows its restarts.
//! * **listener** (started last) — accepts connections on loopback; each
//!   connection is an *isolated* child (`errors = isolated` on the
//!   connection scope): the one whose request makes it panic is logged,
//!   the others are served, the server goes on.
//!
//! Then the upstream goes down for good: a failure storm. The refresher is
//! restarted 4 times within a second (backoff 20, 40, 80, 160 ms), the 5th
//! failure exceeds the budget and **escalates**: the service scope fails
//! with the upstream's error, and every subsystem is cancelled (each says
//! why). Ctrl-C drains it instead (`Shutdown`). Run:
//! `cargo run --example supervisor`; it prints (timings ±, ports differ,
//! restart delays are jittered by 10%):
//!
//! ```text
//! [   0 ms] listener: on 127.0.0.1:34863
//! [   0 ms] listener: served GET /a
//! [   0 ms] (panic: panicked at examples/supervisor.rs:243:9:
//! request was bad)
//! [   1 ms] listener: connection 2 crashed, isolated: request was bad
//! [   7 ms] listener: served GET /c
//! [  11 ms] refresher: refreshed (1)
//! [  64 ms] refresher: refreshed (2)
//! [ 149 ms] refresher: refreshed (4)
//! [ 201 ms] refresher: refreshed (5)
//! [ 307 ms] refresher: refreshed (7)
//! [ 359 ms] refresher: refreshed (8)
//! [ 401 ms] the tree:
//! scope "service" at examples/supervisor.rs:286:10 — running, 1 child, open 401.8ms
//!   scope "service" at examples/supervisor.rs:136:1 — joining, 3 children, open 401.7ms
//!     task #1 "metrics" spawned at examples/supervisor.rs:143:5 — running, age 401.7ms
//!     task #2 "cache refresher" spawned at examples/supervisor.rs:161:5 — running, age 401.6ms, restarted 2× (last: returned Err(Upstream("timeout")))
//!     task #3 "listener" spawned at examples/supervisor.rs:171:5 — running, age 401.6ms
//!     scope at examples/supervisor.rs:186:1 — running, 0 children, open 401.5ms
//!
//! [ 402 ms] upstream down: failure storm
//! [ 691 ms] listener: stopped (an enclosing scope was cancelled: task #2 "cache refresher" spawned at examples/supervisor.rs:161:5 failed)
//! [ 691 ms] metrics: stopped (task #2 "cache refresher" spawned at examples/supervisor.rs:161:5 failed), 7 flushes
//! [ 691 ms] service stopped: upstream timeout (5th failure within 1s: escalated)
//! ```
//!
//! (Calls 3 and 6 failed: the refresher was restarted after each.) The
//! subsystems stop in reverse start order (`stop = reverse`): the listener
//! first, then (the refresher having failed) the metrics, whose last flush
//! comes after everything else stopped. Ctrl-C does the same, as a drain.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};

use taskgroup::shutdown::{Outcome, Shutdown};
use taskgroup::{nursery, Backoff, Exit, Restart};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::sleep;

#[derive(Debug)]
enum Error {
    Upstream(&'static str),
    Io(std::io::Error),
}

impl From<std::io::Error> for Error {
    fn from(error: std::io::Error) -> Self {
        Error::Io(error)
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Upstream(what) => write!(f, "upstream {what}"),
            Error::Io(error) => write!(f, "i/o: {error}"),
        }
    }
}

/// Milliseconds since the start, for the log.
fn log(start: Instant, line: impl std::fmt::Display) {
    println!("[{:4} ms] {line}", start.elapsed().as_millis());
}

/// Prints why a subsystem stopped, when it is dropped.
struct Stopped {
    what: &'static str,
    start: Instant,
    extra: Option<Arc<AtomicU32>>,
}

impl Drop for Stopped {
    fn drop(&mut self) {
        let why = taskgroup::cause().map_or("done".to_owned(), |cause| cause.to_string());
        match &self.extra {
            Some(flushes) => log(
                self.start,
                format_args!(
                    "{}: stopped ({why}), {} flushes",
                    self.what,
                    flushes.load(SeqCst)
                ),
            ),
            None => log(self.start, format_args!("{}: stopped ({why})", self.what)),
        }
    }
}

/// The upstream the cache refreshes from: fails every third call, or
/// always once it is down.
struct Upstream {
    calls: AtomicU32,
    down: AtomicBool,
}

impl Upstream {
    async fn fetch(&self) -> Result<u32, Error> {
        sleep(Duration::from_millis(10)).await;
        let call = self.calls.fetch_add(1, SeqCst) + 1;
        if self.down.load(SeqCst) || call % 3 == 0 {
            return Err(Error::Upstream("timeout"));
        }
        Ok(call)
    }
}

/// The service: three subsystems, started in dependency order; a
/// subsystem's failure fails it, except the refresher's, which is restarted
/// within its budget. On cancellation (Ctrl-C, or the escalation) they stop
/// in reverse order (`stop = reverse`): the listener first, the metrics
/// last (its final flush sees everything else stopped), each within the
/// half-second grace.
#[nursery(name = "service", stop = reverse, grace = Duration::from_millis(500))]
async fn service(
    listener: TcpListener,
    upstream: Arc<Upstream>,
    start: Instant,
) -> Result<(), Error> {
    let flushes = Arc::new(AtomicU32::new(0));
    spawn!(name = "metrics", async move {
        let _stopped = Stopped {
            what: "metrics",
            start,
            extra: Some(flushes.clone()),
        };
        loop {
            tokio::select! {
                () = sleep(Duration::from_millis(100)) => {}
                // Its turn to stop: one last flush.
                () = taskgroup::cancelled() => {
                    flushes.fetch_add(1, SeqCst);
                    break;
                }
            }
            flushes.fetch_add(1, SeqCst);
        }
    });
    spawn!(
        name = "cache refresher",
        restart = Restart::on_failure()
            .backoff(Backoff::exponential(
                Duration::from_millis(20),
                Duration::from_millis(200)
            ))
            .at_most(4, Duration::from_secs(1)),
        move || refresh(upstream.clone(), start)
    );
    spawn!(name = "listener", listen(listener, start));
    Ok(())
}

/// Refreshes the cache until the upstream fails: the supervisor restarts it.
async fn refresh(upstream: Arc<Upstream>, start: Instant) -> Result<(), Error> {
    loop {
        let version = upstream.fetch().await?;
        log(start, format_args!("refresher: refreshed ({version})"));
        sleep(Duration::from_millis(40)).await;
    }
}

/// Accepts connections; each is isolated: its panic is its own. (A handle
/// stays in its scope: the accept loop reports the connections that ended.)
#[nursery(errors = isolated)]
async fn listen(listener: TcpListener, start: Instant) -> Result<(), Error> {
    let _stopped = Stopped {
        what: "listener",
        start,
        extra: None,
    };
    log(
        start,
        format_args!("listener: on {}", listener.local_addr()?),
    );
    let mut connections = Vec::new();
    loop {
        tokio::select! {
            // Its turn to stop: no new connection.
            () = taskgroup::cancelled() => break,
            accepted = listener.accept() => {
                let (socket, _) = accepted?;
                let name = format!("connection {}", connections.len() + 1);
                connections.push(spawn!(name = name, serve(socket)));
            }
            _ = sleep(Duration::from_millis(5)) => {}
        }
        let (ended, running): (Vec<_>, Vec<_>) = std::mem::take(&mut connections)
            .into_iter()
            .partition(|connection| connection.is_finished());
        connections = running;
        for connection in ended {
            match connection.await {
                Ok(Ok(path)) => log(start, format_args!("listener: served GET {path}")),
                Ok(Err(error)) => log(start, format_args!("listener: connection failed: {error}")),
                Err(Exit::Panicked(panic)) => {
                    let (task, message) =
                        (panic.task().clone(), panic.message().map(str::to_owned));
                    drop(panic.into_payload()); // handled: logged here
                    log(
                        start,
                        format_args!(
                            "listener: {} crashed, isolated: {}",
                            task.name().unwrap_or("a connection"),
                            message.as_deref().unwrap_or("?"),
                        ),
                    );
                }
                Err(exit) => log(start, format_args!("listener: connection stopped: {exit}")),
            }
        }
    }
    Ok(())
}

/// One request: a path on one line; `/b` is a request the handler chokes on.
async fn serve(mut socket: TcpStream) -> Result<String, std::io::Error> {
    let mut request = [0u8; 64];
    let read = socket.read(&mut request).await?;
    let path = String::from_utf8_lossy(&request[..read]).trim().to_owned();
    if path == "/b" {
        panic!("request was bad");
    }
    socket.write_all(b"ok\n").await?;
    Ok(path)
}

/// Three clients, one after the other.
async fn clients(addr: std::net::SocketAddr) -> std::io::Result<()> {
    for path in ["/a", "/b", "/c"] {
        let mut socket = TcpStream::connect(addr).await?;
        socket.write_all(path.as_bytes()).await?;
        let mut answer = Vec::new();
        let _ = socket.read_to_end(&mut answer).await;
    }
    Ok(())
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    taskgroup::enable_dump();
    let start = Instant::now();
    // One line per panic (the default hook prints a backtrace with
    // RUST_BACKTRACE): the panic still happens, and is still caught.
    std::panic::set_hook(Box::new(move |info| {
        log(start, format_args!("(panic: {info})"));
    }));
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let upstream = Arc::new(Upstream {
        calls: AtomicU32::new(0),
        down: AtomicBool::new(false),
    });
    let storm = upstream.clone();
    // The operator's view: the tree after a while, then the storm.
    let operator = tokio::spawn(async move {
        clients(addr).await.expect("loopback clients");
        sleep(Duration::from_millis(400)).await;
        log(start, format_args!("the tree:\n{}", taskgroup::dump()));
        log(start, "upstream down: failure storm");
        storm.down.store(true, SeqCst);
    });
    // Ctrl-C (or SIGTERM) drains the service instead.
    let outcome = Shutdown::new(Duration::from_secs(5))
        .run(service(listener, upstream, start))
        .await;
    operator.await.expect("the operator task");
    match outcome {
        Outcome::Finished(Err(error)) => log(
            start,
            format_args!("service stopped: {error} (5th failure within 1s: escalated)"),
        ),
        Outcome::Finished(Ok(())) => log(start, "service stopped"),
        other => log(start, format_args!("service drained: {other:?}")),
    }
    Ok(())
}
