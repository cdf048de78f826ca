// `restart = …` needs a factory (a closure making a new future at each
// start), whose future says whether it failed: `()` or a `Result`.
use taskgroup::{scope, Restart};

async fn serve() -> Result<(), std::io::Error> {
    Ok(())
}

async fn count() -> u32 {
    1
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let _: Result<(), std::io::Error> = scope! {
        // A future runs once: it cannot be started again.
        spawn!(restart = Restart::on_failure(), serve());
        // `u32` says nothing about failure.
        spawn!(restart = Restart::on_failure(), || count());
        Ok(())
    };
}
