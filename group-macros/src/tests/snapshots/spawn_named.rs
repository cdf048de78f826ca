fn __snapshot() {
    {
        let __tg_name = ::core::option::Option::Some(
            ::my_crate::taskgroup::checks::IntoName::into_name(format!("job {id}")),
        );
        let __tg_future = ::my_crate::taskgroup::checks::parallel_task(fetch(id));
        let __tg_slot = __tg_scope.__slot_now();
        (&&&::my_crate::taskgroup::__private::task_probe(&__tg_future))
            .spawn_task(
                &__tg_scope,
                ::my_crate::taskgroup::__private::Start::new(
                    __tg_slot,
                    __tg_name,
                    ::my_crate::taskgroup::__private::Location::caller(),
                ),
                __tg_future,
            )
    };
}
