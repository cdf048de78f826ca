// `#[nursery]` on something that is not a function.
use taskgroup::nursery;

#[nursery]
struct Jobs {
    count: usize,
}

fn main() {
    let jobs = Jobs { count: 1 };
    let _ = jobs.count;
}
