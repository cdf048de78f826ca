//! A dashboard built from three backends — weather, news, stocks — one of
//! which (stocks) never answers. Two ways to build it:
//!
//! 1. All or nothing: the three calls are tasks of a `#[nursery]` with a
//!    300 ms deadline. The first failure, or the deadline, cancels the rest
//!    and the whole dashboard fails.
//! 2. Partial results: each panel handles its own failure and its own
//!    deadline, so a slow or broken backend costs one panel, not the page;
//!    the scope still guarantees that no call outlives the dashboard.
//!
//! Run: `cargo run --example dashboard`. Expected output (timings ±):
//!
//! ```text
//! all or nothing, news working:
//! [ 301 ms] dashboard failed: deadline elapsed (news done, stocks cancelled, weather done)
//! all or nothing, news broken:
//! [  40 ms] dashboard failed: news: 503 Service Unavailable (news done, stocks cancelled, weather done)
//! partial results, news broken:
//! [ 152 ms] weather: 21°C, sunny
//! [ 152 ms] news:    unavailable (news: 503 Service Unavailable)
//! [ 152 ms] stocks:  unavailable (no answer within 150ms)
//! ```

use std::fmt;
use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use taskgroup::nursery;
use tokio::time::sleep;

#[derive(Debug)]
enum Error {
    Backend(&'static str, &'static str),
    Deadline,
}

impl From<taskgroup::Elapsed> for Error {
    fn from(_: taskgroup::Elapsed) -> Self {
        Error::Deadline
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Backend(backend, why) => write!(f, "{backend}: {why}"),
            Error::Deadline => f.write_str("deadline elapsed"),
        }
    }
}

/// What happened to each call, for the output: done or cancelled (its
/// future dropped before it finished).
static CALLS: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Call(&'static str, bool);

impl Call {
    fn done(mut self) {
        self.1 = true;
    }
}

impl Drop for Call {
    fn drop(&mut self) {
        let state = if self.1 { "done" } else { "cancelled" };
        CALLS.lock().unwrap().push(format!("{} {state}", self.0));
    }
}

async fn weather() -> Result<String, Error> {
    let call = Call("weather", false);
    sleep(Duration::from_millis(30)).await;
    call.done();
    Ok("21°C, sunny".into())
}

async fn news(broken: bool) -> Result<String, Error> {
    let call = Call("news", false);
    sleep(Duration::from_millis(40)).await;
    call.done();
    if broken {
        return Err(Error::Backend("news", "503 Service Unavailable"));
    }
    Ok("3 headlines".into())
}

async fn stocks() -> Result<String, Error> {
    let _call = Call("stocks", false);
    std::future::pending().await // the backend that never answers
}

/// All or nothing: any failure, or the deadline, fails the dashboard.
#[nursery(timeout = Duration::from_millis(300))]
async fn dashboard(news_broken: bool) -> Result<[String; 3], Error> {
    let weather = spawn!(weather());
    let news = spawn!(news(news_broken));
    let stocks = spawn!(stocks());
    Ok([weather.await, news.await, stocks.await])
}

/// A panel's content, or why it is missing. Not a `Result`: a task
/// returning `Err` fails its scope, which is what this variant avoids.
enum Panel {
    Ready(String),
    Unavailable(String),
}

/// One panel: its call, with its own deadline, its error kept as the
/// panel's content.
async fn panel(call: impl Future<Output = Result<String, Error>>) -> Panel {
    let within = Duration::from_millis(150);
    match tokio::time::timeout(within, call).await {
        Ok(Ok(content)) => Panel::Ready(content),
        Ok(Err(error)) => Panel::Unavailable(error.to_string()),
        Err(_) => Panel::Unavailable(format!("no answer within {within:?}")),
    }
}

/// Partial results: each panel has its own deadline and keeps its own
/// error; the scope cannot fail (its tasks return values, not `Err`), and
/// still joins every call before the page is built.
#[nursery]
async fn partial_dashboard(news_broken: bool) -> [Panel; 3] {
    let weather = spawn!(panel(weather()));
    let news = spawn!(panel(news(news_broken)));
    let stocks = spawn!(panel(stocks()));
    [weather.await, news.await, stocks.await]
}

fn calls() -> String {
    let mut calls = std::mem::take(&mut *CALLS.lock().unwrap());
    calls.sort();
    calls.join(", ")
}

#[tokio::main]
async fn main() {
    for news_broken in [false, true] {
        println!(
            "all or nothing, news {}:",
            if news_broken { "broken" } else { "working" }
        );
        let start = Instant::now();
        match dashboard(news_broken).await {
            Ok(panels) => println!("[{:>4} ms] {panels:?}", start.elapsed().as_millis()),
            Err(error) => println!(
                "[{:>4} ms] dashboard failed: {error} ({})",
                start.elapsed().as_millis(),
                calls()
            ),
        }
    }
    println!("partial results, news broken:");
    let start = Instant::now();
    let panels = partial_dashboard(true).await;
    for (name, panel) in ["weather:", "news:   ", "stocks: "].iter().zip(panels) {
        let shown = match panel {
            Panel::Ready(content) => content,
            Panel::Unavailable(why) => format!("unavailable ({why})"),
        };
        println!("[{:>4} ms] {name} {shown}", start.elapsed().as_millis());
    }
}
