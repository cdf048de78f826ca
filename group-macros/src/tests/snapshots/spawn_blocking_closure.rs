fn __snapshot() {
    {
        let __tg_name = ::core::option::Option::None;
        let __tg_future = ::taskgroup::checks::blocking_task(move || {
            let n = parse(&text)?;
            Ok(n)
        });
        let __tg_slot = __tg_scope.__slot_wait().await;
        (&&&::taskgroup::__private::blocking_probe(&__tg_future))
            .spawn_inline(
                &__tg_scope,
                ::taskgroup::__private::Start::new(
                    __tg_slot,
                    __tg_name,
                    ::taskgroup::__private::Location::caller(),
                ),
                __tg_future,
            )
    };
}
