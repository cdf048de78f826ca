//! Inherited context: `context = value` on a scope, read with `taskgroup::context::<T>()` anywhere below it.

use std::sync::Arc;

use taskgroup::{nursery, scope, Restart};

#[derive(Debug, PartialEq)]
struct RequestId(u64);

#[derive(Debug, PartialEq)]
struct Tenant(&'static str);

fn request_id() -> Option<u64> {
    taskgroup::context::<RequestId>().map(|id| id.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_descendant_reads_the_scopes_values_on_any_thread() {
    let seen: Result<Vec<Option<u64>>, &str> = scope!(context = RequestId(42), context = Tenant("acme"); {
        let task = spawn!(async { request_id() });
        let blocking = spawn_blocking!(request_id);
        let local = spawn_scoped!(async { request_id() });
        let nested = spawn!(async {
            scope! {
                let grandchild = spawn!(async {
                    (request_id(), taskgroup::context::<Tenant>().map(|tenant| tenant.0))
                });
                grandchild.await
            }
        });
        let pooled = taskgroup::pool::map(vec![1, 2], 2, |_| async { request_id() }).await;
        let (id, tenant) = nested.await;
        assert_eq!(tenant, Some("acme"));
        let mut seen = vec![task.await, blocking.await, local.await, id];
        seen.extend(pooled);
        Ok(seen)
    });
    assert_eq!(seen.unwrap(), vec![Some(42); 6]);
}

#[tokio::test(flavor = "current_thread")]
async fn a_nested_scope_shadows_a_value_of_the_same_type_and_keeps_the_others() {
    let (inner, outer) = scope!(context = RequestId(1), context = Tenant("acme"); {
        let inner = scope!(context = RequestId(2); {
            (request_id(), taskgroup::context::<Tenant>().map(|tenant| tenant.0))
        });
        (inner, request_id())
    });
    assert_eq!(inner, (Some(2), Some("acme")));
    assert_eq!(outer, Some(1), "the shadowing ends with the nested scope");
    assert_eq!(request_id(), None, "outside any scope");
}

#[tokio::test(flavor = "current_thread")]
async fn no_value_of_a_type_nobody_gave() {
    let missing = scope!(context = Tenant("acme"); { request_id() });
    assert_eq!(missing, None);
}

#[nursery(context = RequestId(id))]
async fn handler(id: u64) -> Result<Option<u64>, std::io::Error> {
    let call = spawn!(async { request_id() });
    Ok(call.await)
}

#[tokio::test(flavor = "current_thread")]
async fn a_nursery_takes_a_context_from_its_arguments() {
    assert_eq!(handler(9).await.unwrap(), Some(9));
}

#[taskgroup::test(start_paused = true)]
async fn a_restarted_childs_every_start_reads_the_context() {
    let starts = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = starts.clone();
    let result: Result<(), &str> = scope!(context = RequestId(5); {
        spawn!(
            restart = Restart::on_failure().backoff(taskgroup::Backoff::none()),
            move || {
                let seen = seen.clone();
                async move {
                    let mut starts = seen.lock().unwrap();
                    starts.push(request_id());
                    if starts.len() < 3 { Err("again") } else { Ok(()) }
                }
            }
        );
        Ok(())
    });
    assert_eq!(result, Ok(()));
    assert_eq!(*starts.lock().unwrap(), vec![Some(5); 3]);
}

#[taskgroup::test(start_paused = true)]
async fn a_value_is_shared_not_cloned_and_dropped_with_the_last_scope() {
    struct Counted(Arc<()>);
    let alive = Arc::new(());
    let held = alive.clone();
    scope!(context = Counted(held); {
        spawn!(async {
            let value = taskgroup::context::<Counted>().unwrap();
            assert_eq!(Arc::strong_count(&value.0), 2, "one value, not a copy per task");
        });
    });
    assert_eq!(Arc::strong_count(&alive), 1, "dropped with the scope");
}
