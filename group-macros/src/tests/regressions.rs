//! Inputs that broke an expansion, found by the fuzzer (`fuzz/`) or by
//! reading the snapshots, each kept with the behaviour that fixed it (all
//! fixed: none is `#[ignore]`d), and fragments that work, kept so they stay
//! so. An open bug found later goes here as an `#[ignore]`d test that
//! asserts the behaviour wanted and names the fix.

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
use quote::quote;

use super::{has_compile_error, nursery, parse_expr, parse_items, scope, spawn_task};

/// Tokens as a `macro_rules!` fragment (`$e:expr`) hands them on: in an
/// invisible group.
fn fragment(tokens: TokenStream) -> TokenTree {
    TokenTree::Group(Group::new(Delimiter::None, tokens))
}

/// How often `needle` occurs in the printed tokens.
fn occurrences(tokens: &TokenStream, needle: &str) -> usize {
    tokens.to_string().matches(needle).count()
}

/// Fuzzer, minimal input `#[nursery] async fn f() { #![allow] }`: the macro
/// panics ("custom attribute panicked: expected square brackets") and the
/// function is lost. syn keeps a body's inner attributes in `ItemFn::attrs`
/// and prints them inside the braces itself; `scope_body` spliced them into
/// the new body too, which `parse_quote!` cannot parse as a `Block`. Fixed:
/// `codegen::nursery::scope_body` no longer splices them.
#[test]
fn nursery_inner_attribute() {
    let output = nursery(
        quote!(),
        quote! {
            async fn f() {
                #![allow(unused_variables)]
                let a = 1;
            }
        },
    );
    parse_items(&output).expect("items");
    assert!(!has_compile_error(&output), "{output}");
    assert_eq!(
        occurrences(&output, "# ! [allow (unused_variables)]"),
        1,
        "{output}"
    );
    assert_eq!(occurrences(&output, "let a = 1"), 1, "{output}");
}

/// Fuzzer, minimal input `#[nursery(crate = Self)] async fn f() {}`: the
/// macro panics ("expected one of: identifier, `self`, `super`, `crate`,
/// `try`, `*`, curly braces"): `use Self::__private::{…}` is not a `use`
/// path, and `parse_quote!` of the body panics. Fixed:
/// `codegen::nursery::expand` parses the new body with `syn::parse2`, and on
/// failure reports "cannot generate the scope with this `crate = …` path"
/// on the path and keeps the user's function as it is.
#[test]
fn nursery_crate_self() {
    let output = nursery(
        quote!(crate = Self),
        quote!(
            async fn f() {}
        ),
    );
    let file = parse_items(&output).expect("items");
    assert!(has_compile_error(&output), "{output}");
    assert!(
        file.items
            .iter()
            .any(|item| matches!(item, syn::Item::Fn(function) if function.sig.ident == "f")),
        "the function is kept: {output}"
    );
}

/// Fuzzer, minimal input `scope!(limit = match x { _ => 1 })`; as a user
/// writes it, `scope! { total = if ready { 1 } else { 2 } }`. A body made of
/// one assignment whose value ends with a block is taken for options missing
/// their `;` (`missing_semicolon` only looks at `ident =` … `{ }`): the user
/// got "options and the body of `scope!` are separated by `;`" and the last
/// block alone (`2`) as the body. Fixed: `parse::scope_input::ScopeInput::parse`
/// only reports it when the input does not parse as statements
/// (`syn::Block::parse_within`).
#[test]
fn scope_assignment_ending_in_a_block() {
    let output = scope(quote!(total = if ready { 1 } else { 2 }));
    parse_expr(&output).expect("an expression");
    assert!(!has_compile_error(&output), "{output}");
    assert_eq!(occurrences(&output, "total = if ready"), 1, "{output}");
}

