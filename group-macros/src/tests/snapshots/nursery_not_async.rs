::core::compile_error! {
    "`#[nursery]` goes on an `async fn`: add `async` before `fn` (the scope awaits its tasks, so the function must be async)"
}
fn run() -> Result<(), Error> {
    #[allow(unused_macros)]
    macro_rules! spawn {
        ($($tokens:tt)*) => {
            ::core::unreachable!()
        };
    }
    #[allow(unused_macros)]
    macro_rules! try_spawn {
        ($($tokens:tt)*) => {
            ::core::unreachable!()
        };
    }
    #[allow(unused_macros)]
    macro_rules! spawn_background {
        ($($tokens:tt)*) => {
            ::core::unreachable!()
        };
    }
    #[allow(unused_macros)]
    macro_rules! spawn_blocking {
        ($($tokens:tt)*) => {
            ::core::unreachable!()
        };
    }
    #[allow(unused_macros)]
    macro_rules! start {
        ($($tokens:tt)*) => {
            ::core::unreachable!()
        };
    }
    #[allow(unused_macros)]
    macro_rules! spawn_scoped {
        ($($tokens:tt)*) => {
            ::core::unreachable!()
        };
    }
    #[allow(unused_macros)]
    macro_rules! cancel {
        ($($tokens:tt)*) => {
            ::core::unreachable!()
        };
    }
    spawn!(job());
    Ok(())
}
