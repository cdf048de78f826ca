//! The layers of `src/` stay honest: every file's `crate::…` paths go to its
//! own folder or to a folder below it, and the files of one folder import
//! each other without a circle.
//!
//! The floors, bottom to top (see the table in `src/lib.rs`):
//! `core` → `policy` → `scope` → `kinds` → `tools` → the root files
//! (`lib.rs`, `checks.rs`, `macros.rs`). A file may name its own folder and
//! any folder below; `super::super::…` is refused (name the folder
//! instead). Comments (doc links included) are not imports and are skipped.
//! On a violation the test prints each offending file and line.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// The folders, bottom first; `root` is `src/` itself.
const FLOORS: [&str; 6] = ["core", "policy", "scope", "kinds", "tools", "root"];

fn floor(folder: &str) -> Option<usize> {
    FLOORS.iter().position(|floor| *floor == folder)
}

/// One source file: its path under `src/` (`scope/run.rs`) and its text.
struct Source {
    path: String,
    text: String,
}

/// The folder a file belongs to: its first path component, or `root`.
fn folder_of(path: &str) -> &str {
    match path.split_once('/') {
        Some((folder, _)) => folder,
        None => "root",
    }
}

/// A reference found in a file, resolved to the file it names.
struct Edge {
    from: String,
    line: usize,
    code: String,
    to_folder: String,
    to_file: String,
}

/// The code of a line, without its comment (`//`, `///`, `//!`).
fn code_of(line: &str) -> &str {
    match line.find("//") {
        Some(at) => &line[..at],
        None => line,
    }
}

fn ident_at(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    &text[..end]
}

/// The paths a line names after `crate::`: `crate::a::b::C` gives
/// `[a, b, C]`; `crate::a::{b, c::D}` gives `[a, b]` and `[a, c, D]`.
fn crate_paths(code: &str) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().last();
        let after = &rest[at + "crate::".len()..];
        rest = after;
        // `$crate::` (a macro's own path) and `foo_crate::` are not ours.
        if before.is_some_and(|c| c == '$' || c.is_alphanumeric() || c == '_') {
            continue;
        }
        let mut prefix = Vec::new();
        let mut cursor = after;
        loop {
            let ident = ident_at(cursor);
            if ident.is_empty() {
                if let Some(group) = cursor.strip_prefix('{') {
                    let inner = &group[..group.find('}').unwrap_or(group.len())];
                    for item in inner.split(',') {
                        let mut path = prefix.clone();
                        path.extend(
                            item.trim()
                                .split("::")
                                .map(|segment| ident_at(segment.trim()).to_owned())
                                .filter(|segment| !segment.is_empty()),
                        );
                        paths.push(path);
                    }
                } else if !prefix.is_empty() {
                    paths.push(prefix);
                }
                break;
            }
            prefix.push(ident.to_owned());
            cursor = &cursor[ident.len()..];
            match cursor.strip_prefix("::") {
                Some(next) => cursor = next,
                None => {
                    paths.push(prefix);
                    break;
                }
            }
        }
    }
    paths
}

/// The file a `crate::` path lands in: `[scope, run, drive]` is
/// `scope/run.rs`, `[scope, Scope]` is `scope/mod.rs`, `[Cause]` (a root
/// re-export) is `lib.rs`.
fn resolve(path: &[String], files: &BTreeSet<String>) -> (String, String) {
    let Some(first) = path.first() else {
        return ("root".into(), "lib.rs".into());
    };
    if floor(first).is_none() || first == "root" {
        let file = format!("{first}.rs");
        let file = if files.contains(&file) {
            file
        } else {
            "lib.rs".into()
        };
        return ("root".into(), file);
    }
    let file = match path.get(1) {
        Some(second) if files.contains(&format!("{first}/{second}.rs")) => {
            format!("{first}/{second}.rs")
        }
        _ => format!("{first}/mod.rs"),
    };
    (first.clone(), file)
}

