//! What the fuzzer asserts of one input: each `check_*` runs one entry
//! point, catching a panic, and returns `Err(why)` for a bad expansion, or
//! says whether the output was checked in full ([`Checked`]): only inputs
//! rustc could give (see [`realistic`]) have their output checked.

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use quote::quote;
use syn::parse::Parser;

use crate::codegen::options::builder;
use crate::diagnostics::Diagnostics;
use crate::parse::options::ScopeOptions;
use crate::tests::{has_compile_error, nursery, parse_expr, parse_items, scope, spawn_task};

thread_local! {
    /// Set while `no_panic` runs: its panics are expected and reported as
    /// failures, so the hook does not print them (minimizing would print
    /// hundreds).
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f`, turning a panic into its message.
pub(super) fn no_panic<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                previous(info);
            }
        }));
    });
    QUIET.with(|quiet| quiet.set(true));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|quiet| quiet.set(false));
    result.map_err(|payload| {
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_else(|| "a panic with a non-string payload".to_owned())
    })
}

/// Items other than `compile_error!`.
fn user_items(file: &syn::File) -> usize {
    file.items
        .iter()
        .filter(|item| {
            !matches!(item, syn::Item::Macro(mac) if mac.mac.path.segments.last().is_some_and(|s| s.ident == "compile_error"))
        })
        .count()
}

fn args_have_errors(tokens: &TokenStream) -> bool {
    let mut diagnostics = Diagnostics::default();
    ScopeOptions::parse(tokens.clone(), &mut diagnostics);
    !diagnostics.to_compile_errors().is_empty()
}

/// Whether rustc could hand these tokens to a macro: every invisible group
/// (what a `macro_rules!` fragment such as `$e:expr` becomes) holds one whole
/// expression, type, path or item. The fuzzer also makes invisible groups
/// around arbitrary runs; syn looks through them where the macros' own token
/// matching does not, so only panics are checked on those.
fn realistic(tokens: &TokenStream) -> bool {
    tokens.clone().into_iter().all(|token| match token {
        TokenTree::Group(group) => {
            let stream = group.stream();
            let fragment = group.delimiter() != Delimiter::None
                || syn::parse2::<syn::Expr>(stream.clone()).is_ok()
                || syn::parse2::<syn::Type>(stream.clone()).is_ok()
                || syn::parse2::<syn::Item>(stream.clone()).is_ok();
            fragment && realistic(&stream)
        }
        _ => true,
    })
}

/// What a check could assert about one input.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Checked {
    /// The input is one rustc could give and the macro must handle: the
    /// output was checked in full.
    Output,
    /// Only that nothing panicked.
    NoPanic,
}

fn check_nursery(args: &TokenStream, item: &TokenStream) -> Result<Checked, String> {
    let output = no_panic(|| nursery(args.clone(), item.clone()))
        .map_err(|message| format!("panicked: {message}"))?;
    if output.is_empty() {
        return Err("empty output".to_owned());
    }
    if args_have_errors(args) && !has_compile_error(&output) {
        return Err(format!("bad options but no compile_error!: {output}"));
    }
    // rustc only applies an attribute to an item; its arguments are any
    // tokens.
    let Ok(input) = syn::parse2::<syn::Item>(item.clone()) else {
        return Ok(Checked::NoPanic);
    };
    if !realistic(item) || !realistic(args) {
        return Ok(Checked::NoPanic);
    }
    let file =
        parse_items(&output).map_err(|error| format!("output is not items ({error}): {output}"))?;
    let input = syn::File {
        shebang: None,
        attrs: Vec::new(),
        items: vec![input],
    };
    if user_items(&file) != user_items(&input) {
        return Err(format!(
            "the user's item was dropped or duplicated: {output}"
        ));
    }
    Ok(Checked::Output)
}

/// `[options] item`, so that the minimizer reduces both at once.
pub(super) fn check_nursery_pair(input: &TokenStream) -> Result<Checked, String> {
    let mut tokens = input.clone().into_iter();
    match tokens.next() {
        Some(TokenTree::Group(args)) if args.delimiter() == Delimiter::Bracket => {
            check_nursery(&args.stream(), &tokens.collect())
        }
        _ => Ok(Checked::NoPanic),
    }
}

/// `[args] item` for `#[taskgroup::test]`: never a panic; on a realistic
/// input, items that keep the user's function (or an error next to it).
pub(super) fn check_test_attr_pair(input: &TokenStream) -> Result<Checked, String> {
    let mut tokens = input.clone().into_iter();
    let Some(TokenTree::Group(args)) = tokens.next() else {
        return Ok(Checked::NoPanic);
    };
    let item: TokenStream = tokens.collect();
    let output = no_panic(|| crate::codegen::test_attr::expand(args.stream(), item.clone()))
        .map_err(|message| format!("panicked: {message}"))?;
    if !realistic(input) || syn::parse2::<syn::Item>(item).is_err() {
        return Ok(Checked::NoPanic);
    }
    parse_items(&output).map_err(|error| format!("output is not items ({error}): {output}"))?;
    Ok(Checked::Output)
}

pub(super) fn check_scope(input: &TokenStream) -> Result<Checked, String> {
    let output =
        no_panic(|| scope(input.clone())).map_err(|message| format!("panicked: {message}"))?;
    // A body that is not statements is passed through for rustc to report.
    if !realistic(input) || syn::Block::parse_within.parse2(input.clone()).is_err() {
        return Ok(Checked::NoPanic);
    }
    parse_expr(&output)
        .map_err(|error| format!("output is not an expression ({error}): {output}"))?;
    Ok(Checked::Output)
}

/// `[path] ident ident true|false ;`: what the local `spawn!` macros pass,
/// from literal tokens (no invisible groups).
fn our_prefix(input: &TokenStream) -> bool {
    let tokens: Vec<TokenTree> = input.clone().into_iter().take(5).collect();
    match tokens.as_slice() {
        [TokenTree::Group(krate), TokenTree::Ident(_), TokenTree::Ident(_), TokenTree::Ident(limited), TokenTree::Punct(semi)] => {
            krate.delimiter() == Delimiter::Bracket
                && krate
                    .stream()
                    .into_iter()
                    .all(|token| !matches!(token, TokenTree::Group(_)))
                && syn::Path::parse_mod_style.parse2(krate.stream()).is_ok()
                && (limited == "true" || limited == "false")
                && semi.as_char() == ';'
        }
        _ => false,
    }
}

pub(super) fn check_spawn(input: &TokenStream) -> Result<Checked, String> {
    let output =
        no_panic(|| spawn_task(input.clone())).map_err(|message| format!("panicked: {message}"))?;
    // The user's tokens may be anything: a mistake gives one error in
    // expression position.
    if !our_prefix(input) || !realistic(input) {
        return Ok(Checked::NoPanic);
    }
    parse_expr(&output)
        .map_err(|error| format!("output is not an expression ({error}): {output}"))?;
    Ok(Checked::Output)
}

pub(super) fn check_args(input: &TokenStream) -> Result<Checked, String> {
    let (options, errors) = no_panic(|| {
        let mut diagnostics = Diagnostics::default();
        let options = ScopeOptions::parse(input.clone(), &mut diagnostics);
        (options, diagnostics.to_compile_errors())
    })
    .map_err(|message| format!("panicked: {message}"))?;
    if !errors.is_empty() {
        parse_items(&errors)
            .map_err(|error| format!("errors are not items ({error}): {errors}"))?;
    }
    let krate = options.krate();
    syn::parse2::<syn::Path>(krate.clone())
        .map_err(|error| format!("krate is not a path ({error}): {krate}"))?;
    let options = builder(&options, quote!(location()));
    parse_expr(&options)
        .map_err(|error| format!("options are not an expression ({error}): {options}"))?;
    Ok(Checked::Output)
}
