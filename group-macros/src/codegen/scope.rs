//! `scope! { … }` and `scope!(options; { … })`: an expression that runs its
//! block as a scope.

use proc_macro2::TokenStream;
use quote::quote;
use syn::parse::Parser;

use crate::codegen::fallbacks::nested_fn;
use crate::codegen::names::Names;
use crate::codegen::options::{run_call, run_method};
use crate::codegen::preamble::{preamble, uses_scoped, with_scoped, Open};
use crate::diagnostics::{Context, Diagnostics};
use crate::parse::scope_input::ScopeInput;
use crate::scan::scan;

/// The block becomes an `async` block run by the scope, whose mode
/// (fallible or plain) is probed from the block's own type. Errors (bad
/// options, detached spawns) come first in the block; the body is expanded
/// whatever they are.
///
/// ```text
/// scope! {
///     spawn!(fetch(1));
///     2
/// }
/// ```
/// becomes
/// ```text
/// {
///     /* preamble: imports, __tg_scope = Scope::open(…), local spawn! & co. */
///     let __tg_body = async { spawn!(fetch(1)); 2 };
///     let __tg_body = (&&&::taskgroup::__private::ModeProbe::of(&__tg_body))
///         .__tg_mode()
///         .run(&__tg_scope, __tg_body)
///         .await;
///     __tg_body
/// }
/// ```
/// Snapshot: `src/tests/snapshots/scope_plain.rs` (and every `scope_*.rs`).
pub(crate) fn expand(input: TokenStream) -> TokenStream {
    let mut diagnostics = Diagnostics::default();
    let ScopeInput { options, body } = ScopeInput::parse(input, &mut diagnostics);
    let krate = options.krate();
    // Before the scan, whose nested-fn fallbacks name `spawn_scoped`.
    let scoped = uses_scoped(body.clone());
    let body = scanned(body, &krate, &mut diagnostics);
    let names = Names::new();
    let Names {
        scope,
        body: body_name,
        ..
    } = &names;
    let location = quote!(#krate::__private::Location::caller());
    let preamble = preamble(&options, &names, Open::Scope, location, scoped);
    let run = run_method(&options);
    let run = run_call(
        &options,
        &run,
        quote! {
            (&&&#krate::__private::ModeProbe::of(&#body_name))
                .__tg_mode()
                .#run(&#scope, #body_name)
        },
    );
    let errors = diagnostics.to_compile_errors();
    let wrapped = with_scoped(&krate, &names, quote!(async { #body }), scoped);
    quote! {{
        #errors
        #preamble
        let #body_name = #wrapped;
        let #body_name = #run.await;
        #body_name
    }}
}

/// Scans the body (detached spawns, nested `fn` items); a body that does not
/// parse as statements is left for the compiler to report.
fn scanned(body: TokenStream, krate: &TokenStream, diagnostics: &mut Diagnostics) -> TokenStream {
    match syn::Block::parse_within.parse2(body.clone()) {
        Ok(mut stmts) => {
            scan(&mut stmts, Context::Scope, diagnostics, &|name| {
                nested_fn(Context::Scope, krate, name)
            });
            quote!(#(#stmts)*)
        }
        Err(_) => body,
    }
}
