// Lint transparency: the expansion of every macro shape adds no warning of
// its own. Warnings are errors here, and so are the allow-by-default lints
// that generated code typically trips (`unused_qualifications` on
// `::core::option::Option::Some`, `unused_results` on a discarded call,
// `meta_variable_misuse` / `unused_macro_rules` on the local macros,
// `unreachable_code` after a body that ends in `return`), and the 2024
// migration lints a crate denies while it moves editions (among them
// `tail_expr_drop_order`: the expansion binds its results before the tail).
#![deny(warnings)]
#![deny(
    unused_qualifications,
    unused_variables,
    dead_code,
    unused_imports,
    unreachable_code,
    unused_mut,
    unused_macros,
    unused_macro_rules,
    unused_results,
    unused_lifetimes,
    unused_import_braces,
    redundant_imports,
    redundant_lifetimes,
    single_use_lifetimes,
    meta_variable_misuse,
    elided_lifetimes_in_paths,
    let_underscore_drop,
    unit_bindings,
    trivial_casts,
    trivial_numeric_casts,
    absolute_paths_not_starting_with_crate,
    rust_2018_idioms,
    rust_2024_compatibility
)]
#![forbid(unsafe_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use taskgroup::{nursery, scope};

#[derive(Debug, PartialEq)]
enum Error {
    Refused,
}

/// Fallible, with options; `try_spawn!` and `cancel!`.
#[nursery(limit = 2, name = "fallible")]
async fn fallible(n: u64) -> Result<u64, Error> {
    let mut handles = Vec::new();
    for i in 0..n {
        handles.push(spawn!(name = "square", async move { Ok(i * i) }));
    }
    let mut total = 0;
    for handle in handles {
        total += handle.await;
    }
    let extra = try_spawn!(async { Ok(1) }).ok_or(Error::Refused)?;
    total += extra.await;
    cancel!();
    Ok(total)
}

/// Infallible, no options.
#[nursery]
async fn infallible(values: Vec<u64>) -> u64 {
    let handles: Vec<_> = values
        .into_iter()
        .map(|value| spawn!(async move { value + 1 }))
        .collect();
    let mut total = 0;
    for handle in handles {
        total += handle.await;
    }
    total
}

/// Unit return, a bare statement `spawn!`, and an unused `try_spawn!` shape.
#[nursery]
async fn unit(counter: Arc<AtomicUsize>) {
    let counted = Arc::clone(&counter);
    let _handle = spawn!(async move {
        let _ = counted.fetch_add(1, Ordering::SeqCst);
    });
}

/// A body that ends with `return`, in both kinds of scope.
#[nursery]
async fn early_return(flag: bool) -> Result<u64, Error> {
    let first = spawn!(async { Ok(2) });
    if flag {
        return Ok(first.await);
    }
    return Err(Error::Refused);
}

#[nursery]
async fn early_return_plain() -> u64 {
    let value = spawn!(async { 3 }).await;
    return value;
}

struct Service {
    base: u64,
}

impl Service {
    #[nursery]
    async fn scaled(&self, factor: u64) -> Result<u64, Error> {
        let base = self.base;
        let handle = spawn!(async move { Ok(base * factor) });
        Ok(handle.await)
    }

    #[nursery]
    async fn bump(&mut self) {
        let next = spawn!(async { 1 }).await;
        self.base += next;
    }

    #[nursery(name = "generic")]
    async fn with_lifetime<'a>(&'a self, label: &'a str) -> usize {
        let len = label.len();
        let base = self.base;
        spawn!(async move { len + usize::try_from(base).unwrap_or(0) }).await
    }
}

/// Nested scopes: one in the body, one inside a spawned task, with options.
#[nursery]
async fn nested(n: u64) -> Result<u64, Error> {
    let outer = spawn!(async move {
        let inner = scope!(limit = 1, name = "inner"; {
            let a = spawn!(async move { n });
            let b = spawn!(async move { n + 1 });
            // Not `a.await + b.await` as the tail: with `b` still alive that
            // is the user's own `tail_expr_drop_order` case.
            let (a, b) = (a.await, b.await);
            a + b
        });
        Ok(inner)
    });
    let direct: Result<u64, Error> = scope! {
        let c = spawn!(async { Ok(10) });
        let refused = try_spawn!(async { Ok(0) });
        drop(refused);
        Ok(c.await)
    };
    Ok(outer.await + direct?)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    assert_eq!(fallible(3).await, Ok(1 + 4 + 1));
    assert_eq!(infallible(vec![1, 2]).await, 5);
    let counter = Arc::new(AtomicUsize::new(0));
    unit(Arc::clone(&counter)).await;
    assert_eq!(counter.load(Ordering::SeqCst), 1);
    assert_eq!(early_return(true).await, Ok(2));
    assert_eq!(early_return(false).await, Err(Error::Refused));
    assert_eq!(early_return_plain().await, 3);
    let mut service = Service { base: 2 };
    assert_eq!(service.scaled(3).await, Ok(6));
    service.bump().await;
    assert_eq!(service.with_lifetime("ab").await, 5);
    assert_eq!(nested(1).await, Ok(1 + 2 + 10));

    let cancelled = scope!(name = "cancelled"; {
        spawn!(async { 1 });
        cancel!();
        taskgroup::is_cancelled()
    });
    assert!(cancelled);

    let early: Result<u64, Error> = scope! {
        let value = spawn!(async { Ok(4) }).await;
        return Ok(value);
    };
    assert_eq!(early, Ok(4));
}
