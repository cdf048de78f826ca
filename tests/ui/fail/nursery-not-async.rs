// `#[nursery]` on a plain `fn`.
use taskgroup::nursery;

#[nursery]
fn work() -> u32 {
    spawn!(async { 1 });
    1
}

fn main() {
    let _ = work();
}
