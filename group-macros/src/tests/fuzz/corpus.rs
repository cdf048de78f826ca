//! The fuzzer's corpus: valid and near-valid inputs of each entry point
//! (options, `#[taskgroup::test]` arguments, items for `#[nursery]`,
//! `scope!` inputs, the prefixes our local macros forward to `__spawn_task!`
//! and what a user writes after them). The first cases run them unmutated;
//! the mutations start from them.

use proc_macro2::TokenStream;
use quote::quote;

pub(super) fn corpus_args() -> Vec<TokenStream> {
    vec![
        quote!(),
        quote!(limit = 4),
        quote!(limit = n * 2, name = "crawler"),
        quote!(crate = ::taskgroup),
        quote!(crate = my::reexport::taskgroup, limit = 1,),
        quote!(name = format!("job {}", 1)),
        quote!(limit = 0),
        quote!(limit = 0x00),
        quote!(name = "a", name = "b"),
        quote!(limt = 1),
        quote!(crate = "taskgroup"),
        quote!(limit),
        quote!(limit == 1),
        quote!(crate = self::tg, limit = { 3 }),
        quote!(limit = 8, name = "n", crate = crate::tg),
        // Every option, alone, together, misspelt, repeated, malformed.
        quote!(timeout = Duration::from_secs(1)),
        quote!(timeout = secs(1), grace = Duration::from_millis(100)),
        quote!(grace = d),
        quote!(errors = all),
        quote!(errors = first),
        quote!(errors = some),
        quote!(errors = "all"),
        quote!(errors),
        quote!(errors = all, errors = first),
        quote!(timeout),
        quote!(timeout = ),
        quote!(grace = , limit = 1),
        quote!(timeout = d, timeout = d),
        quote!(
            errors = all,
            limit = 2,
            timeout = d,
            grace = g,
            name = "all",
            crate = ::taskgroup
        ),
        quote!(limit = Some(4), timeout = None),
        quote!(name = concat!("a", "b"), grace = Duration::MAX),
    ]
}

pub(super) fn corpus_test_args() -> Vec<TokenStream> {
    vec![
        quote!(),
        quote!(start_paused = true),
        quote!(flavor = "multi_thread", worker_threads = 2),
        quote!(leak_bound = Duration::from_millis(100)),
        quote!(
            leak_bound = d,
            start_paused = true,
            flavor = "current_thread"
        ),
        quote!(crate = "tokio"),
        quote!(multi_thread),
        quote!(leak_bound),
        quote!(leak_bound = ),
        quote!(flavor = "multi_thread",,),
    ]
}

pub(super) fn corpus_items() -> Vec<TokenStream> {
    vec![
        quote!(
            async fn f() {}
        ),
        quote! {
            async fn fetch_all(ids: Vec<u32>) -> Result<Vec<u32>, Error> {
                for id in ids { spawn!(fetch(id)); }
                let x = g().await?;
                Ok(vec![x])
            }
        },
        quote! {
            pub async fn f<T: Send>(t: T) -> impl Future<Output = ()> + Send where T: Clone {
                async {}
            }
        },
        quote! {
            async fn m(&self, x: &mut u8) -> Result<impl Display, Box<dyn Error>> {
                try_spawn!(name = "n", async move { Ok(1) });
                cancel!();
                Ok(1)
            }
        },
        quote!(
            fn f() {
                spawn!(x())
            }
        ),
        quote!(
            fn main() {
                tokio::runtime::Runtime::new().unwrap().block_on(async {})
            }
        ),
        quote!(
            #[inline]
            pub(crate) async unsafe extern "C" fn f() -> ! {
                loop {}
            }
        ),
        quote! {
            async fn f() {
                tokio::spawn(async {});
                std::thread::spawn(|| {});
                fn g() { spawn!(x) }
                impl S { fn h(&self) { cancel!() } }
                trait T { fn d() { try_spawn!(y) } }
                taskgroup::detached!(tokio::spawn(a()));
                println!("{:?}", tokio::task::spawn_blocking(f));
                scope! { tokio::spawn(b) }
                return;
            }
        },
        quote!(
            async fn f() -> (impl A, Result<impl B, E>) {
                (a, Ok(b))
            }
        ),
        quote!(
            struct S;
        ),
        quote!(
            async fn f();
        ),
        quote!(
            const X: u8 = 1;
        ),
        quote!(
            async fn f() {
                #![allow(unused)]
                let a = 1;
            }
        ),
        // Every kind of task, their options, and scopes nested in bodies,
        // tasks and closures.
        quote! {
            async fn kinds(data: &mut [u8]) -> Result<(), Error> {
                spawn_blocking!(name = "hash", move || hash(&bytes));
                spawn_background!(async { loop { tick().await; } });
                for item in data.iter_mut() { spawn_scoped!(async move { *item += 1; }); }
                let port = start!(|ready| async move { ready.send(1); serve().await });
                spawn!(timeout = Duration::from_secs(1), name = "t", fetch());
                try_spawn!(timeout = d, f()).ok_or(Error::Busy)?;
                Ok(())
            }
        },
        quote! {
            async fn nested() -> Result<u32, E> {
                let a = scope!(limit = 2; {
                    spawn!(async {
                        scope!(errors = all; {
                            spawn!(scope! { spawn!(g()); 1 });
                            Ok(())
                        })
                    });
                    1
                });
                let f = |x| async move { scope! { spawn!(h(x)).await } };
                Ok(a + f(1).await)
            }
        },
        quote! {
            async fn misuse() {
                spawn_blocking!(timeout = d, || ());
                spawn_scoped!();
                start!(f());
                start!(|| async {});
                spawn_background!(name = , x);
            }
        },
        quote!(
            async fn f(self: Box<Self>) -> Self::Output {
                spawn!(name = "x", g()).await
            }
        ),
    ]
}

