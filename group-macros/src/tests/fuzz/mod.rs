//! A deterministic fuzzer of the entry points and of the options: the run
//! (the test, its tally and report) here; the inputs in `corpus.rs`, how they
//! are mutated and minimized in `mutation.rs`, what is asserted in
//! `checks.rs`.
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
//! * `#[taskgroup::test]` on an item gives items;
//! * `__spawn_task!` always gives an expression (its prefix comes from our own
//!   local macros, so only its `crate` path is assumed to be a path);
//! * whatever `ScopeOptions::parse` accepts or rejects, the code built from
//!   it parses.
//!
//! The output is checked only for inputs rustc could give (see
//! `checks::realistic`):
//! on the others, only that nothing panics. The test fails if too few outputs
//! were checked, so that the properties keep biting.
//!
//! A failure is reduced to a minimal input (greedy deletion) and reported
//! with the seed; keep it in `regressions.rs`. For a longer hunt:
//! `TASKGROUP_FUZZ_SEED=7 TASKGROUP_FUZZ_CASES=20000 cargo test -p
//! taskgroup-macros fuzz`.

mod checks;
mod corpus;
mod mutation;

use std::time::Instant;

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};
use quote::quote;

use checks::{
    check_args, check_nursery_pair, check_scope, check_spawn, check_test_attr_pair, Checked,
};
use corpus::{
    corpus_args, corpus_items, corpus_scope, corpus_spawn_prefixes, corpus_spawn_tokens,
    corpus_test_args,
};
use mutation::{minimize, mutate, random_stream, Rng};

/// Cases per target (five targets plus fully random inputs), and the seed.
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
