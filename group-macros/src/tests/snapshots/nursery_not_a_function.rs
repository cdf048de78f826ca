::core::compile_error! {
    "`#[nursery]` goes on an `async fn` with a body: expected `fn`"
}
struct Workers {
    count: usize,
}
