async fn crawl(urls: Vec<Url>) -> Result<(), Error> {
    #[allow(unused_imports)]
    use ::my_crate::reexports::taskgroup::checks::{
        SpawnBlockingResult as _, SpawnBlockingValue as _, SpawnResult as _,
        SpawnValue as _, ScopedResult as _, ScopedValue as _, StartResult as _,
        StartValue as _,
    };
    #[allow(unused_imports)]
    use ::my_crate::reexports::taskgroup::__private::{ViaFallible as _, ViaPlain as _};
    #[allow(unused_imports)]
    use ::my_crate::reexports::taskgroup::__private::spawn_task as taskgroup_spawn;
    let __tg_mode = (&&&::my_crate::reexports::taskgroup::__private::ModeProbe::<
        Result<(), Error>,
    >::new())
        .__tg_mode();
    let __tg_scope = __tg_mode
        .open(
            ::my_crate::reexports::taskgroup::__private::Options::new(
                    ::my_crate::reexports::taskgroup::__private::Location::caller(),
                )
                .name(
                    ::my_crate::reexports::taskgroup::checks::IntoName::into_name(
                        "crawler",
                    ),
                )
                .limit(::my_crate::reexports::taskgroup::IntoLimit::into_limit(4)),
        );
    #[allow(unused_macros)]
    macro_rules! spawn {
        ($($tokens:tt)*) => {
            taskgroup_spawn! { [::my_crate::reexports::taskgroup] __tg_scope spawn true;
            $($tokens)* }
        };
    }
    #[allow(unused_macros)]
    macro_rules! try_spawn {
        ($($tokens:tt)*) => {
            taskgroup_spawn! { [::my_crate::reexports::taskgroup] __tg_scope try_spawn
            true; $($tokens)* }
        };
    }
    #[allow(unused_macros)]
    macro_rules! spawn_background {
        ($($tokens:tt)*) => {
            taskgroup_spawn! { [::my_crate::reexports::taskgroup] __tg_scope
            spawn_background true; $($tokens)* }
        };
    }
    #[allow(unused_macros)]
    macro_rules! spawn_blocking {
        ($($tokens:tt)*) => {
            taskgroup_spawn! { [::my_crate::reexports::taskgroup] __tg_scope
            spawn_blocking true; $($tokens)* }
        };
    }
    #[allow(unused_macros)]
    macro_rules! start {
        ($($tokens:tt)*) => {
            taskgroup_spawn! { [::my_crate::reexports::taskgroup] __tg_scope start true;
            $($tokens)* }
        };
    }
    #[allow(unused_macros)]
    macro_rules! spawn_scoped {
        ($($tokens:tt)*) => {
            ::my_crate::reexports::taskgroup::__private::scoped_unprepared!()
        };
    }
    #[allow(unused_macros)]
    macro_rules! cancel {
        () => {
            __tg_scope
            .__cancel(::my_crate::reexports::taskgroup::__private::Location::caller())
        };
    }
    let __tg_ret = __tg_mode
        .run(
            &__tg_scope,
            async {
                let __tg_ret: Result<(), Error> = {
                    for url in urls {
                        spawn!(name = url.to_string(), fetch(url));
                    }
                    Ok(())
                };
                #[allow(unreachable_code)] __tg_ret
            },
        )
        .await;
    __tg_ret
}
