::core::compile_error! {
    "unknown option `limt`; accepted options: `limit = <usize>` (a literal or any expression), `timeout = <Duration>`, `grace = <Duration>`, `errors = all | isolated`, `stop = reverse`, `context = <value>`, `name = \"…\"`, `crate = <path>`"
}
::core::compile_error! {
    "`limit = 0` would never let a task start: use a limit of at least 1, or leave `limit` out for no limit"
}
async fn run() {
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
    let __tg_mode = (&&&::taskgroup::__private::ModeProbe::<()>::new()).__tg_mode();
    let __tg_scope = __tg_mode
        .open(
            ::taskgroup::__private::Options::new(
                ::taskgroup::__private::Location::caller(),
            ),
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
            taskgroup_spawn! { [::taskgroup] __tg_scope try_spawn false; $($tokens)* }
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
            taskgroup_spawn! { [::taskgroup] __tg_scope spawn_blocking false; $($tokens)*
            }
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
    let __tg_ret = __tg_mode
        .run(
            &__tg_scope,
            async {
                let __tg_ret: () = {
                    spawn!(job());
                };
                #[allow(unreachable_code)] __tg_ret
            },
        )
        .await;
    __tg_ret
}
