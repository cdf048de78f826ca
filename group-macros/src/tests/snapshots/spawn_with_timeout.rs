fn __snapshot() {
    {
        let __tg_name = ::core::option::Option::Some(
            ::core::convert::Into::into("slow"),
        );
        ::taskgroup::__private::deadline_error(&__tg_scope);
        let __tg_future = ::taskgroup::__private::parallel(fetch(id));
        let __tg_slot = __tg_scope.__slot_now();
        (&&&::taskgroup::__private::task_probe(&__tg_future))
            .__tg_spawn(
                &__tg_scope,
                ::taskgroup::__private::Start::new(
                        __tg_slot,
                        __tg_name,
                        ::taskgroup::__private::Location::caller(),
                    )
                    .timeout(Duration::from_secs(2)),
                __tg_future,
            )
    };
}
