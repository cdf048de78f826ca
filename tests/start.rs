//! `start!(|ready| fut)`: Trio's `nursery.start`, the value a child signals once it is ready.
//!
//! `start!(|ready| fut)`: Trio's `nursery.start`. `start!` returns the value
//! the child signals once initialised; a child that fails or ends before
//! signalling makes `start!` fail, not the scope.

mod common;

use std::time::Duration;

use common::{forever, Tracker};
use taskgroup::{scope, StartError};
use tokio::sync::mpsc;
use tokio::time::sleep;

#[derive(Debug, PartialEq)]
struct Failed(&'static str);

/// The value comes back once the child signals; the child goes on running
/// as an ordinary child, joined at the brace.
#[taskgroup::test(start_paused = true)]
async fn start_returns_the_signalled_value_and_the_child_runs_on() {
    let (sender, mut received) = mpsc::unbounded_channel();
    let result: Result<u32, Failed> = scope! {
        let port = start!(|ready| async move {
            sleep(Duration::from_secs(1)).await; // initialising
            ready.send(8080_u32);
            for n in 0..3 {
                sleep(Duration::from_secs(1)).await;
                sender.send(n).unwrap();
            }
            Ok(())
        })
        .unwrap();
        Ok(port)
    };
    assert_eq!(result, Ok(8080));
    let mut served = Vec::new();
    while let Ok(n) = received.try_recv() {
        served.push(n);
    }
    assert_eq!(
        served,
        [0, 1, 2],
        "the child did not run on after the signal"
    );
}

/// An error before the signal is `start!`'s, not the scope's: the body goes
/// on and the scope succeeds.
#[taskgroup::test]
async fn a_failure_before_the_signal_fails_start_not_the_scope() {
    let result: Result<&str, Failed> = scope! {
        let started = start!(|ready| async move {
            Err::<(), _>(Failed("bind failed"))?;
            ready.send(());
            Ok(())
        });
        assert_eq!(started, Err(StartError::Failed(Failed("bind failed"))));
        Ok("the scope went on")
    };
    assert_eq!(result, Ok("the scope went on"));
}

#[taskgroup::test]
async fn ending_before_the_signal_is_ended() {
    let value = scope! {
        let started = start!(|ready| async move {
            drop(ready);
            5
        });
        assert_eq!(started, Err::<u8, StartError<std::convert::Infallible>>(StartError::Ended));
        "ok"
    };
    assert_eq!(value, "ok");
}

/// After the signal, a failure is an ordinary child's: it fails the scope
/// and cancels the rest.
#[taskgroup::test(start_paused = true)]
async fn a_failure_after_the_signal_fails_the_scope() {
    let tracker = Tracker::new();
    let alive = tracker.alive();
    let result: Result<(), Failed> = scope! {
        spawn!(async move {
            forever::<()>().await;
            drop(alive);
        });
        start!(|ready| async move {
            ready.send(());
            sleep(Duration::from_secs(1)).await;
            Err::<(), _>(Failed("crashed later"))
        })
        .unwrap();
        forever::<()>().await;
        Ok(())
    };
    assert_eq!(result, Err(Failed("crashed later")));
    assert_eq!(tracker.live(), 0);
}

/// A real listener on loopback: `start!` returns its address once bound.
#[taskgroup::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listener_is_listening_when_start_returns() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let result: Result<Vec<u8>, std::io::Error> = scope! {
        let addr = start!(name = "echo", |ready| async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            ready.send(listener.local_addr()?);
            loop {
                let (mut socket, _) = listener.accept().await?;
                let mut buffer = [0; 5];
                socket.read_exact(&mut buffer).await?;
                socket.write_all(&buffer).await?;
            }
        })
        .expect("the listener did not start");
        let mut client = tokio::net::TcpStream::connect(addr).await?;
        client.write_all(b"hello").await?;
        let mut echoed = vec![0; 5];
        client.read_exact(&mut echoed).await?;
        cancel!(); // stop the server
        Ok(echoed)
    };
    assert_eq!(result.unwrap(), b"hello");
}
