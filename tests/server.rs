//! The HTTP service of `examples/server` over loopback: answers, disconnects, graceful shutdown.
//!
//! The HTTP service of `examples/server`, driven over loopback by a real
//! client: the fan-out's answers (200, 502 at once, 504 at the deadline),
//! a client disconnect cancelling the backend calls, and a shutdown with a
//! request in flight (it finishes, new connections are refused, nothing is
//! left). Real time and real sockets: the synchronisation is on the
//! backends' event log, never on a sleep.

#[path = "../examples/server/app.rs"]
mod app;

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use app::{App, Backends, Event, Post, Profile, User};
use reqwest::StatusCode;
use taskgroup::shutdown::{Outcome, Shutdown, Trigger};
use taskgroup::testing::check_leaks;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

/// A running server, as its client sees it.
struct Server {
    address: SocketAddr,
    backends: Backends,
    /// Starts the drain (`with_server` pulls it too, once the client is done).
    trigger: Trigger,
}

/// Runs the server for the length of `client`, then shuts it down and
/// checks that it drained: the whole test under the leak check, so that a
/// connection or backend task still alive at the end fails it. What the
/// client returns (a client with an idle connection, say) is kept until
/// the drain is over.
async fn with_server<F, Fut, Kept>(deadline: Duration, client: F)
where
    F: FnOnce(Server) -> Fut,
    Fut: Future<Output = Kept>,
{
    check_leaks(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let backends = Backends::new();
        let app = App {
            backends: backends.clone(),
            deadline,
        };
        let shutdown = Shutdown::new(Duration::from_secs(10)).without_signals();
        let trigger = shutdown.trigger();
        let server = Server {
            address: listener.local_addr().unwrap(),
            backends,
            trigger: trigger.clone(),
        };
        let (outcome, kept) = tokio::join!(shutdown.run(app::serve(listener, app)), async {
            let kept = client(server).await;
            trigger.shutdown();
            kept
        });
        if let Outcome::Aborted { still_alive, .. } = &outcome {
            panic!("the service did not drain; still alive after the drain:\n{still_alive}");
        }
        assert!(
            matches!(
                outcome,
                Outcome::Drained {
                    value: (),
                    reason: "trigger"
                }
            ),
            "{outcome:?}"
        );
        drop(kept);
    })
    .await;
}

/// A fresh request: status, body, and how long the answer took.
async fn get(address: SocketAddr, id: &str) -> (StatusCode, String, Duration) {
    let start = Instant::now();
    let response = reqwest::get(url(address, id)).await.unwrap();
    let status = response.status();
    (status, response.text().await.unwrap(), start.elapsed())
}

fn url(address: SocketAddr, id: &str) -> String {
    format!("http://{address}/profile/{id}")
}

/// Each backend call for `id` ended as said: `finished` ones answered,
/// `cancelled` ones were dropped in flight; nothing else was called.
fn assert_calls(backends: &Backends, id: &str, finished: &[&str], cancelled: &[&str]) {
    let events = backends.events();
    let ended = |backend: &&str| {
        events.iter().find_map(|event| match event {
            Event::Finished(b, of) if b == backend && of == id => Some("finished"),
            Event::Cancelled(b, of) if b == backend && of == id => Some("cancelled"),
            _ => None,
        })
    };
    for backend in finished {
        assert_eq!(ended(backend), Some("finished"), "{backend}: {events:?}");
    }
    for backend in cancelled {
        assert_eq!(ended(backend), Some("cancelled"), "{backend}: {events:?}");
    }
    let calls = count(&events, |e| matches!(e, Event::Started(_, of) if of == id));
    assert_eq!(calls, finished.len() + cancelled.len(), "{events:?}");
}

fn count(events: &[Event], wanted: impl Fn(&Event) -> bool) -> usize {
    events.iter().filter(|event| wanted(event)).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_backends_answer_a_profile() {
    with_server(Duration::from_secs(10), |server| async move {
        let response = reqwest::get(url(server.address, "ada")).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let profile: Profile = response.json().await.unwrap();
        assert_eq!(
            profile,
            Profile {
                user: User {
                    id: "ada".into(),
                    name: "user ada".into()
                },
                posts: vec![
                    Post {
                        title: "ada's first post".into()
                    },
                    Post {
                        title: "ada's second post".into()
                    },
                ],
            }
        );
        assert_calls(&server.backends, "ada", &["user", "posts"], &[]);
    })
    .await;
}

/// One request whose fan-out fails, answered with `status` and `body`,
/// each call ended as said; how long the answer took.
async fn failed_request(
    deadline: Duration,
    id: &'static str,
    (status, body): (StatusCode, &'static str),
    (finished, cancelled): (&'static [&'static str], &'static [&'static str]),
) -> Duration {
    let mut answer = None;
    with_server(deadline, |server| {
        let answer = &mut answer;
        async move {
            *answer = Some(get(server.address, id).await);
            assert_calls(&server.backends, id, finished, cancelled);
        }
    })
    .await;
    let (got_status, got_body, took) = answer.expect("the client ran");
    assert_eq!((got_status, got_body.as_str()), (status, body));
    took
}

/// The posts call fails after 10 ms; the user call would never answer. The
/// 502 comes at once, long before the deadline, and the user call has
/// already been cancelled when it comes: the handler's scope joined it
/// before answering.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_backend_answers_502_at_once_and_cancels_the_other_call() {
    let deadline = Duration::from_secs(20);
    let answer = (
        StatusCode::BAD_GATEWAY,
        "posts backend: connection reset by peer",
    );
    let took = failed_request(deadline, "broken", answer, (&["posts"], &["user"])).await;
    assert!(took < deadline / 2, "{took:?}");
}