/// Every reference of every file, and the lines that use `super::super`.
fn edges(sources: &[Source]) -> (Vec<Edge>, Vec<String>) {
    let files: BTreeSet<String> = sources.iter().map(|s| s.path.clone()).collect();
    let mut edges = Vec::new();
    let mut refused = Vec::new();
    for source in sources {
        let folder = folder_of(&source.path);
        for (index, line) in source.text.lines().enumerate() {
            let code = code_of(line);
            if code.contains("super::super") {
                refused.push(format!(
                    "{}:{}: `super::super` (name the folder with `crate::…`): {}",
                    source.path,
                    index + 1,
                    line.trim()
                ));
            }
            for path in crate_paths(code) {
                let (to_folder, to_file) = resolve(&path, &files);
                edges.push(Edge {
                    from: source.path.clone(),
                    line: index + 1,
                    code: line.trim().to_owned(),
                    to_folder,
                    to_file,
                });
            }
            // `super::x` in a folder's file names a sibling.
            if folder != "root" {
                let mut rest = code;
                while let Some(at) = rest.find("super::") {
                    let name = ident_at(&rest[at + "super::".len()..]);
                    rest = &rest[at + "super::".len()..];
                    let sibling = format!("{folder}/{name}.rs");
                    if files.contains(&sibling) && !source.path.ends_with("/mod.rs") {
                        edges.push(Edge {
                            from: source.path.clone(),
                            line: index + 1,
                            code: line.trim().to_owned(),
                            to_folder: folder.to_owned(),
                            to_file: sibling,
                        });
                    }
                }
            }
        }
    }
    (edges, refused)
}

/// What is wrong with the layering of `sources`: upward references, files
/// outside the known folders, `super::super`, and circles among files.
fn violations(sources: &[Source]) -> Vec<String> {
    let (edges, mut problems) = edges(sources);
    for source in sources {
        if floor(folder_of(&source.path)).is_none() {
            problems.push(format!(
                "{}: a folder that is not a floor ({FLOORS:?}); add it to FLOORS and the table in lib.rs",
                source.path
            ));
        }
    }
    for edge in &edges {
        let (Some(from), Some(to)) = (floor(folder_of(&edge.from)), floor(&edge.to_folder)) else {
            continue;
        };
        if to > from {
            problems.push(format!(
                "{}:{}: `{}` imports `{}`, a floor above it: {}",
                edge.from,
                edge.line,
                folder_of(&edge.from),
                edge.to_folder,
                edge.code
            ));
        }
    }
    // Circles among files (`mod x;` declarations are not paths and do not
    // count; the root files re-export everything and are left out).
    let mut graph: BTreeMap<&str, BTreeMap<&str, &Edge>> = BTreeMap::new();
    for edge in &edges {
        if edge.from != edge.to_file && folder_of(&edge.from) != "root" {
            graph
                .entry(edge.from.as_str())
                .or_default()
                .entry(edge.to_file.as_str())
                .or_insert(edge);
        }
    }
    let mut state: BTreeMap<&str, u8> = BTreeMap::new(); // 1: on the path, 2: done
    let mut path: Vec<&str> = Vec::new();
    fn visit<'a>(
        file: &'a str,
        graph: &BTreeMap<&'a str, BTreeMap<&'a str, &'a Edge>>,
        state: &mut BTreeMap<&'a str, u8>,
        path: &mut Vec<&'a str>,
        problems: &mut Vec<String>,
    ) {
        state.insert(file, 1);
        path.push(file);
        for (&next, edge) in graph.get(file).into_iter().flatten() {
            match state.get(next) {
                Some(1) => {
                    let start = path.iter().position(|f| *f == next).unwrap_or(0);
                    let mut circle = path[start..].to_vec();
                    circle.push(next);
                    problems.push(format!(
                        "a circle of imports: {} (closed at {}:{}: {})",
                        circle.join(" → "),
                        edge.from,
                        edge.line,
                        edge.code
                    ));
                }
                Some(_) => {}
                None => visit(next, graph, state, path, problems),
            }
        }
        path.pop();
        state.insert(file, 2);
    }
    let starts: Vec<&str> = graph.keys().copied().collect();
    for file in starts {
        if !state.contains_key(file) {
            visit(file, &graph, &mut state, &mut path, &mut problems);
        }
    }
    problems
}

