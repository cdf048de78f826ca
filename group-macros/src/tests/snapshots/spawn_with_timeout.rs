fn __snapshot() {
    {
        let __tg_name = ::core::option::Option::Some(
            ::taskgroup::checks::IntoName::into_name("slow"),
        );
        ::taskgroup::checks::deadline_error(&__tg_scope);
        let __tg_future = ::taskgroup::checks::parallel_task(fetch(id));
        let __tg_slot = __tg_scope.__slot_now();
        (&&&::taskgroup::__private::task_probe(&__tg_future))
            .spawn_task(
                &__tg_scope,
                ::taskgroup::__private::Start::new(
                        __tg_slot,
                        __tg_name,
                        ::taskgroup::__private::Location::caller(),
                    )
                    .timeout(
                        ::taskgroup::IntoTimeout::into_timeout(Duration::from_secs(2)),
                    ),
                __tg_future,
            )
    };
}
