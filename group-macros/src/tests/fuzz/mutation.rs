//! How the fuzzer makes inputs, and unmakes them: a seeded random number
//! generator, random tokens and token trees, the token-level mutations of a
//! corpus input (delete, duplicate, swap, insert random idents / puncts /
//! literals / groups, truncate, wrap in or unwrap a group, splice a piece of
//! another input), and the greedy minimizer that reduces a failing input.

use proc_macro2::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};

/// xorshift64*, seeded through splitmix64.
pub(super) struct Rng(u64);

impl Rng {
    pub(super) fn new(seed: u64) -> Self {
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
    pub(super) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub(super) fn percent(&mut self, p: usize) -> bool {
        self.below(100) < p
    }

    pub(super) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
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

pub(super) fn random_stream(rng: &mut Rng, depth: usize) -> TokenStream {
    let len = rng.below(8);
    (0..len).flat_map(|_| random_tokens(rng, depth)).collect()
}

/// A few token-level mutations of `input`; `donors` are other inputs whose
/// pieces may be spliced in.
pub(super) fn mutate(rng: &mut Rng, input: &TokenStream, donors: &[TokenStream]) -> TokenStream {
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

/// Minimization: greedy deletion of tokens and unwrapping of groups, while
/// the failure stays.
pub(super) fn minimize(input: &TokenStream, fails: &dyn Fn(&TokenStream) -> bool) -> TokenStream {
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
