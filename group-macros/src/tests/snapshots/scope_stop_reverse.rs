fn __snapshot() {
    {
        #[allow(unused_imports)]
        use ::taskgroup::checks::{
            SpawnBlockingResult as _, SpawnBlockingValue as _, SpawnResult as _,
            SpawnValue as _, ScopedResult as _, ScopedValue as _, StartResult as _,
            StartValue as _,
        };
        #[allow(unused_imports)]
        use ::taskgroup::__private::{ViaFallible as _, ViaPlain as _};
        #[allow(unused_imports)]
        use ::taskgroup::__private::spawn_task as taskgroup_spawn;
        let __tg_scope = ::taskgroup::__private::Scope::open(
            ::taskgroup::__private::Options::new(
                    ::taskgroup::__private::Location::caller(),
                )
                .grace(::taskgroup::IntoTimeout::into_timeout(Duration::from_secs(5)))
                .stop_in_reverse(),
        );
        #[allow(unused_macros)]
        macro_rules! spawn {
            ($($tokens:tt)*) => {
                taskgroup_spawn! { [::taskgroup] __tg_scope spawn false; $($tokens)* }
            };
        }
        #[allow(unused_macros)]
        macro_rules! try_spawn {
            ($($tokens:tt)*) => {
                taskgroup_spawn! { [::taskgroup] __tg_scope try_spawn false; $($tokens)*
                }
            };
        }
        #[allow(unused_macros)]
        macro_rules! spawn_background {
            ($($tokens:tt)*) => {
                taskgroup_spawn! { [::taskgroup] __tg_scope spawn_background false;
                $($tokens)* }
            };
        }
        #[allow(unused_macros)]
        macro_rules! spawn_blocking {
            ($($tokens:tt)*) => {
                taskgroup_spawn! { [::taskgroup] __tg_scope spawn_blocking false;
                $($tokens)* }
            };
        }
        #[allow(unused_macros)]
        macro_rules! start {
            ($($tokens:tt)*) => {
                taskgroup_spawn! { [::taskgroup] __tg_scope start false; $($tokens)* }
            };
        }
        #[allow(unused_macros)]
        macro_rules! spawn_scoped {
            ($($tokens:tt)*) => {
                ::taskgroup::__private::scoped_unprepared!()
            };
        }
        #[allow(unused_macros)]
        macro_rules! cancel {
            () => {
                __tg_scope.__cancel(::taskgroup::__private::Location::caller())
            };
        }
        let __tg_body = async {
            spawn!(database());
            spawn!(listener());
        };
        let __tg_body = (&&&::taskgroup::__private::ModeProbe::of(&__tg_body))
            .__tg_mode()
            .run(&__tg_scope, __tg_body)
            .await;
        __tg_body
    };
}
