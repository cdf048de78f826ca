fn __snapshot() {
    {
        let __tg_name = ::core::option::Option::None;
        let __tg_future = ::taskgroup::__private::identity(async {
            total.fetch_add(*item)
        });
        let __tg_slot = __tg_scope.__slot_now();
        (&&&::taskgroup::__private::scoped_probe(&__tg_future))
            .spawn_inline(
                &__tg_scope,
                &scoped_children,
                ::taskgroup::__private::Start::new(
                    __tg_slot,
                    __tg_name,
                    ::taskgroup::__private::Location::caller(),
                ),
                __tg_future,
            )
    };
}
