//! An HTTP service built on scopes: a profile handler that fans out to two
//! backends inside a `#[nursery]` with a deadline, connections as tasks of
//! one scope, and a graceful shutdown that drains them.
//!
//! `cargo run -p taskgroup-examples --example server` serves on
//! 127.0.0.1:3000 until Ctrl-C or SIGTERM (try
//! `curl localhost:3000/profile/ada`, `/profile/broken`, `/profile/slow`),
//! then drains for up to 10 s.
//!
//! `cargo run -p taskgroup-examples --example server -- --demo` starts it
//! on an ephemeral port, sends requests with a real HTTP client, shuts down
//! with one request in flight, and exits. Expected output (timings ±):
//!
//! ```text
//! [   0 ms] listening on 127.0.0.1:43371
//! [  23 ms] GET /profile/ada    → 200 OK {"user":{"id":"ada","name":"user ada"},"posts":[{"title":"ada's first post"},{"title":"ada's second post"}]}
//! [  36 ms] GET /profile/broken → 502 Bad Gateway: posts backend: connection reset by peer
//! [ 129 ms] GET /profile/buggy  → 500 Internal Server Error: internal error
//! [ 633 ms] GET /profile/slow   → 504 Gateway Timeout: deadline elapsed
//! [ 636 ms] GET /profile/ada    → no answer, connection closed (a new connection whose task panicked)
//! [ 657 ms] GET /profile/ada    → 200 OK (the server goes on)
//! [ 657 ms] GET /profile/gated  … in flight (both backend calls started)
//! [ 657 ms] shutdown triggered
//! [ 658 ms] new connection      → refused (Connection refused (os error 111))
//! [ 658 ms] GET /profile/gated  → 200 OK (finished during the drain)
//! [ 659 ms] shutdown: drained (trigger), exit status 0
//! backend calls: 9 finished, 3 cancelled (user for broken, user for buggy, posts for slow)
//! ```
//!
//! `broken`: the posts call fails after 10 ms, which cancels the user call
//! (it would never answer) and answers 502 at once. `buggy`: the posts call
//! panics (the panic message goes to stderr); the user call is cancelled,
//! the panic is resumed in the handler after the join, and answered with a
//! 500; the server goes on. `slow`: the posts call
//! never answers and is cancelled at the 500 ms deadline: 504. `gated` is
//! in flight when the shutdown starts: it finishes, while a new connection
//! is refused. Before that, a new connection's task panics outside any
//! handler (an injected bug, where `CatchPanicLayer` does not reach): the
//! server's scope isolates its connections (`errors = isolated`), so that
//! connection closes unanswered and the server goes on.

#[path = "app.rs"]
mod app;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use app::{App, Backends, Event};
use taskgroup::shutdown::{Outcome, Shutdown, Trigger};
use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> std::io::Result<ExitCode> {
    let demo = std::env::args().any(|arg| arg == "--demo");
    let started = Instant::now();
    let address = if demo {
        "127.0.0.1:0"
    } else {
        "127.0.0.1:3000"
    };
    let listener = TcpListener::bind(address).await?;
    let address = listener.local_addr()?;
    log(started, format!("listening on {address}"));
    let backends = Backends::new();
    let app = App {
        backends: backends.clone(),
        deadline: Duration::from_millis(500),
    };
    let mut shutdown = Shutdown::new(Duration::from_secs(10));
    if demo {
        shutdown = shutdown.without_signals();
    }
    let trigger = shutdown.trigger();
    let server = shutdown.run(app::serve(listener, app));
    let outcome = if demo {
        let client = tokio::spawn(demo_client(started, address, backends.clone(), trigger));
        let outcome = server.await;
        client.await.expect("the demo client panicked")?;
        outcome
    } else {
        drop(trigger);
        server.await
    };
    let status = outcome.exit_code();
    match &outcome {
        Outcome::Finished(()) => log(started, "server returned on its own".into()),
        Outcome::Drained { reason, .. } => log(
            started,
            format!("shutdown: drained ({reason}), exit status 0"),
        ),
        Outcome::Aborted {
            reason,
            still_alive,
        } => log(
            started,
            format!(
                "shutdown: aborted after the drain ({reason}), exit status 1; still alive:\n{still_alive}"
            ),
        ),
    }
    print_calls(&backends.events());
    Ok(status)
}

/// The demo's client: one request per path, then a shutdown with a request
/// in flight.
async fn demo_client(
    started: Instant,
    address: std::net::SocketAddr,
    backends: Backends,
    trigger: Trigger,
) -> std::io::Result<()> {
    let client = reqwest::Client::new();
    let url = |id: &str| format!("http://{address}/profile/{id}");
    for id in ["ada", "broken", "buggy", "slow"] {
        let response = client.get(url(id)).send().await.map_err(io)?;
        let status = response.status();
        let body = response.text().await.map_err(io)?;
        let separator = if status.is_success() { " " } else { ": " };
        log(
            started,
            format!("GET /profile/{id:<6} → {status}{separator}{body}"),
        );
    }
    // A bug outside any handler: the next connection's task panics. Its
    // scope is isolated from it (`errors = isolated`): the server goes on.
    backends.crash_next_connection();
    let fresh = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .map_err(io)?;
    let crashed = fresh.get(url("ada")).send().await;
    log(
        started,
        format!(
            "GET /profile/ada    → {} (a new connection whose task panicked)",
            match crashed {
                Ok(response) => response.status().to_string(),
                Err(_) => "no answer, connection closed".into(),
            }
        ),
    );
    let after = client.get(url("ada")).send().await.map_err(io)?;
    log(
        started,
        format!(
            "GET /profile/ada    → {} (the server goes on)",
            after.status()
        ),
    );
    let in_flight = tokio::spawn(client.get(url("gated")).send());
    // The backends report when both calls of the gated request have started.
    backends
        .wait_for(|events| started_calls(events, "gated") == 2)
        .await;
    log(
        started,
        "GET /profile/gated  … in flight (both backend calls started)".into(),
    );
    trigger.shutdown();
    log(started, "shutdown triggered".into());
    backends
        .wait_for(|events| events.contains(&Event::StoppedAccepting))
        .await;
    match tokio::net::TcpStream::connect(address).await {
        Ok(_) => log(
            started,
            "new connection      → accepted (unexpected)".into(),
        ),
        Err(error) => log(started, format!("new connection      → refused ({error})")),
    }
    backends.open_gate();
    let response = in_flight.await.expect("request task").map_err(io)?;
    log(
        started,
        format!(
            "GET /profile/gated  → {} (finished during the drain)",
            response.status()
        ),
    );
    Ok(())
}

fn started_calls(events: &[Event], id: &str) -> usize {
    events
        .iter()
        .filter(|event| matches!(event, Event::Started(_, of) if of == id))
        .count()
}

fn print_calls(events: &[Event]) {
    let mut cancelled = Vec::new();
    let mut finished = 0;
    for event in events {
        match event {
            Event::Finished(..) => finished += 1,
            Event::Cancelled(backend, id) => cancelled.push(format!("{backend} for {id}")),
            Event::Started(..) | Event::StoppedAccepting => {}
        }
    }
    println!(
        "backend calls: {finished} finished, {} cancelled ({})",
        cancelled.len(),
        cancelled.join(", ")
    );
}

fn log(started: Instant, line: String) {
    println!("[{:>4} ms] {line}", started.elapsed().as_millis());
}

fn io(error: reqwest::Error) -> std::io::Error {
    std::io::Error::other(error)
}
