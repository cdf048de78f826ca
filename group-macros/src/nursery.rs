//! `#[nursery]` on an `async fn`: the whole body becomes a scope.

use proc_macro2::{Ident, Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned, ToTokens};
use syn::visit_mut::{self, VisitMut};
use syn::{ItemFn, ReturnType, Type};

use crate::args::{self, Errors};
use crate::expand::{imports, local_macros, scoped_parts, uses_scoped, Names};
use crate::scan::{self, Context};

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let args = args::parse(args, &mut errors);
    let mut function: ItemFn = match syn::parse2(item.clone()) {
        Ok(function) => function,
        Err(error) => {
            errors.push(syn::Error::new(
                error.span(),
                format!("`#[nursery]` goes on an `async fn` with a body: {error}"),
            ));
            let errors = errors.to_compile_errors();
            return quote!(#errors #item);
        }
    };
    if function.sig.asyncness.is_none() {
        errors.push(not_async(&function));
        let errors = errors.to_compile_errors();
        let stubs = scan::stub_macros();
        let stmts = &function.block.stmts;
        let braces = function.block.brace_token;
        *function.block = syn::parse_quote!({ #stubs #(#stmts)* });
        function.block.brace_token = braces;
        return quote!(#errors #function);
    }
    if let Some(error) = borrowed_error_type(&function) {
        errors.push(error);
    }
    scan::scan(
        &mut function.block.stmts,
        Context::Nursery,
        &args.krate(),
        &mut errors,
    );
    let body = scope_body(&args, &function);
    match syn::parse2::<syn::Block>(quote!({ #body })) {
        Ok(block) => {
            // Keep the user's braces: a body whose span is the macro's would
            // hide the function from `dead_code` (rust-lang/rust#53209).
            let braces = function.block.brace_token;
            *function.block = block;
            function.block.brace_token = braces;
        }
        // Only options that are not valid in a path (`crate = Self`) get
        // here: report it and keep the user's function as it is.
        Err(error) => errors.push(syn::Error::new(
            args.krate
                .as_ref()
                .map_or_else(proc_macro2::Span::call_site, syn::spanned::Spanned::span),
            format!("cannot generate the scope with this `crate = …` path: {error}"),
        )),
    }
    let errors = errors.to_compile_errors();
    quote!(#errors #function)
}

/// The message for a non-async fn, with the attribute order when the fn was
/// produced by `#[tokio::main]` / `#[tokio::test]`.
fn not_async(function: &ItemFn) -> syn::Error {
    let span = function.sig.fn_token.span;
    if mentions_block_on(function.block.to_token_stream()) {
        syn::Error::new(
            span,
            "`#[nursery]` must come before (above) `#[tokio::main]` / `#[tokio::test]`: \
             they turn the `async fn` into a plain `fn` before `#[nursery]` sees it. \
             Write `#[nursery]` first, then `#[tokio::main]` or `#[tokio::test]`",
        )
    } else {
        syn::Error::new(
            span,
            "`#[nursery]` goes on an `async fn`: add `async` before `fn` \
             (the scope awaits its tasks, so the function must be async)",
        )
    }
}

fn mentions_block_on(tokens: TokenStream) -> bool {
    tokens.into_iter().any(|token| match token {
        TokenTree::Ident(ident) => ident == "block_on",
        TokenTree::Group(group) => mentions_block_on(group.stream()),
        _ => false,
    })
}

/// The error type `E` of a return type `Result<T, E>` (or
/// `Result<T, Errors<E>>`) that borrows (a lifetime other than `'static`, or
/// an elided reference): the scope keeps its error until it returns and
/// receives it from tasks on other threads, so it must be `'static`.
fn borrowed_error_type(function: &ItemFn) -> Option<syn::Error> {
    let ReturnType::Type(_, ty) = &function.sig.output else {
        return None;
    };
    let error = result_error(ty)?;
    let error = match result_error_in_errors(error) {
        Some(inner) => inner,
        None => error,
    };
    if !borrows(error) {
        return None;
    }
    Some(syn::Error::new_spanned(
        error,
        "the scope's error type must be `'static`: a task's error reaches the scope from \
         another thread and is kept until the scope returns, so it cannot borrow. Return an \
         owned error (`String`, `Box<dyn std::error::Error + Send + Sync>`, your own error \
         type), e.g. `.map_err(|e| e.to_owned())`",
    ))
}

/// `E` in a path type `…Result<T, E>`.
fn result_error(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident != "Result" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.iter().collect::<Vec<_>>()[..] {
        [syn::GenericArgument::Type(_), syn::GenericArgument::Type(error)] => Some(error),
        _ => None,
    }
}

/// `E` in `Errors<E>`.
fn result_error_in_errors(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match (
        last.ident == "Errors",
        &args.args.iter().collect::<Vec<_>>()[..],
    ) {
        (true, [syn::GenericArgument::Type(error)]) => Some(error),
        _ => None,
    }
}

/// A lifetime other than `'static`, or a reference without one.
fn borrows(ty: &Type) -> bool {
    struct Finds(bool);
    impl<'ast> syn::visit::Visit<'ast> for Finds {
        fn visit_lifetime(&mut self, lifetime: &'ast syn::Lifetime) {
            self.0 |= lifetime.ident != "static";
        }
        fn visit_type_reference(&mut self, reference: &'ast syn::TypeReference) {
            self.0 |= reference.lifetime.is_none();
            syn::visit::visit_type_reference(self, reference);
        }
    }
    let mut finds = Finds(false);
    syn::visit::Visit::visit_type(&mut finds, ty);
    finds.0
}

/// Replaces `impl Trait` with `_` so the return type can annotate a `let`.
struct InferImplTrait;

impl VisitMut for InferImplTrait {
    fn visit_type_mut(&mut self, ty: &mut Type) {
        if let Type::ImplTrait(impl_trait) = ty {
            *ty = Type::Infer(syn::TypeInfer {
                underscore_token: syn::Token![_](syn::spanned::Spanned::span(impl_trait)),
            });
            return;
        }
        visit_mut::visit_type_mut(self, ty);
    }
}

/// `Result<T, E>` from `Result<T, Errors<E>>` (any path ending in
/// `Errors`).
fn collected_inner(ty: &Type) -> Option<Type> {
    let Type::Path(path) = ty else {
        return None;
    };
    let result = path.path.segments.last()?;
    let syn::PathArguments::AngleBracketed(args) = &result.arguments else {
        return None;
    };
    let [syn::GenericArgument::Type(value), syn::GenericArgument::Type(Type::Path(errors))] =
        args.args.iter().collect::<Vec<_>>()[..]
    else {
        return None;
    };
    let errors = errors.path.segments.last()?;
    if result.ident != "Result" || errors.ident != "Errors" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(inner) = &errors.arguments else {
        return None;
    };
    let [syn::GenericArgument::Type(error)] = inner.args.iter().collect::<Vec<_>>()[..] else {
        return None;
    };
    let mut result = path.clone();
    let last = result.path.segments.last_mut()?;
    last.arguments = syn::PathArguments::AngleBracketed(syn::parse_quote!(<#value, #error>));
    Some(Type::Path(result))
}

fn scope_body(args: &args::Args, function: &ItemFn) -> TokenStream {
    let names = Names::new();
    let Names {
        scope, mode, ret, ..
    } = &names;
    let krate = args.krate();
    let imports = imports(&krate);
    let scoped = uses_scoped(function.block.to_token_stream());
    let macros = local_macros(args, &names, scoped);
    let ident_span = function.sig.ident.span();
    let location = quote_spanned!(ident_span=> #krate::__private::Location::caller());
    let options = args.options(location);
    let deadline_check = args.deadline_check(scope);

    let mut ret_ty: Type = match &function.sig.output {
        ReturnType::Default => syn::parse_quote!(()),
        ReturnType::Type(_, ty) => (**ty).clone(),
    };
    InferImplTrait.visit_type_mut(&mut ret_ty);
    // `errors = all`: the function returns `Result<T, Errors<E>>`, the body
    // is typed `Result<T, E>` (its `?` converts into `E`).
    let mut run = args.run_method();
    let mut wrong_return = TokenStream::new();
    if args.errors_all.is_some() {
        match collected_inner(&ret_ty) {
            Some(inner) => ret_ty = inner,
            None => {
                wrong_return = syn::Error::new_spanned(
                    &ret_ty,
                    "with `errors = all` the function returns `Result<T, taskgroup::Errors<E>>`: \
                     every error, each converted into `E`",
                )
                .to_compile_error();
                run = Ident::new("run", Span::call_site());
            }
        }
    }
    // The mode (fallible or plain) comes from the declared return type, so
    // the scope's error type is known while the body is type-checked. A
    // return type that is entirely `impl Trait` is not a `Result`.
    let mode_value = if matches!(ret_ty, Type::Infer(_)) {
        quote!((&#krate::__private::ModeProbe::<_>::new()).__tg_mode())
    } else {
        quote!((&&&#krate::__private::ModeProbe::<#ret_ty>::new()).__tg_mode())
    };

    let stmts = &function.block.stmts;
    let body = quote! {
        async {
            let #ret: #ret_ty = { #(#stmts)* };
            #[allow(unreachable_code)]
            #ret
        }
    };
    let (scoped_set, body) = scoped_parts(&krate, &names, body, scoped);
    let run = args.run_call(&run, quote!(#mode.#run(&#scope, #body)));
    quote! {
        #imports
        let #mode = #mode_value;
        let #scope = #mode.open(#options);
        #scoped_set
        #deadline_check
        #macros
        // Bound before the tail: a temporary in the tail expression would be
        // dropped after the scope (`tail_expr_drop_order`).
        #wrong_return
        let #ret = #run.await;
        #ret
    }
}
