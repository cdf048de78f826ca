//! What each macro generates, pretty-printed. Read a changed snapshot as a
//! reviewer would: it is the code every user compiles.

use expect_test::{expect_file, ExpectFile};
use proc_macro2::TokenStream;
use quote::quote;

use super::{nursery, pretty_expr, pretty_items, scope, spawn_task};

fn snapshot(name: &str) -> ExpectFile {
    expect_file![format!(
        "{}/src/tests/snapshots/{name}.rs",
        env!("CARGO_MANIFEST_DIR")
    )]
}

#[track_caller]
fn assert_nursery(name: &str, args: TokenStream, item: TokenStream) {
    snapshot(name).assert_eq(&pretty_items(&nursery(args, item)));
}

#[track_caller]
fn assert_scope(name: &str, input: TokenStream) {
    snapshot(name).assert_eq(&pretty_expr(&scope(input)));
}

#[track_caller]
fn assert_spawn(name: &str, input: TokenStream) {
    snapshot(name).assert_eq(&pretty_expr(&spawn_task(input)));
}

// `#[nursery]`

#[test]
fn nursery_fallible() {
    assert_nursery(
        "nursery_fallible",
        quote!(),
        quote! {
            async fn fetch_all(ids: Vec<u32>) -> Result<Vec<u32>, Error> {
                for id in ids {
                    spawn!(fetch(id));
                }
                let first = fetch(0).await?;
                Ok(vec![first])
            }
        },
    );
}

#[test]
fn nursery_infallible() {
    assert_nursery(
        "nursery_infallible",
        quote!(),
        quote! {
            pub async fn run(jobs: Vec<Job>) {
                for job in jobs {
                    spawn!(async move { job.run().await });
                }
                if try_spawn!(tick()).is_none() {
                    cancel!();
                }
            }
        },
    );
}

#[test]
fn nursery_method() {
    assert_nursery(
        "nursery_method",
        quote!(),
        quote! {
            /// Doc comments and outer attributes stay on the method.
            #[inline]
            async fn refresh(&self, keys: &[Key]) -> Result<(), Error> {
                for key in keys {
                    let client = self.client.clone();
                    let key = key.clone();
                    spawn!(async move { client.refresh(key).await });
                }
                Ok(())
            }
        },
    );
}

#[test]
fn nursery_impl_trait() {
    assert_nursery(
        "nursery_impl_trait",
        quote!(),
        quote! {
            async fn names() -> impl Iterator<Item = String> {
                spawn!(warm_up());
                vec![String::new()].into_iter()
            }
        },
    );
}

#[test]
fn nursery_result_of_impl_trait() {
    assert_nursery(
        "nursery_result_of_impl_trait",
        quote!(),
        quote! {
            async fn render() -> Result<impl Display, Error> {
                spawn!(prefetch());
                Ok(42)
            }
        },
    );
}

#[test]
fn nursery_options() {
    assert_nursery(
        "nursery_options",
        quote!(
            limit = 4,
            name = "crawler",
            crate = ::my_crate::reexports::taskgroup
        ),
        quote! {
            async fn crawl(urls: Vec<Url>) -> Result<(), Error> {
                for url in urls {
                    spawn!(name = url.to_string(), fetch(url));
                }
                Ok(())
            }
        },
    );
}

#[test]
fn nursery_limit_expression() {
    assert_nursery(
        "nursery_limit_expression",
        quote!(limit = config.workers * 2),
        quote! {
            async fn work(config: &Config) {
                spawn!(job());
            }
        },
    );
}

#[test]
fn nursery_not_async() {
    assert_nursery(
        "nursery_not_async",
        quote!(),
        quote! {
            fn run() -> Result<(), Error> {
                spawn!(job());
                Ok(())
            }
        },
    );
}

#[test]
fn nursery_below_tokio_main() {
    // What `#[tokio::main] #[nursery] async fn main()` hands to `#[nursery]`.
    assert_nursery(
        "nursery_below_tokio_main",
        quote!(),
        quote! {
            fn main() {
                let body = async {
                    spawn!(job());
                };
                tokio::runtime::Builder::new_multi_thread()
                    .enable_all()
                    .build()
                    .expect("Failed building the Runtime")
                    .block_on(body);
            }
        },
    );
}

#[test]
fn nursery_unknown_option() {
    assert_nursery(
        "nursery_unknown_option",
        quote!(limt = 4, limit = 0),
        quote! {
            async fn run() {
                spawn!(job());
            }
        },
    );
}

#[test]
fn nursery_not_a_function() {
    assert_nursery(
        "nursery_not_a_function",
        quote!(),
        quote! {
            struct Workers {
                count: usize,
            }
        },
    );
}

#[test]
fn nursery_detached_and_nested_fn() {
    assert_nursery(
        "nursery_detached_and_nested_fn",
        quote!(),
        quote! {
            async fn run() {
                tokio::spawn(async {});
                taskgroup::detached!(tokio::spawn(background()));
                fn helper() {
                    spawn!(job());
                }
                spawn!(job());
            }
        },
    );
}

