//! `taskgroup::dump()`: the live tree of scopes and their tasks.

use std::time::Duration;

use taskgroup::{scope, ScopeDump, TaskKind};
use tokio::sync::Barrier;

fn find<'a>(scopes: &'a [ScopeDump], name: &str) -> Option<&'a ScopeDump> {
    scopes.iter().find_map(|scope| {
        if scope.scope.name() == Some(name) {
            Some(scope)
        } else {
            find(&scope.scopes, name)
        }
    })
}

/// The scope named `name` in a dump's JSON, at any depth.
fn find_json<'a>(tree: &'a serde_json::Value, name: &str) -> Option<&'a serde_json::Value> {
    tree["scopes"].as_array()?.iter().find_map(|scope| {
        if scope["name"] == name {
            Some(scope)
        } else {
            find_json(scope, name)
        }
    })
}

/// Scopes nest in the dump as they do in the code; live tasks are listed
/// with their names, kinds and ages; a scope leaves the dump once it has
/// stopped.
#[taskgroup::test(start_paused = true)]
async fn the_tree_of_live_scopes_and_tasks() {
    taskgroup::enable_dump();
    let all_waiting = std::sync::Arc::new(Barrier::new(3));
    scope!(name = "dump-outer"; {
        let b = all_waiting.clone();
        spawn!(name = "sleeper", async move {
            b.wait().await;
            std::future::pending::<()>().await
        });
        let b = all_waiting.clone();
        spawn!(name = "worker", async move {
            scope!(name = "dump-inner"; {
                spawn!(name = "inner-sleeper", async move {
                    b.wait().await;
                    std::future::pending::<()>().await
                });
            });
        });
        all_waiting.wait().await;
        tokio::time::sleep(Duration::from_secs(2)).await;

        let dump = taskgroup::dump();
        let outer = find(&dump.scopes, "dump-outer").expect("outer scope listed");
        assert_eq!(outer.state, "running");
        // The sleeper, the worker, and the scope the worker opened.
        assert_eq!(outer.children, 3);
        let names: Vec<_> = outer.tasks.iter().filter_map(|t| t.task.name()).collect();
        assert_eq!(names, ["sleeper", "worker"], "oldest first");
        assert!(outer.tasks.iter().all(|t| t.age == Duration::from_secs(2)));
        assert!(outer.tasks.iter().all(|t| t.state == "running"));
        assert!(outer.tasks.iter().all(|t| t.kind == TaskKind::Task));
        let inner = find(&outer.scopes, "dump-inner").expect("inner scope nested in outer");
        assert_eq!(inner.tasks.len(), 1);
        assert_eq!(inner.tasks[0].task.name(), Some("inner-sleeper"));

        let text = dump.to_string();
        let outer_line = text.lines().position(|l| l.contains("\"dump-outer\"")).unwrap();
        let inner_line = text.lines().position(|l| l.contains("\"dump-inner\"")).unwrap();
        assert!(inner_line > outer_line, "{text}");
        let indent = |line: usize| {
            let line = text.lines().nth(line).unwrap();
            line.len() - line.trim_start().len()
        };
        assert_eq!(indent(inner_line), indent(outer_line) + 2, "{text}");
        assert!(text.contains("\"inner-sleeper\" spawned at"), "{text}");
        assert!(text.contains("\"sleeper\" spawned at tests/dump.rs:"), "{text}");
        assert!(text.contains("— running, age 2.0s"), "{text}");
        assert!(!text.contains("not recorded"), "{text}");

        // The same tree as JSON (feature `serde`).
        let json = serde_json::to_value(&dump).unwrap();
        let outer_json = find_json(&json, "dump-outer").expect("outer scope in the JSON");
        assert_eq!(outer_json["state"], "running");
        assert_eq!(outer_json["children"], 3);
        assert_eq!(outer_json["scopes"][0]["name"], "dump-inner");
        let task = &outer_json["scopes"][0]["tasks"][0];
        assert_eq!(task["name"], "inner-sleeper");
        assert_eq!(task["kind"], "task");
        assert_eq!(task["state"], "running");
        assert_eq!(task["age_ms"], 2000);
        cancel!();
    });
    let dump = taskgroup::dump();
    assert!(find(&dump.scopes, "dump-outer").is_none(), "{dump}");
    assert!(find(&dump.scopes, "dump-inner").is_none(), "{dump}");
}

/// With a grace period, a cancelled scope and its tasks show as
/// `cancelling` while the children wind down; background tasks are listed
/// with their kind.
#[taskgroup::test(start_paused = true)]
async fn a_scope_in_its_grace_period_is_cancelling() {
    taskgroup::enable_dump();
    scope!(name = "dump-grace", grace = Duration::from_secs(10); {
        spawn!(name = "winding down", async {
            taskgroup::cancelled().await;
            tokio::time::sleep(Duration::from_secs(5)).await;
        });
        spawn_background!(name = "metrics", async {
            taskgroup::cancelled().await;
            tokio::time::sleep(Duration::from_secs(5)).await;
        });
        tokio::task::yield_now().await;
        cancel!();
        tokio::time::sleep(Duration::from_secs(1)).await;
        let dump = taskgroup::dump();
        let scope = find(&dump.scopes, "dump-grace").expect("listed");
        assert_eq!(scope.state, "cancelling", "{dump}");
        let tasks: Vec<_> = scope
            .tasks
            .iter()
            .map(|t| (t.task.name().unwrap(), t.kind, t.state, t.age))
            .collect();
        let age = Duration::from_secs(1);
        assert_eq!(
            tasks,
            [
                ("winding down", TaskKind::Task, "cancelling", age),
                ("metrics", TaskKind::Background, "cancelling", age),
            ],
            "{dump}"
        );
        assert!(dump.to_string().contains("\"metrics\" spawned at"), "{dump}");
        assert!(dump.to_string().contains("— background, cancelling, age 1.0s"), "{dump}");
    });
}

/// A task listed while it runs, not only while it waits: one busy in a
/// blocking call is in the dump, with its kind.
#[taskgroup::test]
async fn a_task_in_a_blocking_call_is_listed() {
    taskgroup::enable_dump();
    let (started, running) = tokio::sync::oneshot::channel();
    let (release, released) = std::sync::mpsc::channel::<()>();
    scope!(name = "dump-blocking"; {
        spawn_blocking!(name = "hashing", move || {
            started.send(()).unwrap();
            released.recv().unwrap();
        });
        running.await.unwrap();
        let dump = taskgroup::dump();
        let scope = find(&dump.scopes, "dump-blocking").expect("listed");
        assert_eq!(scope.tasks.len(), 1, "{dump}");
        assert_eq!(scope.tasks[0].task.name(), Some("hashing"));
        assert_eq!(scope.tasks[0].kind, TaskKind::Blocking);
        assert_eq!(scope.tasks[0].state, "running");
        release.send(()).unwrap();
    });
    let dump = taskgroup::dump();
    assert!(find(&dump.scopes, "dump-blocking").is_none(), "{dump}");
}
