// `crate = path` points the generated code at the runtime through another
// path: the absolute `::taskgroup`, or a re-export.
use taskgroup::{nursery, scope};

mod reexport {
    pub use taskgroup as tg;
}

#[derive(Debug)]
struct Error;

#[nursery(crate = ::taskgroup)]
async fn absolute() -> Result<u32, Error> {
    let h = spawn!(async { Ok(1) });
    Ok(h.await)
}

#[nursery(crate = crate::reexport::tg, limit = 1)]
async fn reexported() -> u32 {
    spawn!(async { 2 }).await
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    assert_eq!(absolute().await.unwrap(), 1);
    assert_eq!(reexported().await, 2);
    let n = scope!(crate = ::taskgroup, limit = 2; { spawn!(async { 3 }).await });
    assert_eq!(n, 3);
}