/// The posts call never answers: the deadline answers 504 and cancels it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_deadline_answers_504_and_cancels_the_late_call() {
    let deadline = Duration::from_millis(200);
    let answer = (StatusCode::GATEWAY_TIMEOUT, "deadline elapsed");
    let took = failed_request(deadline, "slow", answer, (&["user"], &["posts"])).await;
    assert!(took >= deadline, "{took:?}");
}

/// A backend call panics (a bug): the handler's scope cancels the other
/// call, joins it, and resumes the panic in the handler, which
/// `CatchPanicLayer` answers with a 500; the server goes on serving.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_backend_answers_500_and_the_server_goes_on() {
    let answer = (StatusCode::INTERNAL_SERVER_ERROR, "internal error");
    let took = failed_request(
        Duration::from_secs(20),
        "buggy",
        answer,
        (&["posts"], &["user"]),
    )
    .await;
    assert!(took < Duration::from_secs(10), "{took:?}");
    with_server(Duration::from_secs(20), |server| async move {
        assert_eq!(
            get(server.address, "buggy").await.0,
            StatusCode::INTERNAL_SERVER_ERROR
        );
        assert_eq!(get(server.address, "ada").await.0, StatusCode::OK); // still serving
    })
    .await;
}

/// A client that goes away mid-request: hyper drops the handler's future,
/// which aborts both backend calls.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_disconnects_cancels_both_calls() {
    with_server(Duration::from_secs(20), |server| async move {
        let Server {
            address, backends, ..
        } = server;
        let mut socket = TcpStream::connect(address).await.unwrap();
        socket
            .write_all(b"GET /profile/hang HTTP/1.1\r\nhost: localhost\r\n\r\n")
            .await
            .unwrap();
        let started = |events: &[Event]| {
            count(
                events,
                |e| matches!(e, Event::Started(_, id) if id == "hang"),
            )
        };
        backends.wait_for(|events| started(events) == 2).await;
        drop(socket);
        let cancelled = |events: &[Event]| {
            count(
                events,
                |e| matches!(e, Event::Cancelled(_, id) if id == "hang"),
            )
        };
        // Bounded, so that a failure is a failure and not a hang; the
        // cancellation itself takes microseconds.
        tokio::time::timeout(
            Duration::from_secs(10),
            backends.wait_for(|events| cancelled(events) == 2),
        )
        .await
        .unwrap_or_else(|_| panic!("calls not cancelled: {:?}", backends.events()));
    })
    .await;
}

/// The shutdown, with one request in flight and one idle keep-alive
/// connection: the server stops accepting (a new connection is refused),
/// the request in flight finishes with its full answer, the idle connection
/// (its client kept until the drain is over) does not hold up the drain,
/// and the service drains (`with_server` checks the outcome and that
/// nothing is left).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_lets_requests_in_flight_finish_and_refuses_new_ones() {
    with_server(Duration::from_secs(20), |server| async move {
        let Server {
            address,
            backends,
            trigger,
        } = server;
        // A request on a keep-alive connection, which stays idle.
        let client = reqwest::Client::new();
        let response = client.get(url(address, "ada")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.bytes().await.unwrap();

        let in_flight = tokio::spawn(reqwest::get(url(address, "gated")));
        let started = |events: &[Event]| {
            count(
                events,
                |e| matches!(e, Event::Started(_, id) if id == "gated"),
            )
        };
        backends.wait_for(|events| started(events) == 2).await;
        trigger.shutdown();
        backends
            .wait_for(|events| events.contains(&Event::StoppedAccepting))
            .await;

        let refused = TcpStream::connect(address).await.map(|_| ());
        assert_eq!(
            refused.map_err(|error| error.kind()),
            Err(std::io::ErrorKind::ConnectionRefused)
        );
        let refused = reqwest::Client::new()
            .get(url(address, "ada"))
            .send()
            .await
            .expect_err("a request was accepted during the drain");
        assert!(refused.is_connect(), "{refused:?}");

        backends.open_gate();
        let response = in_flight.await.unwrap().unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let profile: Profile = response.json().await.unwrap();
        assert_eq!(profile.user.id, "gated");
        assert_eq!(profile.posts.len(), 2);
        // The calls in flight at the shutdown were not cancelled.
        assert_calls(&backends, "gated", &["user", "posts"], &[]);
        assert_calls(&backends, "ada", &["user", "posts"], &[]);
        client // its idle connection stays open through the drain
    })
    .await;
}

/// A connection task that panics outside any handler (where
/// `CatchPanicLayer` does not reach) ends that connection only: the server
/// is isolated from it (`errors = isolated`) and serves the next request;
/// the panic is counted as unobserved, not lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_task_that_panics_does_not_take_the_server_down() {
    with_server(Duration::from_secs(20), |server| async move {
        let before = taskgroup::unobserved_panics();
        server.backends.crash_next_connection();
        // The crashing connection: the client sees it closed, no answer.
        let mut socket = tokio::net::TcpStream::connect(server.address)
            .await
            .unwrap();
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let _ = socket
            .write_all(b"GET /profile/ada HTTP/1.1\r\nhost: x\r\n\r\n")
            .await;
        let mut answer = Vec::new();
        let _ = socket.read_to_end(&mut answer).await;
        assert!(
            answer.is_empty(),
            "the crashed connection answered: {answer:?}"
        );
        // The server goes on.
        let (status, _, _) = get(server.address, "ada").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            taskgroup::unobserved_panics() > before,
            "the panic was counted"
        );
    })
    .await;
}
