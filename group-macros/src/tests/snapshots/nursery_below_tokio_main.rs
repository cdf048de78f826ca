::core::compile_error! {
    "`#[nursery]` must come before (above) `#[tokio::main]` / `#[tokio::test]`: they turn the `async fn` into a plain `fn` before `#[nursery]` sees it. Write `#[nursery]` first, then `#[tokio::main]` or `#[tokio::test]`"
}
fn main() {
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
    let body = async {
        spawn!(job());
    };
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("Failed building the Runtime")
        .block_on(body);
}
