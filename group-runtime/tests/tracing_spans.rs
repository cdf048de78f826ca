//! The `tracing` feature: a span per scope and per task (the task's a child
//! of its scope's, the scope's a child of the span that opened it) and an
//! event when a scope is cancelled, with the cause.
//!
//! Run with the feature: `cargo test -p taskgroup-runtime --features tracing`
//! (CI does; the root package leaves it off so that its benchmarks measure
//! the default build).
#![cfg(feature = "tracing")]

use std::sync::{Arc, Mutex};

use taskgroup::scope;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// What the subscriber saw: spans (id, name, parent, `name` field) and
/// events (their `cause` field), the `outcome` recorded on task spans (by
/// span id), and the task events (message, `outcome`, `panic`).
#[derive(Default)]
struct Seen {
    spans: Vec<(u64, &'static str, Option<u64>, String)>,
    causes: Vec<String>,
    outcomes: Vec<(u64, String)>,
    task_events: Vec<(String, String, String)>,
    /// Every event: its message, and its `failure` or `panic` field.
    events: Vec<(String, String)>,
}

#[derive(Clone, Default)]
struct Recorder {
    seen: Arc<Mutex<Seen>>,
    current: Arc<Mutex<Vec<u64>>>,
}

#[derive(Default)]
struct Fields {
    name: String,
    cause: String,
    outcome: String,
    panic: String,
    failure: String,
    message: String,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "name" => self.name = value.to_owned(),
            "outcome" => self.outcome = value.to_owned(),
            "panic" => self.panic = value.to_owned(),
            "failure" => self.failure = value.to_owned(),
            _ => {}
        }
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        match field.name() {
            "cause" => self.cause = format!("{value:?}"),
            "message" => self.message = format!("{value:?}"),
            _ => {}
        }
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, attributes: &Attributes<'_>) -> Id {
        let mut fields = Fields::default();
        attributes.record(&mut fields);
        let mut seen = self.seen.lock().unwrap();
        let id = seen.spans.len() as u64 + 1;
        let parent = if attributes.is_root() {
            None
        } else {
            attributes
                .parent()
                .map(Id::into_u64)
                .or_else(|| self.current.lock().unwrap().last().copied())
        };
        seen.spans
            .push((id, attributes.metadata().name(), parent, fields.name));
        Id::from_u64(id)
    }
    fn record(&self, span: &Id, values: &Record<'_>) {
        let mut fields = Fields::default();
        values.record(&mut fields);
        if !fields.outcome.is_empty() {
            let mut seen = self.seen.lock().unwrap();
            seen.outcomes.push((span.into_u64(), fields.outcome));
        }
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let mut seen = self.seen.lock().unwrap();
        if !fields.cause.is_empty() {
            seen.causes.push(fields.cause);
        }
        let detail = if fields.failure.is_empty() {
            fields.panic.clone()
        } else {
            fields.failure.clone()
        };
        seen.events.push((fields.message.clone(), detail));
        if !fields.outcome.is_empty() {
            seen.task_events
                .push((fields.message, fields.outcome, fields.panic));
        }
    }
    fn enter(&self, span: &Id) {
        self.current.lock().unwrap().push(span.into_u64());
    }
    fn exit(&self, _: &Id) {
        self.current.lock().unwrap().pop();
    }
}

/// Runs `test` on a current-thread runtime under a [`Recorder`]; what it
/// saw.
fn recorded(test: impl std::future::Future<Output = ()>) -> Arc<Mutex<Seen>> {
    let recorder = Recorder::default();
    let seen = recorder.seen.clone();
    tracing::subscriber::with_default(recorder, || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(test);
    });
    seen
}