/// Found by reading the snapshots: `spawn!(async { … })` passed through a
/// user's `macro_rules!` as `$fut:expr` arrives in an invisible group, is an
/// `Expr::Group`, not an `Expr::Async`, and is spawned with `spawn_task`: the
/// block does not take the scope's error type, and `async { Ok(()) }` fails
/// with "type annotations needed" where the same `spawn!` written directly
/// compiles. Fixed: `parse::task::is_async_block` looks through
/// `Expr::Group` (and `Expr::Paren`).
#[test]
fn spawn_async_block_from_a_fragment() {
    let future = fragment(quote!(async { Ok(()) }));
    let output = spawn_task(quote!([::taskgroup] __tg_scope spawn false; #future));
    parse_expr(&output).expect("an expression");
    assert_eq!(occurrences(&output, "spawn_inline"), 1, "{output}");
}

/// Found by reading the `spawn_named` snapshot: the future is bound before
/// the name is evaluated, so `spawn!(name = url.clone(), fetch(url))` fails
/// with "borrow of moved value: `url`" although it reads left to right.
/// Fixed: `codegen::spawn::generate` binds the name (`let __tg_name = …;`)
/// before the future.
#[test]
fn spawn_name_is_evaluated_first() {
    let output = spawn_task(quote! {
        [::taskgroup] __tg_scope spawn false; name = url.clone(), fetch(url)
    });
    parse_expr(&output).expect("an expression");
    let printed = output.to_string();
    let name = printed.find("url . clone ()").expect("the name");
    let future = printed.find("fetch (url)").expect("the future");
    assert!(
        name < future,
        "the name is evaluated after the future: {output}"
    );
}

/// Found by reading the `nursery_detached_and_nested_fn` snapshot: a `fn`
/// item nested in a body got the scoped set (`ScopedSet`, `with_scoped`), so
/// the scope's future was `!Send` (it holds `RefCell`s) and could not be
/// `tokio::spawn`ed: `uses_scoped` was asked after the scan had given the
/// nested function its fallback macros, one of them `spawn_scoped!`. Fixed:
/// `codegen::nursery::expand` and `codegen::scope::expand` ask it of the
/// body as written.
#[test]
fn nested_fn_makes_no_scoped_set() {
    let body = quote! {
        fn helper() -> u8 { 1 }
        spawn!(job(helper()));
    };
    let outputs = [
        nursery(quote!(), quote!(async fn run() { #body })),
        scope(body.clone()),
    ];
    for output in outputs {
        assert!(!has_compile_error(&output), "{output}");
        assert_eq!(occurrences(&output, "ScopedSet"), 0, "{output}");
        assert_eq!(occurrences(&output, "with_scoped"), 0, "{output}");
        assert_eq!(occurrences(&output, "scoped_unprepared"), 1, "{output}");
    }
    // The body that does use it still gets the set.
    let output = scope(quote! {
        fn helper() -> u8 { 1 }
        spawn_scoped!(async { helper() });
    });
    assert_eq!(occurrences(&output, "ScopedSet"), 1, "{output}");
}

// Fragments that work, kept so they stay so.

/// `scope!(limit = $n; { … })` from a `macro_rules!`: the limit arrives in an
/// invisible group and is still an option.
#[test]
fn scope_limit_from_a_fragment() {
    let limit = fragment(quote!(config.workers));
    let output = scope(quote!(limit = #limit; { spawn!(job()); }));
    parse_expr(&output).expect("an expression");
    assert!(!has_compile_error(&output), "{output}");
    assert_eq!(
        occurrences(&output, "into_limit (config . workers)"),
        1,
        "{output}"
    );
    assert_eq!(
        occurrences(&output, "__tg_scope spawn true"),
        1,
        "limited spawn!: {output}"
    );
}

/// `spawn!($fut)` with a call: spawned as a future (`spawn_task`).
#[test]
fn spawn_call_from_a_fragment() {
    let future = fragment(quote!(fetch(id)));
    let output = spawn_task(quote!([::taskgroup] __tg_scope spawn false; #future));
    parse_expr(&output).expect("an expression");
    assert!(!has_compile_error(&output), "{output}");
    assert_eq!(occurrences(&output, ". spawn_task ("), 1, "{output}");
}

/// `#[nursery(limit = $n)]` from a `macro_rules!`.
#[test]
fn nursery_limit_from_a_fragment() {
    let limit = fragment(quote!(n * 2));
    let output = nursery(
        quote!(limit = #limit),
        quote!(
            async fn f(n: usize) {}
        ),
    );
    parse_items(&output).expect("items");
    assert!(!has_compile_error(&output), "{output}");
    assert_eq!(
        occurrences(&output, "__tg_scope spawn true"),
        1,
        "limited spawn!: {output}"
    );
}

/// `__misplaced!` (the error of `spawn!` in a `fn` nested in a body) on the
/// forms the nested-fn fallbacks pass, and on input it was never meant to
/// get: always exactly one compile error, never a panic.
#[test]
fn misplaced_reports_one_error() {
    for input in [
        quote!(spawn "a `#[nursery]` body" helper; async { 1 }),
        quote!(cancel "a `scope!` body" stop;),
        quote!(),
        quote!(spawn),
        quote!(spawn helper "body";),
    ] {
        let output = crate::codegen::fallbacks::misplaced(input.clone());
        assert_eq!(
            occurrences(&output, "compile_error"),
            1,
            "{input} -> {output}"
        );
    }
    let output =
        crate::codegen::fallbacks::misplaced(quote!(try_spawn "a `scope!` body" f; fetch(1)));
    assert!(
        output
            .to_string()
            .contains("`try_spawn!` cannot be used in a `fn` item nested in a `scope!` body"),
        "{output}"
    );
}

/// Fuzzer, minimal input `#[taskgroup::test] async fn f() { #![allow] }`:
/// the body's inner attribute, which syn keeps with the function's
/// attributes, was printed before the function, where it is not an item
/// attribute (the test did not compile). Fixed: `codegen::test_attr::expand`
/// puts inner attributes back inside the braces.
#[test]
fn test_attr_inner_attribute() {
    let output = crate::codegen::test_attr::expand(
        quote!(),
        quote! {
            async fn f() {
                #![allow(unused_variables)]
                let a = 1;
            }
        },
    );
    let file = parse_items(&output).expect("items");
    assert!(!has_compile_error(&output), "{output}");
    let syn::Item::Fn(function) = &file.items[0] else {
        panic!("not a fn: {output}");
    };
    assert!(
        function
            .attrs
            .iter()
            .any(|attr| matches!(attr.style, syn::AttrStyle::Inner(_))),
        "the inner attribute is not in the body: {output}"
    );
}
