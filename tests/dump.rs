//! `taskgroup::dump()`: the live tree of scopes and their waiting tasks.

use std::time::Duration;

use taskgroup::{scope, ScopeDump};
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

/// Scopes nest in the dump as they do in the code; waiting tasks are
/// listed with their names; a scope leaves the dump once it has stopped.
#[tokio::test(start_paused = true)]
async fn the_tree_of_live_scopes_and_waiting_tasks() {
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
        let names: Vec<_> = outer.waiting.iter().filter_map(|t| t.task.name()).collect();
        assert!(names.contains(&"sleeper"), "{names:?}");
        assert!(outer.waiting.iter().all(|t| t.waiting_for >= Duration::from_secs(2)));
        let inner = find(&outer.scopes, "dump-inner").expect("inner scope nested in outer");
        assert_eq!(inner.waiting[0].task.name(), Some("inner-sleeper"));

        let text = dump.to_string();
        let outer_line = text.lines().position(|l| l.contains("\"dump-outer\"")).unwrap();
        let inner_line = text.lines().position(|l| l.contains("\"dump-inner\"")).unwrap();
        assert!(inner_line > outer_line, "{text}");
        assert!(text.lines().nth(inner_line).unwrap().starts_with("  scope"), "{text}");
        assert!(text.contains("\"inner-sleeper\" spawned at"), "{text}");
        assert!(text.contains("waiting 2.0s"), "{text}");

        // The same tree as JSON (feature `serde`).
        let json = serde_json::to_value(&dump).unwrap();
        let outer_json = json["scopes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|scope| scope["name"] == "dump-outer")
            .expect("outer scope in the JSON");
        assert_eq!(outer_json["state"], "running");
        assert_eq!(outer_json["children"], 3);
        assert_eq!(outer_json["scopes"][0]["name"], "dump-inner");
        assert_eq!(outer_json["scopes"][0]["waiting"][0]["name"], "inner-sleeper");
        assert!(outer_json["scopes"][0]["waiting"][0]["waiting_ms"].as_u64().unwrap() >= 2000);
        cancel!();
    });
    let dump = taskgroup::dump();
    assert!(find(&dump.scopes, "dump-outer").is_none(), "{dump}");
    assert!(find(&dump.scopes, "dump-inner").is_none(), "{dump}");
}

/// With a grace period, a cancelled scope shows as `cancelling` while its
/// children wind down.
#[tokio::test(start_paused = true)]
async fn a_scope_in_its_grace_period_is_cancelling() {
    taskgroup::enable_dump();
    scope!(name = "dump-grace", grace = Duration::from_secs(10); {
        spawn!(async {
            taskgroup::cancelled().await;
            tokio::time::sleep(Duration::from_secs(5)).await;
        });
        tokio::task::yield_now().await;
        cancel!();
        tokio::time::sleep(Duration::from_secs(1)).await;
        let dump = taskgroup::dump();
        let scope = find(&dump.scopes, "dump-grace").expect("listed");
        assert_eq!(scope.state, "cancelling", "{dump}");
    });
}
