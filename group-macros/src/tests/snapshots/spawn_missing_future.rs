fn __snapshot() {
    {
        ::core::compile_error! {
            "unexpected end of input, missing future: write `spawn!(future)` or `spawn!(name = \"…\", timeout = d, future)` (options: `isolated`, `name`, `timeout`, `restart`), e.g. `spawn!(fetch(id))` or `spawn!(async move { … })`"
        };
        ::core::unreachable!()
    };
}
