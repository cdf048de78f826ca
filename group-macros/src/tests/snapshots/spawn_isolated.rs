fn __snapshot() {
    {
        let __tg_name = ::core::option::Option::None;
        let __tg_future = ::taskgroup::checks::parallel_task(handle(conn));
        let __tg_slot = __tg_scope.__slot_now();
        ::taskgroup::__private::spawn_isolated(
            &__tg_scope,
            ::taskgroup::__private::Start::new(
                    __tg_slot,
                    __tg_name,
                    ::taskgroup::__private::Location::caller(),
                )
                .timeout(::taskgroup::IntoTimeout::into_timeout(Duration::from_secs(2))),
            __tg_future,
        )
    };
}
