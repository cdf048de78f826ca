fn __snapshot() {
    {
        let (__tg_ready, __tg_signalled, __tg_error, __tg_starting) = ::taskgroup::__private::start_channel();
        let __tg_start_future = ::taskgroup::__private::forever(
            &__tg_scope,
            ::taskgroup::__private::call_with_ready(
                |ready| async move {
                    let listener = bind().await?;
                    ready.send(listener.local_addr()?);
                    loop {
                        serve(&listener).await?;
                    }
                },
                __tg_ready,
            ),
        );
        let __tg_start_future = (&&&::taskgroup::__private::start_probe(
            &__tg_start_future,
        ))
            .starting_inline(&__tg_scope, __tg_error, __tg_signalled, __tg_start_future);
        ::core::mem::drop({
            let __tg_name = ::core::option::Option::Some(
                ::taskgroup::checks::IntoName::into_name("server"),
            );
            let __tg_future = ::taskgroup::checks::parallel_task(__tg_start_future);
            let __tg_slot = __tg_scope.__slot_now();
            (&&&::taskgroup::__private::task_probe(&__tg_future))
                .spawn_task(
                    &__tg_scope,
                    ::taskgroup::__private::Start::new(
                        __tg_slot,
                        __tg_name,
                        ::taskgroup::__private::Location::caller(),
                    ),
                    __tg_future,
                )
        });
        __tg_starting.wait().await
    };
}