#[test]
fn nursery_errors_all() {
    assert_nursery(
        "nursery_errors_all",
        quote!(
            errors = all,
            timeout = Duration::from_secs(5),
            grace = Duration::from_millis(100)
        ),
        quote! {
            async fn check_all(hosts: Vec<Host>) -> Result<(), Errors<CheckError>> {
                for host in hosts {
                    spawn!(check(host));
                }
                Ok(())
            }
        },
    );
}

// `scope!`

#[test]
fn scope_plain() {
    assert_scope(
        "scope_plain",
        quote! {
            spawn!(fetch(1));
            spawn!(async { fetch(2).await });
            let done = 2;
            done
        },
    );
}

#[test]
fn scope_options() {
    assert_scope(
        "scope_options",
        quote! {
            limit = 4; {
                for url in urls {
                    spawn!(fetch(url));
                }
            }
        },
    );
}

#[test]
fn scope_spawn_scoped() {
    assert_scope(
        "scope_spawn_scoped",
        quote! {
            for item in items.iter_mut() {
                spawn_scoped!(async move { *item += 1 });
            }
        },
    );
}

#[test]
fn scope_detached_spawn() {
    assert_scope(
        "scope_detached_spawn",
        quote! {
            tokio::spawn(async { work().await });
            println!("{:?}", std::thread::spawn(|| ()));
            spawn!(fetch(1));
        },
    );
}

#[test]
fn scope_missing_semicolon() {
    assert_scope(
        "scope_missing_semicolon",
        quote! {
            limit = 2 {
                spawn!(fetch(1));
            }
        },
    );
}

// `__spawn_task!`: `[krate] scope spawn|try_spawn limited ; tokens`

#[test]
fn spawn_call_unlimited() {
    assert_spawn(
        "spawn_call_unlimited",
        quote!([::taskgroup] __tg_scope spawn false; fetch(id)),
    );
}

#[test]
fn spawn_block_limited() {
    assert_spawn(
        "spawn_block_limited",
        quote!([::taskgroup] __tg_scope spawn true; async move { fetch(id).await }),
    );
}

#[test]
fn try_spawn_call() {
    assert_spawn(
        "try_spawn_call",
        quote!([::taskgroup] __tg_scope try_spawn true; fetch(id)),
    );
}

#[test]
fn try_spawn_block() {
    assert_spawn(
        "try_spawn_block",
        quote!([::taskgroup] __tg_scope try_spawn false; async { Ok(1) }),
    );
}

#[test]
fn spawn_named() {
    assert_spawn(
        "spawn_named",
        quote!([::my_crate::taskgroup] __tg_scope spawn false; name = format!("job {id}"), fetch(id),),
    );
}

#[test]
fn spawn_with_timeout() {
    assert_spawn(
        "spawn_with_timeout",
        quote!([::taskgroup] __tg_scope spawn false; name = "slow", timeout = Duration::from_secs(2), fetch(id)),
    );
}

#[test]
fn spawn_isolated() {
    assert_spawn(
        "spawn_isolated",
        quote!([::taskgroup] __tg_scope spawn false; isolated, timeout = Duration::from_secs(2), handle(conn)),
    );
}

#[test]
fn spawn_restarted() {
    assert_spawn(
        "spawn_restarted",
        quote!([::taskgroup] __tg_scope spawn true; name = "refresher", restart = Restart::on_failure(), || async { refresh().await }),
    );
}

#[test]
fn scope_errors_isolated() {
    assert_scope(
        "scope_errors_isolated",
        quote! {
            errors = isolated; {
                spawn!(handle(conn));
                Ok::<_, Error>(())
            }
        },
    );
}

#[test]
fn scope_stop_reverse() {
    assert_scope(
        "scope_stop_reverse",
        quote! {
            stop = reverse, grace = Duration::from_secs(5); {
                spawn!(database());
                spawn!(listener());
            }
        },
    );
}

#[test]
fn scope_timeout() {
    assert_scope(
        "scope_timeout",
        quote! {
            timeout = config.timeout, limit = 2; {
                spawn!(fetch(1));
                Ok::<_, Error>(())
            }
        },
    );
}

#[test]
fn spawn_blocking_closure() {
    assert_spawn(
        "spawn_blocking_closure",
        quote!([::taskgroup] __tg_scope spawn_blocking true; move || { let n = parse(&text)?; Ok(n) }),
    );
}

#[test]
fn spawn_background_loop() {
    assert_spawn(
        "spawn_background_loop",
        quote!([::taskgroup] __tg_scope spawn_background false; async move { loop { beat().await?; } }),
    );
}

#[test]
fn start_listener() {
    assert_spawn(
        "start_listener",
        quote!([::taskgroup] __tg_scope start false; name = "server", |ready| async move {
            let listener = bind().await?;
            ready.send(listener.local_addr()?);
            loop { serve(&listener).await?; }
        }),
    );
}

#[test]
fn spawn_missing_future() {
    assert_spawn(
        "spawn_missing_future",
        quote!([::taskgroup] __tg_scope spawn false; name = "job",),
    );
}

#[test]
fn spawn_scoped_borrow() {
    assert_spawn(
        "spawn_scoped_borrow",
        quote!([::taskgroup] __tg_scope spawn_scoped false; async { total.fetch_add(*item) }),
    );
}
