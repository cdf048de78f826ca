fn __snapshot() {
    {
        let __tg_name = ::core::option::Option::None;
        let __tg_future = ::taskgroup::checks::parallel_task(
            ::taskgroup::__private::forever(
                &__tg_scope,
                async move {
                    loop {
                        beat().await?;
                    }
                },
            ),
        );
        let __tg_slot = __tg_scope.__slot_now();
        (&&&::taskgroup::__private::task_probe(&__tg_future))
            .spawn_inline(
                &__tg_scope,
                ::taskgroup::__private::Start::new(
                        __tg_slot,
                        __tg_name,
                        ::taskgroup::__private::Location::caller(),
                    )
                    .background(),
                __tg_future,
            )
    };
}
