//! A deterministic fuzzer of the three entry points and of the options.
//!
//! Starting from a corpus of valid inputs, each case applies a few token
//! level mutations (delete, duplicate, swap, insert random idents / puncts /
//! literals / groups, truncate, wrap in or unwrap a group, splice a piece of
//! another input); some cases are entirely random token trees. The checks:
//!
//! * no entry point panics;
//! * `#[nursery]` on anything that is an item gives items, and keeps the
//!   user's item; bad options always give a `compile_error!`;
//! * `scope!` on a body that parses as statements gives an expression;
//! * `__spawn_task!` always gives an expression (its prefix comes from our own
//!   local macros, so only its `crate` path is assumed to be a path);
//! * whatever `ScopeOptions::parse` accepts or rejects, the code built from
//!   it parses.
//!
//! The output is checked only for inputs rustc could give (see `realistic`):
//! on the others, only that nothing panics. The test fails if too few outputs
//! were checked, so that the properties keep biting.
//!
//! A failure is reduced to a minimal input (greedy deletion) and reported
//! with the seed; keep it in `regressions.rs`. For a longer hunt:
//! `TASKGROUP_FUZZ_SEED=7 TASKGROUP_FUZZ_CASES=20000 cargo test -p
//! taskgroup-macros fuzz`.

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;
use std::time::Instant;

use proc_macro2::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};
use quote::quote;
use syn::parse::Parser;

use super::{has_compile_error, nursery, parse_expr, parse_items, scope, spawn_task};
use crate::codegen::options::builder;
use crate::diagnostics::Diagnostics;
use crate::parse::options::ScopeOptions;

/// Cases per target (four targets plus fully random inputs), and the seed.
/// `TASKGROUP_FUZZ_CASES` / `TASKGROUP_FUZZ_SEED` override them for a longer
/// run by hand; the default run is the same on every machine.
const CASES: usize = 2_500;
const SEED: u64 = 0x7a5c_6f0e_1d2b_3948;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(default)
}