pub(super) fn corpus_scope() -> Vec<TokenStream> {
    vec![
        quote!(),
        quote!(spawn!(f()); 1),
        quote!(limit = 4; { spawn!(f()); }),
        quote!(limit = 4 { spawn!(f()); }),
        quote!(name = "n", limit = n; { let x = 1; x }),
        quote!(crate = ::tg; {}),
        quote!(x == 1; {}),
        quote!(a = b; c = d; {}),
        quote!(tokio::spawn(async {}); thread::spawn(f)),
        quote!(return Ok(1)),
        quote!({ spawn!(a()) } spawn!(b())),
        quote!(limit = 0; {}),
        quote!(async {}.await),
        quote!(
            fn g() {
                spawn!(x)
            },
            g()
        ),
        quote!(scope! { tokio::spawn(x) }),
        quote!(let x = detached!(spawn_local(f()));),
        quote!(#[allow(unused)] let x = try_spawn!(f()); cancel!(); x),
        quote!(limit = 2; { match x { _ => spawn!(async move { Ok(1) }) } }),
        quote!(errors = all, timeout = d, grace = g; { spawn!(f()); Ok(()) }),
        quote!(errors = all; { scope!(errors = all; { spawn!(g()); Ok(()) }) }),
        quote!(timeout = d; { spawn_blocking!(|| 1); spawn_background!(tick()); Ok(()) }),
        quote!(limit = n; { for x in &mut v { spawn_scoped!(async { *x += 1 }); } }),
        quote!(name = "s"; { let p = start!(|ready| async move { ready.send(()); }); p }),
        quote!(errors = all errors = all; {}),
        quote!(timeout = ; {}),
        quote!(grace; {}),
    ]
}

pub(super) fn corpus_spawn_prefixes() -> Vec<TokenStream> {
    vec![
        quote!([::taskgroup] __tg_scope spawn false;),
        quote!([::taskgroup] __tg_scope try_spawn true;),
        quote!([crate::tg] s spawn true;),
        quote!([tg] s other false;),
        quote!([::taskgroup] __tg_scope spawn_blocking false;),
        quote!([::taskgroup] __tg_scope spawn_background true;),
        quote!([::taskgroup] __tg_scope spawn_scoped false;),
        quote!([::taskgroup] __tg_scope start true;),
    ]
}

pub(super) fn corpus_spawn_tokens() -> Vec<TokenStream> {
    vec![
        quote!(fetch(id)),
        quote!(async move { x.await }),
        quote!(name = "n", fetch(id)),
        quote!(name = n, async {},),
        quote!(f(),),
        quote!(name = "a", name = "b", f()),
        quote!(nam = 1, f()),
        quote!(name = 1 f()),
        quote!(),
        quote!(a == b),
        quote!(x = 1),
        quote!(name == 1),
        quote!(f() g()),
        quote!(|| async {}),
        quote!(name = "x"),
        quote!(name = format!("{}", id), async move {
            fetch(id).await?;
            Ok(())
        }),
        quote!(timeout = Duration::from_secs(1), fetch(id)),
        quote!(timeout = d, name = "t", async { loop {} }),
        quote!(name = "t", timeout = d, timeout = d, f()),
        quote!(timeout = , f()),
        quote!(timeout f()),
        quote!(move || hash(&bytes)),
        quote!(name = "b", || -> Result<u8, E> { Ok(1) }),
        quote!(|ready| async move {
            ready.send(port);
            serve().await
        }),
        quote!(|| async {}),
        quote!(async move { *item += 1 }),
        quote!(async {
            loop {
                tick().await;
            }
        }),
    ]
}
