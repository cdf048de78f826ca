// `spawn_scoped!` and `start!` in the shapes users write.
use std::cell::Cell;
use std::rc::Rc;
use taskgroup::{nursery, scope, Ready, StartError};

#[derive(Debug)]
struct Error;

impl From<StartError<Error>> for Error {
    fn from(_: StartError<Error>) -> Self {
        Error
    }
}

async fn serve(ready: Ready<u16>) -> Result<(), Error> {
    ready.send(8080);
    Ok(())
}

#[nursery]
async fn run(counters: &mut [u32], shared: Rc<Cell<u32>>) -> Result<u16, Error> {
    let port = start!(|ready| serve(ready))?;
    for counter in counters.iter_mut() {
        let shared = shared.clone();
        spawn_scoped!(name = "count", async move {
            *counter += 1;
            shared.set(shared.get() + 1);
        });
    }
    let checked = spawn_scoped!(async move { Ok::<_, Error>(port > 0) });
    assert!(checked.await);
    Ok(port)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut counters = [0, 0];
    let _ = run(&mut counters, Rc::new(Cell::new(0))).await;
    let word = String::from("borrowed");
    let len = scope! {
        spawn_scoped!(async { word.len() }).await
    };
    assert_eq!(len, 8);
}
