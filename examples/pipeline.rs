//! A pipeline in one scope, the shape of Go's `MD5All` ("Go Concurrency
//! Patterns: Pipelines and cancellation"): one task walks a directory tree
//! (blocking filesystem calls, on the blocking pool) and feeds the paths
//! into a bounded channel; 8 digesters read and hash the files (SHA-256);
//! the body collects the digests, in path order. The first error — a
//! directory that cannot be walked, a file that cannot be read — cancels
//! the walk and the other digesters, and is the result; no task outlives
//! the call on any path.
//!
//! Run: `cargo run -p taskgroup-examples --example pipeline` (this crate's
//! runtime sources; `-- DIR` after it for another directory). Expected
//! output (digests and timings vary):
//!
//! ```text
//! group-runtime/src: 30 files, 8 digesters, in 13 ms
//!   ef3f4c53b294…  ambient.rs
//!   6dca658e15e7…  blocking.rs
//!   99359ba4c218…  bounds.rs
//!   …
//!   7c66293f7d19…  trace.rs
//! /tmp/taskgroup-pipeline-demo: error: cannot read /tmp/taskgroup-pipeline-demo/broken: No such file or directory (os error 2)
//! ```
//!
//! The second run is on a directory made for the demo with a dangling
//! link in it: reading it fails, which cancels the rest.

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Instant;

use sha2::{Digest, Sha256};
use taskgroup::nursery;

#[derive(Debug)]
enum Error {
    Walk(PathBuf, io::Error),
    Read(PathBuf, io::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Walk(path, error) => write!(f, "cannot walk {}: {error}", path.display()),
            Error::Read(path, error) => write!(f, "cannot read {}: {error}", path.display()),
        }
    }
}

/// The digest of every file under `root`, by path.
#[nursery]
async fn digest_all(root: PathBuf, digesters: usize) -> Result<BTreeMap<PathBuf, String>, Error> {
    let (paths, to_digest) = async_channel::bounded::<PathBuf>(64);
    let (digested, mut results) = tokio::sync::mpsc::channel(64);

    // Stage 1: the walk, on the blocking pool; it stops early if the scope
    // is cancelled or nobody reads the paths any more.
    spawn_blocking!(name = "walk", move || walk(&root, &paths));

    // Stage 2: a bounded number of digesters sharing the paths.
    for n in 0..digesters {
        let (to_digest, digested) = (to_digest.clone(), digested.clone());
        spawn!(name = format!("digester {n}"), async move {
            while let Ok(path) = to_digest.recv().await {
                let bytes = match tokio::fs::read(&path).await {
                    Ok(bytes) => bytes,
                    Err(error) => return Err(Error::Read(path, error)),
                };
                let digest = format!("{:x}", Sha256::digest(&bytes));
                if digested.send((path, digest)).await.is_err() {
                    break;
                }
            }
            Ok(())
        });
    }
    // Only the tasks hold the channels' other ends now: the results end
    // when the last digester does.
    drop((to_digest, digested));

    // Stage 3, the body: collect in path order.
    let mut digests = BTreeMap::new();
    while let Some((path, digest)) = results.recv().await {
        digests.insert(path, digest);
    }
    Ok(digests)
}

fn walk(dir: &Path, paths: &async_channel::Sender<PathBuf>) -> Result<(), Error> {
    let entries = std::fs::read_dir(dir).map_err(|error| Error::Walk(dir.into(), error))?;
    for entry in entries {
        if taskgroup::is_cancelled() {
            return Ok(());
        }
        let path = entry
            .map_err(|error| Error::Walk(dir.into(), error))?
            .path();
        if path.is_dir() {
            walk(&path, paths)?;
        } else if paths.send_blocking(path).is_err() {
            return Ok(()); // the digesters are gone: the scope is failing
        }
    }
    Ok(())
}

async fn run(root: PathBuf, shown: &str) {
    let start = Instant::now();
    match digest_all(root.clone(), 8).await {
        Ok(digests) => {
            println!(
                "{shown}: {} files, 8 digesters, in {} ms",
                digests.len(),
                start.elapsed().as_millis()
            );
            let shown = |(path, digest): (&PathBuf, &String)| {
                let name = path.strip_prefix(&root).unwrap_or(path);
                println!("  {}…  {}", &digest[..12], name.display());
            };
            digests.iter().take(3).for_each(shown);
            if digests.len() > 4 {
                println!("  …");
            }
            digests
                .iter()
                .skip(3.max(digests.len().saturating_sub(1)))
                .for_each(shown);
        }
        Err(error) => println!("{shown}: error: {error}"),
    }
}

/// A directory with two files and a dangling link.
fn broken_tree() -> io::Result<PathBuf> {
    let dir = std::env::temp_dir().join("taskgroup-pipeline-demo");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("sub"))?;
    std::fs::write(dir.join("a.txt"), "alpha")?;
    std::fs::write(dir.join("sub/b.txt"), "beta")?;
    #[cfg(unix)]
    std::os::unix::fs::symlink(dir.join("missing"), dir.join("broken"))?;
    Ok(dir)
}

#[tokio::main]
async fn main() -> io::Result<()> {
    match std::env::args().nth(1) {
        Some(dir) => run(PathBuf::from(&dir), &dir).await,
        None => {
            let sources = Path::new(env!("CARGO_MANIFEST_DIR")).join("../group-runtime/src");
            run(sources, "group-runtime/src").await;
            let demo = broken_tree()?;
            run(demo.clone(), &demo.display().to_string()).await;
            std::fs::remove_dir_all(demo)?;
        }
    }
    Ok(())
}
