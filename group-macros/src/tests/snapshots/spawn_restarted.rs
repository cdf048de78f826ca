fn __snapshot() {
    {
        let __tg_name = ::core::option::Option::Some(
            ::taskgroup::checks::IntoName::into_name("refresher"),
        );
        let __tg_restarts = ::taskgroup::__private::RestartsSeen::default();
        let __tg_future = ::taskgroup::checks::parallel_task(
            ::taskgroup::checks::restart_factory(
                Restart::on_failure(),
                || async { refresh().await },
                &__tg_restarts,
            ),
        );
        let __tg_slot = __tg_scope.__slot_wait().await;
        (&&&::taskgroup::__private::task_probe(&__tg_future))
            .spawn_inline(
                &__tg_scope,
                ::taskgroup::__private::Start::new(
                        __tg_slot,
                        __tg_name,
                        ::taskgroup::__private::Location::caller(),
                    )
                    .restarts(&__tg_restarts),
                __tg_future,
            )
    };
}