/// xorshift64*, seeded through splitmix64.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Rng((z ^ (z >> 31)) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform enough in `0..n`; `n > 0`.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn percent(&mut self, p: usize) -> bool {
        self.below(100) < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    fn pick_str(&mut self, items: &[&'static str]) -> &'static str {
        items[self.below(items.len())]
    }
}

#[rustfmt::skip]
const IDENTS: &[&str] = &[
    "spawn", "try_spawn", "cancel", "scope", "detached", "nursery", "limit", "name", "crate", "timeout",
    "self", "Self", "super", "async", "await", "move", "fn", "let", "mut", "return", "if", "else",
    "match", "loop", "for", "in", "impl", "dyn", "where", "struct", "trait", "unsafe", "extern",
    "Result", "Ok", "Err", "Option", "Some", "None", "tokio", "task", "thread", "std", "core",
    "spawn_local", "spawn_blocking", "block_on", "taskgroup", "__private", "__tg_scope", "x", "id",
    "fetch", "_",
];

/// Operators, as joint puncts.
#[rustfmt::skip]
const OPERATORS: &[&str] = &[
    "=", "==", ";", ",", ":", "::", "!", "?", "&", "&&", "*", "+", "-", "<", ">", "->", "=>", ".",
    "..", "..=", "#", "|", "||", "@", "$", "~", "^", "%", "/",
];

const DELIMITERS: &[Delimiter] = &[
    Delimiter::Parenthesis,
    Delimiter::Brace,
    Delimiter::Bracket,
    Delimiter::None,
];

fn operator(op: &str) -> Vec<TokenTree> {
    let chars: Vec<char> = op.chars().collect();
    chars
        .iter()
        .enumerate()
        .map(|(index, &ch)| {
            let spacing = if index + 1 < chars.len() {
                Spacing::Joint
            } else {
                Spacing::Alone
            };
            TokenTree::Punct(Punct::new(ch, spacing))
        })
        .collect()
}

fn random_literal(rng: &mut Rng) -> Literal {
    match rng.below(9) {
        0 => Literal::usize_unsuffixed(0),
        1 => Literal::usize_unsuffixed(rng.below(10)),
        2 => Literal::u8_suffixed(rng.below(3) as u8),
        3 => Literal::string(rng.pick_str(&["", "job", "a \"quoted\" name", "…"])),
        4 => Literal::character('x'),
        5 => Literal::f64_unsuffixed(1.5),
        6 => Literal::byte_string(b"bytes"),
        7 => rng
            .pick_str(&["0x0", "00", "0b1", "1_000", "0usize"])
            .parse()
            .expect("an integer literal"),
        _ => Literal::u128_unsuffixed(u128::MAX),
    }
}

/// One random token or a short run of them (an operator, a lifetime).
fn random_tokens(rng: &mut Rng, depth: usize) -> Vec<TokenTree> {
    match rng.below(if depth > 0 { 10 } else { 8 }) {
        0..=2 => {
            let ident = if rng.percent(5) {
                Ident::new_raw("type", Span::call_site())
            } else {
                Ident::new(rng.pick_str(IDENTS), Span::call_site())
            };
            vec![TokenTree::Ident(ident)]
        }
        3..=4 => operator(rng.pick_str(OPERATORS)),
        5 => vec![
            TokenTree::Punct(Punct::new('\'', Spacing::Joint)),
            TokenTree::Ident(Ident::new("a", Span::call_site())),
        ],
        6..=7 => vec![TokenTree::Literal(random_literal(rng))],
        _ => {
            let delimiter = *rng.pick(DELIMITERS);
            let stream = random_stream(rng, depth - 1);
            vec![TokenTree::Group(Group::new(delimiter, stream))]
        }
    }
}

fn random_stream(rng: &mut Rng, depth: usize) -> TokenStream {
    let len = rng.below(8);
    (0..len).flat_map(|_| random_tokens(rng, depth)).collect()
}

/// A few token-level mutations of `input`; `donors` are other inputs whose
/// pieces may be spliced in.
fn mutate(rng: &mut Rng, input: &TokenStream, donors: &[TokenStream]) -> TokenStream {
    let mut tokens: Vec<TokenTree> = input.clone().into_iter().collect();
    for _ in 0..1 + rng.below(4) {
        tokens = mutate_once(rng, tokens, donors);
    }
    tokens.into_iter().collect()
}

fn mutate_once(
    rng: &mut Rng,
    mut tokens: Vec<TokenTree>,
    donors: &[TokenStream],
) -> Vec<TokenTree> {
    let groups: Vec<usize> = (0..tokens.len())
        .filter(|&index| matches!(tokens[index], TokenTree::Group(_)))
        .collect();
    if !groups.is_empty() && rng.percent(40) {
        let index = *rng.pick(&groups);
        if let TokenTree::Group(group) = &tokens[index] {
            let inner = mutate_once(rng, group.stream().into_iter().collect(), donors);
            let mut new = Group::new(group.delimiter(), inner.into_iter().collect());
            new.set_span(group.span());
            tokens[index] = TokenTree::Group(new);
        }
        return tokens;
    }
    let len = tokens.len();
    match rng.below(11) {
        0 if len > 0 => {
            tokens.remove(rng.below(len));
        }
        1 if len > 0 => {
            let index = rng.below(len);
            let copy = tokens[index].clone();
            tokens.insert(index, copy);
        }
        2 if len > 1 => {
            let (a, b) = (rng.below(len), rng.below(len));
            tokens.swap(a, b);
        }
        3 | 4 => {
            let at = rng.below(len + 1);
            let new = random_tokens(rng, 2);
            tokens.splice(at..at, new);
        }
        5 if len > 0 => {
            let index = rng.below(len);
            let new = random_tokens(rng, 1);
            tokens.splice(index..=index, new);
        }
        6 => tokens.truncate(rng.below(len + 1)),
        7 => {
            let start = rng.below(len + 1);
            let end = start + rng.below(len - start + 1);
            let inner: TokenStream = tokens.drain(start..end).collect();
            let group = Group::new(*rng.pick(DELIMITERS), inner);
            tokens.insert(start, TokenTree::Group(group));
        }
        8 if !groups.is_empty() => {
            let index = *rng.pick(&groups);
            if let TokenTree::Group(group) = tokens[index].clone() {
                tokens.splice(index..=index, group.stream());
            }
        }
        9 => {
            let donor: Vec<TokenTree> = rng.pick(donors).clone().into_iter().collect();
            let start = rng.below(donor.len() + 1);
            let end = start + rng.below(donor.len() - start + 1);
            let at = rng.below(len + 1);
            tokens.splice(at..at, donor[start..end].iter().cloned());
        }
        _ => {
            let at = rng.below(len + 1);
            tokens.splice(at..at, operator(rng.pick_str(&[";", ",", "=", "::", "!"])));
        }
    }
    tokens
}

thread_local! {
    /// Set while `no_panic` runs: its panics are expected and reported as
    /// failures, so the hook does not print them (minimizing would print
    /// hundreds).
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f`, turning a panic into its message.
fn no_panic<T>(f: impl FnOnce() -> T) -> Result<T, String> {
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

// The checks. Each returns `Err(why)` for a bad expansion.

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
enum Checked {
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
fn check_nursery_pair(input: &TokenStream) -> Result<Checked, String> {
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
fn check_test_attr_pair(input: &TokenStream) -> Result<Checked, String> {
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

fn check_scope(input: &TokenStream) -> Result<Checked, String> {
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

fn check_spawn(input: &TokenStream) -> Result<Checked, String> {
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

fn check_args(input: &TokenStream) -> Result<Checked, String> {
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

// Minimization: greedy deletion of tokens and unwrapping of groups, while the
// failure stays.

fn minimize(input: &TokenStream, fails: &dyn Fn(&TokenStream) -> bool) -> TokenStream {
    let mut current = input.clone();
    loop {
        let candidates = shrink_candidates(&current);
        match candidates.into_iter().find(|candidate| fails(candidate)) {
            Some(smaller) => current = smaller,
            None => return current,
        }
    }
}

/// Every stream with a run of up to four tokens removed, or one group
/// unwrapped, or the same inside one group, at any depth.
fn shrink_candidates(input: &TokenStream) -> Vec<TokenStream> {
    let tokens: Vec<TokenTree> = input.clone().into_iter().collect();
    let mut out = Vec::new();
    for run in 2..=4 {
        for start in 0..tokens.len().saturating_sub(run - 1) {
            let mut copy = tokens.clone();
            copy.drain(start..start + run);
            out.push(copy.into_iter().collect());
        }
    }
    for index in 0..tokens.len() {
        let with = |replacement: Vec<TokenTree>| -> TokenStream {
            let mut copy = tokens.clone();
            copy.splice(index..=index, replacement);
            copy.into_iter().collect()
        };
        out.push(with(Vec::new()));
        if let TokenTree::Group(group) = &tokens[index] {
            out.push(with(group.stream().into_iter().collect()));
            for inner in shrink_candidates(&group.stream()) {
                let mut new = Group::new(group.delimiter(), inner);
                new.set_span(group.span());
                out.push(with(vec![TokenTree::Group(new)]));
            }
        }
    }
    out
}

/// Tokens as text, with invisible (`Delimiter::None`) groups shown as `«…»`
/// and joint puncts without the space after them.
fn show(tokens: &TokenStream) -> String {
    let mut out = String::new();
    for token in tokens.clone() {
        match &token {
            TokenTree::Group(group) if group.delimiter() == Delimiter::None => {
                out.push_str(&format!("«{}» ", show(&group.stream()).trim_end()));
            }
            TokenTree::Group(group) => {
                let (open, close) = match group.delimiter() {
                    Delimiter::Parenthesis => ("(", ")"),
                    Delimiter::Brace => ("{ ", " }"),
                    _ => ("[", "]"),
                };
                out.push_str(&format!(
                    "{open}{}{close} ",
                    show(&group.stream()).trim_end()
                ));
            }
            TokenTree::Punct(punct) if punct.spacing() == Spacing::Joint => {
                out.push(punct.as_char())
            }
            other => out.push_str(&format!("{other} ")),
        }
    }
    out.trim_end().to_owned()
}

/// A failing case, reduced.
fn report(target: &str, case: usize, input: &TokenStream, minimal: &str, why: &str) -> String {
    let input = show(input);
    format!("{target} case {case}\n  input:   {input}\n  minimal: {minimal}\n  why:     {why}")
}

/// Cases run per target, and how many of them had their output checked.
struct Tally {
    targets: Vec<(&'static str, usize, usize)>,
    failures: Vec<String>,
}

impl Tally {
    /// Checks `input`; a failure is recorded with the reduced input.
    fn run(
        &mut self,
        target: &'static str,
        case: usize,
        input: &TokenStream,
        check: &dyn Fn(&TokenStream) -> Result<Checked, String>,
    ) {
        let result = check(input);
        let index = match self.targets.iter().position(|(name, ..)| *name == target) {
            Some(index) => index,
            None => {
                self.targets.push((target, 0, 0));
                self.targets.len() - 1
            }
        };
        self.targets[index].1 += 1;
        match result {
            Ok(Checked::Output) => self.targets[index].2 += 1,
            Ok(Checked::NoPanic) => {}
            Err(why) => {
                let minimal = minimize(input, &|input| check(input).is_err());
                self.failures
                    .push(report(target, case, input, &show(&minimal), &why));
            }
        }
    }

    fn summary(&self) -> String {
        let total: usize = self.targets.iter().map(|(_, cases, _)| cases).sum();
        let per_target: Vec<String> = self
            .targets
            .iter()
            .map(|(name, cases, full)| format!("{name} {cases} ({full} output-checked)"))
            .collect();
        format!("{total} cases: {}", per_target.join(", "))
    }
}

// The corpus.

fn corpus_args() -> Vec<TokenStream> {
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

fn corpus_test_args() -> Vec<TokenStream> {
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

fn corpus_items() -> Vec<TokenStream> {
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

fn corpus_scope() -> Vec<TokenStream> {
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

fn corpus_spawn_prefixes() -> Vec<TokenStream> {
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

fn corpus_spawn_tokens() -> Vec<TokenStream> {
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

#[test]
fn fuzz_entry_points() {
    let started = Instant::now();
    let seed = env_or("TASKGROUP_FUZZ_SEED", SEED);
    let cases = env_or("TASKGROUP_FUZZ_CASES", CASES as u64) as usize;
    let mut rng = Rng::new(seed);
    let mut tally = Tally {
        targets: Vec::new(),
        failures: Vec::new(),
    };

    let args = corpus_args();
    let test_args = corpus_test_args();
    let items = corpus_items();
    let scopes = corpus_scope();
    let prefixes = corpus_spawn_prefixes();
    let spawns = corpus_spawn_tokens();
    let donors: Vec<TokenStream> = [&args, &items, &scopes, &spawns]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    let corpus_len = args
        .len()
        .max(items.len())
        .max(scopes.len())
        .max(spawns.len());

    for case in 0..cases {
        // The first cases run the corpus unmutated.
        let mutated = case >= corpus_len;

        // `#[nursery(args)] item`: mutate the options, the item or both.
        let (mut a, mut i) = if mutated {
            (rng.pick(&args).clone(), rng.pick(&items).clone())
        } else {
            (
                args[case % args.len()].clone(),
                items[case % items.len()].clone(),
            )
        };
        if mutated {
            let side = rng.below(4);
            if side != 1 {
                i = mutate(&mut rng, &i, &donors);
            }
            if side != 0 {
                a = mutate(&mut rng, &a, &donors);
            }
        }
        tally.run("#[nursery]", case, &quote!([#a] #i), &check_nursery_pair);

        // `#[taskgroup::test(args)] item`.
        let (mut a, mut i) = (rng.pick(&test_args).clone(), rng.pick(&items).clone());
        if mutated {
            match rng.below(3) {
                0 => a = mutate(&mut rng, &a, &donors),
                1 => i = mutate(&mut rng, &i, &donors),
                _ => {}
            }
        }
        tally.run(
            "#[taskgroup::test]",
            case,
            &quote!([#a] #i),
            &check_test_attr_pair,
        );

        // `scope!(input)`.
        let input = if mutated {
            let base = rng.pick(&scopes).clone();
            mutate(&mut rng, &base, &donors)
        } else {
            scopes[case % scopes.len()].clone()
        };
        tally.run("scope!", case, &input, &check_scope);

        // `__spawn_task!(prefix tokens)`: mostly the user's part mutated.
        let prefix = rng.pick(&prefixes).clone();
        let input = if !mutated {
            let tokens = &spawns[case % spawns.len()];
            quote!(#prefix #tokens)
        } else if rng.percent(10) {
            let tokens = rng.pick(&spawns).clone();
            mutate(&mut rng, &quote!(#prefix #tokens), &donors)
        } else {
            let tokens = rng.pick(&spawns).clone();
            let tokens = mutate(&mut rng, &tokens, &donors);
            quote!(#prefix #tokens)
        };
        tally.run("__spawn_task!", case, &input, &check_spawn);

        // `ScopeOptions::parse` on its own.
        let base = rng.pick(&args).clone();
        let input = mutate(&mut rng, &base, &donors);
        tally.run("args", case, &input, &check_args);

        // Fully random token trees, into every entry point: as a whole
        // input, and as the part the user writes.
        let random = random_stream(&mut rng, 3);
        let other = random_stream(&mut rng, 3);
        tally.run(
            "random #[nursery]",
            case,
            &quote!([#random] #other),
            &check_nursery_pair,
        );
        tally.run(
            "random #[nursery] body",
            case,
            &quote!([#other] async fn f() -> Result<(), E> { #random }),
            &check_nursery_pair,
        );
        tally.run("random scope!", case, &random, &check_scope);
        tally.run("random __spawn_task!", case, &random, &check_spawn);
        tally.run(
            "random __spawn_task! future",
            case,
            &quote!(#prefix #random),
            &check_spawn,
        );
        tally.run("random args", case, &random, &check_args);

        if tally.failures.len() >= 10 {
            break;
        }
    }

    eprintln!(
        "fuzz (seed {seed}): {} in {:.2?}",
        tally.summary(),
        started.elapsed()
    );
    assert!(
        tally.failures.is_empty(),
        "{} failing case(s) with seed {seed}:\n{}",
        tally.failures.len(),
        tally.failures.join("\n")
    );
    // The properties must bite: most valid inputs stay valid after a few
    // mutations, and those have their output checked in full.
    for (name, cases, full) in &tally.targets {
        let enough = if name.starts_with("random") {
            0
        } else {
            cases / 10
        };
        assert!(
            *full >= enough,
            "{name}: only {full} of {cases} outputs checked; the corpus or the mutations drifted"
        );
    }
}
