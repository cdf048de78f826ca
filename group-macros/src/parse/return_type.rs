//! The declared return type of a `#[nursery]` function: the type the body is
//! checked against (`impl Trait` made `_`, `Errors<E>` unwrapped for
//! `errors = all`) and an error type that would borrow.

use syn::visit_mut::{self, VisitMut};
use syn::{ItemFn, ReturnType, Type};

/// The declared return type, `()` when there is none, with every `impl
/// Trait` replaced by `_` so that it can annotate a `let`.
pub(crate) fn body_type(function: &ItemFn) -> Type {
    let mut ty: Type = match &function.sig.output {
        ReturnType::Default => syn::parse_quote!(()),
        ReturnType::Type(_, ty) => (**ty).clone(),
    };
    InferImplTrait.visit_type_mut(&mut ty);
    ty
}

/// Replaces `impl Trait` with `_`.
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

/// The error type `E` of a return type `Result<T, E>` (or
/// `Result<T, Errors<E>>`) if it borrows (a lifetime other than `'static`,
/// or an elided reference): the scope keeps its error until it returns and
/// receives it from tasks on other threads, so it must be `'static`.
pub(crate) fn borrowed_error_type(function: &ItemFn) -> Option<&Type> {
    let ReturnType::Type(_, ty) = &function.sig.output else {
        return None;
    };
    let error = result_error(ty)?;
    let error = match result_error_in_errors(error) {
        Some(inner) => inner,
        None => error,
    };
    borrows(error).then_some(error)
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

/// `Result<T, E>` from `Result<T, Errors<E>>` (any path ending in
/// `Errors`): with `errors = all`, the type of the body, whose `?` converts
/// into `E`.
pub(crate) fn collected_inner(ty: &Type) -> Option<Type> {
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