fn read_tree(dir: &Path, prefix: &str, sources: &mut Vec<Source>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .expect("src/ is readable")
        .map(|entry| entry.expect("a directory entry").path())
        .collect();
    entries.sort();
    for entry in entries {
        let name = entry.file_name().unwrap().to_string_lossy().into_owned();
        let path = format!("{prefix}{name}");
        if entry.is_dir() {
            read_tree(&entry, &format!("{path}/"), sources);
        } else if name.ends_with(".rs") {
            let text = fs::read_to_string(&entry).expect("a source file is UTF-8");
            sources.push(Source { path, text });
        }
    }
}

fn sources() -> Vec<Source> {
    let mut sources = Vec::new();
    read_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        "",
        &mut sources,
    );
    sources
}

#[test]
fn imports_only_go_down_and_never_in_a_circle() {
    let sources = sources();
    assert!(sources.len() > 20, "src/ was read");
    let problems = violations(&sources);
    assert!(
        problems.is_empty(),
        "the layers of group-runtime/src are broken:\n  {}",
        problems.join("\n  ")
    );
}

#[test]
fn every_folder_says_what_it_is_and_what_it_may_import() {
    for source in sources() {
        if source.path.ends_with("/mod.rs") {
            let doc: String = source
                .text
                .lines()
                .take_while(|line| line.starts_with("//!"))
                .collect();
            assert!(
                doc.contains("May import:"),
                "{}: the folder's doc comment says what it is and ends with `May import: …`",
                source.path
            );
        }
    }
}

fn fake(files: &[(&str, &str)]) -> Vec<Source> {
    files
        .iter()
        .map(|(path, text)| Source {
            path: (*path).to_owned(),
            text: (*text).to_owned(),
        })
        .collect()
}

/// The check itself can fail: an upward import, a circle, `super::super`.
#[test]
fn the_check_catches_what_it_is_for() {
    let upward = fake(&[
        ("core/mod.rs", "pub(crate) mod state;"),
        (
            "core/state.rs",
            "use crate::tools::dump::enter; // core must not know dumps",
        ),
        ("tools/mod.rs", "pub(crate) mod dump;"),
        ("tools/dump.rs", "use crate::core::state::Shared;"),
    ]);
    let problems = violations(&upward);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].starts_with("core/state.rs:1: `core` imports `tools`"));
    assert!(problems[1].starts_with("a circle of imports: core/state.rs → tools/dump.rs"));

    let grouped = fake(&[(
        "policy/deadline.rs",
        "use crate::{core::ambient, scope::Scope};",
    )]);
    let problems = violations(&grouped);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("`policy` imports `scope`"));

    let circle = fake(&[
        ("scope/mod.rs", "use crate::scope::run::drive;"),
        ("scope/run.rs", "fn f(s: &crate::scope::Scope<()>) {}"),
    ]);
    let problems = violations(&circle);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with("a circle of imports: scope/mod.rs → scope/run.rs → scope/mod.rs")
    );

    let fine = fake(&[
        (
            "kinds/blocking.rs",
            "use crate::scope::{Scope, Spawn}; // crate::tools in a comment",
        ),
        (
            "kinds/dispatch.rs",
            "use crate::kinds::{blocking, parallel};\n/// [`crate::tools`]",
        ),
        ("macros.rs", "$crate::__private::Location::caller()"),
    ]);
    assert_eq!(violations(&fine), Vec::<String>::new());

    let above = fake(&[("kinds/scoped.rs", "use super::super::tools;")]);
    assert_eq!(violations(&above).len(), 1);
}
