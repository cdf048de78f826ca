//! The crate's layers import one way: `codegen` → `scan` → `parse` →
//! `diagnostics` (see `lib.rs`). Fails on an import of a layer above.

use std::path::Path;

/// Bottom first.
const LAYERS: [&str; 4] = ["diagnostics", "parse", "scan", "codegen"];

/// The layer of a file under `src/`, by its first path component.
fn layer_of(relative: &Path) -> Option<usize> {
    let first = relative.components().next()?.as_os_str().to_str()?;
    let first = first.strip_suffix(".rs").unwrap_or(first);
    LAYERS.iter().position(|layer| *layer == first)
}

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a readable source folder") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn imports_go_down() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut paths = Vec::new();
    files(&src, &mut paths);
    let mut upward = Vec::new();
    let mut checked = 0;
    for path in paths {
        let relative = path.strip_prefix(&src).expect("under src");
        let Some(layer) = layer_of(relative) else {
            continue; // lib.rs and tests/ sit above every layer
        };
        checked += 1;
        let text = std::fs::read_to_string(&path).expect("a readable file");
        for (number, line) in text.lines().enumerate() {
            for (at, _) in line.match_indices("crate::") {
                let name = &line[at + "crate::".len()..];
                let target = LAYERS.iter().position(|layer| {
                    name.starts_with(layer)
                        && !name[layer.len()..]
                            .starts_with(|c: char| c == '_' || c.is_alphanumeric())
                });
                if target.is_some_and(|target| target > layer) {
                    upward.push(format!(
                        "{}:{}: {}",
                        relative.display(),
                        number + 1,
                        line.trim()
                    ));
                }
            }
        }
    }
    assert!(
        checked >= 10,
        "only {checked} files found under {}",
        src.display()
    );
    assert!(
        upward.is_empty(),
        "imports of a layer above:\n{}",
        upward.join("\n")
    );
}
