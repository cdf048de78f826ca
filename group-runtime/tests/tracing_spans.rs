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
/// events (their `cause` field).
#[derive(Default)]
struct Seen {
    spans: Vec<(u64, &'static str, Option<u64>, String)>,
    causes: Vec<String>,
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
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "name" {
            self.name = value.to_owned();
        }
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "cause" {
            self.cause = format!("{value:?}");
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
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        if !fields.cause.is_empty() {
            self.seen.lock().unwrap().causes.push(fields.cause);
        }
    }
    fn enter(&self, span: &Id) {
        self.current.lock().unwrap().push(span.into_u64());
    }
    fn exit(&self, _: &Id) {
        self.current.lock().unwrap().pop();
    }
}

#[test]
fn scopes_and_tasks_are_spans_and_cancellations_events() {
    let recorder = Recorder::default();
    let seen = recorder.seen.clone();
    tracing::subscriber::with_default(recorder, || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let request = tracing::info_span!("request");
            let _entered = request.enter();
            let result: Result<(), &str> = scope!(name = "handler"; {
                spawn!(name = "fetch", async { Err::<(), _>("backend down") });
                Ok(())
            });
            assert_eq!(result, Err("backend down"));
        });
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
