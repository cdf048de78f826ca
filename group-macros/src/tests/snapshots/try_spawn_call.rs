fn __snapshot() {
    {
        let __tg_name = ::core::option::Option::None;
        let __tg_slot = __tg_scope.__slot_try();
        match __tg_slot {
            ::core::option::Option::Some(__tg_slot) => {
                let __tg_future = ::taskgroup::checks::parallel_task(fetch(id));
                ::core::option::Option::Some(
                    (&&&::taskgroup::__private::task_probe(&__tg_future))
                        .spawn_task(
                            &__tg_scope,
                            ::taskgroup::__private::Start::new(
                                __tg_slot,
                                __tg_name,
                                ::taskgroup::__private::Location::caller(),
                            ),
                            __tg_future,
                        ),
                )
            }
            ::core::option::Option::None => ::core::option::Option::None,
        }
    };
}
