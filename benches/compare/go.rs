//! Go's errgroup on the same scenarios (`benches/errgroup/main.go`), run
//! before the Rust contenders when `go` and `golang.org/x/sync` are
//! installed (Debian: `golang-go golang-golang-x-sync-dev`), skipped with a
//! message otherwise.

use std::collections::HashMap;
use std::process::Command;

use crate::measure::Figure;

const NAME: &str = "Go errgroup (GOMAXPROCS=2)";
const GOPATH: &str = "/usr/share/gocode";

pub struct GoFigures {
    values: HashMap<String, f64>,
    missing: Option<String>,
}

/// Runs the Go program once; its figures are medians of its own rounds.
pub fn run() -> GoFigures {
    let program = concat!(env!("CARGO_MANIFEST_DIR"), "/errgroup/main.go");
    let mut command = Command::new("go");
    command
        .args(["run", program])
        .env("GO111MODULE", "off")
        .env("GOPATH", GOPATH);
    if std::env::args().any(|arg| arg == "quick") {
        command.arg("-quick");
    }
    let output = match command.output() {
        Ok(output) if output.status.success() => output,
        Ok(output) => {
            return GoFigures::missing(format!(
                "the Go benchmark failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            ))
        }
        Err(error) => {
            return GoFigures::missing(format!(
                "`go` not found ({error}); install golang-go and golang-golang-x-sync-dev"
            ))
        }
    };
    let values = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let (Some("errgroup"), Some(key), Some(value)) =
                (words.next(), words.next(), words.next())
            else {
                return None;
            };
            Some((key.to_owned(), value.parse().ok()?))
        })
        .collect();
    GoFigures {
        values,
        missing: None,
    }
}

impl GoFigures {
    /// Not run: the scenarios asked for have no Go counterpart.
    pub fn skipped() -> Self {
        GoFigures {
            values: HashMap::new(),
            missing: None,
        }
    }

    fn missing(why: String) -> Self {
        eprintln!("Go errgroup skipped: {why}");
        GoFigures {
            values: HashMap::new(),
            missing: Some(why),
        }
    }

    /// The Go row for a scenario, if measured.
    pub fn get(&self, key: &str) -> Vec<Figure> {
        self.values
            .get(key)
            .map(|&value| Figure { name: NAME, value })
            .into_iter()
            .collect()
    }

    pub fn report_missing(&self) {
        if let Some(why) = &self.missing {
            println!("\nGo errgroup rows are missing: {why}");
        }
    }
}