#[test]
fn scopes_and_tasks_are_spans_and_cancellations_events() {
    let seen = recorded(async {
        let request = tracing::info_span!("request");
        let _entered = request.enter();
        let result: Result<(), &str> = scope!(name = "handler"; {
            spawn!(name = "fetch", async { Err::<(), _>("backend down") });
            Ok(())
        });
        assert_eq!(result, Err("backend down"));
    });
    let seen = seen.lock().unwrap();
    let find = |kind: &str, name: &str| {
        seen.spans
            .iter()
            .find(|(_, span, _, field)| *span == kind && field == name)
            .unwrap_or_else(|| panic!("no {kind} span named {name}: {:?}", seen.spans))
            .clone()
    };
    let request = seen
        .spans
        .iter()
        .find(|(_, span, _, _)| *span == "request")
        .unwrap()
        .0;
    let scope = find("taskgroup.scope", "handler");
    let task = find("taskgroup.task", "fetch");
    assert_eq!(
        scope.2,
        Some(request),
        "the scope's span is not under the request"
    );
    assert_eq!(
        task.2,
        Some(scope.0),
        "the task's span is not under its scope"
    );
    assert!(
        seen.causes
            .iter()
            .any(|cause| cause.contains("\"fetch\"") && cause.contains("failed")),
        "{:?}",
        seen.causes
    );
}

/// Each task's span records how it ended (`ok`, `failed`, `panicked`,
/// `cancelled`); a failure is a warning event, a panic an error event with
/// its message.
#[test]
fn task_outcomes_are_recorded_on_their_spans_and_as_events() {
    let seen = recorded(async {
        let result: Result<(), &str> = scope! {
            spawn!(name = "quick", async { Ok::<_, &str>(()) }).await;
            spawn!(name = "stuck", std::future::pending::<Result<(), &str>>());
            spawn!(name = "fetch", async { Err::<(), _>("backend down") });
            Ok(())
        };
        assert_eq!(result, Err("backend down"));
        let panicked = tokio::spawn(async {
            scope! {
                spawn!(name = "bug", async { panic!("index out of bounds") as () });
            }
        })
        .await;
        assert!(panicked.is_err());
    });
    let seen = seen.lock().unwrap();
    let outcome_of = |name: &str| {
        let (id, ..) = seen
            .spans
            .iter()
            .find(|(_, kind, _, field)| *kind == "taskgroup.task" && field == name)
            .unwrap_or_else(|| panic!("no task span {name}"));
        seen.outcomes
            .iter()
            .find(|(span, _)| span == id)
            .map(|(_, outcome)| outcome.as_str())
    };
    assert_eq!(outcome_of("quick"), Some("ok"));
    assert_eq!(outcome_of("fetch"), Some("failed"));
    assert_eq!(outcome_of("stuck"), Some("cancelled"));
    assert_eq!(outcome_of("bug"), Some("panicked"));
    let event = |outcome: &str| {
        seen.task_events
            .iter()
            .find(|(_, o, _)| o == outcome)
            .cloned()
            .unwrap_or_else(|| panic!("no {outcome} event: {:?}", seen.task_events))
    };
    assert_eq!(event("failed").0, "taskgroup: task failed");
    let panicked = event("panicked");
    assert_eq!(panicked.0, "taskgroup: task panicked");
    assert_eq!(panicked.2, "index out of bounds");
}

#[test]
fn restarts_exhaustion_and_isolated_panics_are_events() {
    use taskgroup::{Backoff, Restart};
    let seen = recorded(async {
        let result: Result<(), &str> = scope! {
            spawn!(
                restart = Restart::on_failure().backoff(Backoff::none()).at_most(1, std::time::Duration::from_secs(60)),
                || async { Err::<(), &str>("down") }
            );
            Ok(())
        };
        assert_eq!(result, Err("down"));
        scope! {
            // Dropped without its panic taken: unobserved.
            spawn!(isolated, async { if true { panic!("isolated bug") } });
            tokio::task::yield_now().await;
        };
    });
    let seen = seen.lock().unwrap();
    let find = |message: &str| {
        seen.events
            .iter()
            .find(|(m, _)| m.contains(message))
            .map(|(_, detail)| detail.clone())
            .unwrap_or_else(|| panic!("no event {message:?}: {:?}", seen.events))
    };
    assert_eq!(
        find("restarting a supervised child"),
        "returned Err(\"down\")"
    );
    assert_eq!(find("restart intensity exceeded"), "returned Err(\"down\")");
    assert_eq!(find("isolated child panicked"), "isolated bug");
    assert_eq!(find("dropped without being taken"), "isolated bug");
}
