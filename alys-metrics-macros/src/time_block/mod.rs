//! `#[time_block]`: parse -> validate -> expand.
//
// Input:
//     #[time_block(validation, validator = self.id)]
//     fn validate(&self, block: &Block) -> Result<(), Invalid> { BODY }
// Output:
//     fn validate(&self, block: &Block) -> Result<(), Invalid> {
//         let __alys_guard = ::alys_metrics::__private::time_block::Guard::enter(
//             ::alys_metrics::__private::time_block::Resolved::validation(&(self.id)), // spanned on `self.id`
//         );
//         let __alys_out = ::alys_metrics::__private::time_block::call_once(move || { BODY });
//         #[allow(unused_braces)]
//         let __alys_out = __alys_guard.finish_validation({ __alys_out });          // spanned on the return type
//         __alys_out
//     }
//
// Input:
//     #[time_block(production, validator = self.id)]
//     async fn produce(&self) -> Block { BODY }
// Output:
//     async fn produce(&self) -> Block {
//         let __alys_target = ::alys_metrics::__private::time_block::Resolved::production(&(self.id));
//         let __alys_fut = ::core::pin::pin!(async move { BODY });
//         #[allow(unused_braces)]
//         let __alys_fut = ::alys_metrics::__private::time_block::Timed::production(__alys_target, { __alys_fut });
//         __alys_fut.await
//     }
//
// A sync production ends in `__alys_guard.finish(call_once(move || { BODY }))`.
//
// Input (what `#[async_trait]` makes of an `async fn`):
//     fn produce<'a>(&'a self) -> Pin<Box<dyn Future<Output = Block> + Send + 'a>> {
//         Box::pin(async move { BODY })
//     }
// Output: the validator is resolved in the outer function, the inner future is timed:
//     fn produce<'a>(&'a self) -> Pin<Box<dyn Future<Output = Block> + Send + 'a>> {
//         let __alys_target = ..Resolved::production(&(self.id));
//         Box::pin(async move {
//             let __alys_fut = ::core::pin::pin!(async move { BODY });
//             ..Timed::production(__alys_target, { __alys_fut }).await
//         })
//     }
//
// The locals are `Span::mixed_site()`: the body cannot see them, nor they the body's.

mod ast;

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{AttrStyle, Expr, ExprAsync, ItemFn, ReturnType, Stmt, Type};

use crate::util::Errors;
use ast::{Args, TimerKind};

pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let func: ItemFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(_) => return not_a_function(item),
    };
    let args = match syn::parse2::<Args>(args) {
        Ok(a) => a,
        Err(e) => {
            // `Args` collects its errors; this is only reached on an internal parse failure.
            return fallback(&func, e.into_compile_error());
        }
    };
    let mut errors = args.errors;
    let shape = validate(&func, args.kind.map(|(k, _)| k), &mut errors);
    match (args.kind, args.validator, shape) {
        (Some((kind, _)), Some(validator), Some(shape)) if errors.is_empty() => {
            emit(&func, kind, &validator.expr, shape)
        }
        (Some((_, kind_span)), None, _) if errors.is_empty() => {
            errors.error(
                kind_span,
                "missing `validator = <expr>`: block timings are labelled by validator, \
                 e.g. `#[time_block(production, validator = self.id)]`",
            );
            fallback(&func, errors.into_compile_error())
        }
        _ => fallback(&func, errors.into_compile_error()),
    }
}

/// How the function's work runs, which decides what is timed.
enum Shape<'a> {
    /// A plain function: its body.
    Sync,
    /// An `async fn`: its future.
    Async,
    /// The `Box::pin(async move { .. })` that `#[async_trait]` makes of an `async fn`: the
    /// inner future.
    BoxedAsync {
        call: &'a syn::ExprCall,
        block: &'a ExprAsync,
    },
}

fn not_a_function(item: TokenStream) -> TokenStream {
    let msg = "`#[time_block]` times a function or method with a body";
    let err = if let Ok(f) = syn::parse2::<syn::TraitItemFn>(item.clone()) {
        // A trait method declared without a body (one with a body parses as `ItemFn`).
        syn::Error::new(
            f.semi_token.map_or_else(|| f.sig.ident.span(), |s| s.span),
            format!(
                "{msg}; `{}` has no body here: put the attribute on the method in each `impl`",
                f.sig.ident
            ),
        )
    } else if let Ok(item) = syn::parse2::<syn::Item>(item.clone()) {
        let (span, what) = match &item {
            syn::Item::Struct(s) => (s.struct_token.span, "a struct"),
            syn::Item::Enum(e) => (e.enum_token.span, "an enum"),
            syn::Item::Const(c) => (c.const_token.span, "a `const`"),
            syn::Item::Static(s) => (s.static_token.span, "a `static`"),
            syn::Item::Impl(i) => (i.impl_token.span, "an `impl` block"),
            syn::Item::Trait(t) => (t.trait_token.span, "a trait"),
            syn::Item::Mod(m) => (m.mod_token.span, "a module"),
            syn::Item::Type(t) => (t.type_token.span, "a type alias"),
            _ => (item.span(), "this item"),
        };
        let hint = if matches!(item, syn::Item::Impl(_)) {
            "; put it on the method to time"
        } else {
            ""
        };
        syn::Error::new(span, format!("{msg}; it cannot be applied to {what}{hint}"))
    } else {
        syn::Error::new(
            item.clone()
                .into_iter()
                .next()
                .map_or_else(Span::call_site, |t| t.span()),
            format!("{msg}; it cannot be applied to this item"),
        )
    };
    let err = err.into_compile_error();
    quote!(#err #item)
}

fn validate<'a>(
    func: &'a ItemFn,
    kind: Option<TimerKind>,
    errors: &mut Errors,
) -> Option<Shape<'a>> {
    let sig = &func.sig;
    if let Some(c) = &sig.constness {
        errors.error(
            c.span,
            "`#[time_block]` cannot time a `const fn`: there is no clock at compile time; remove `const` or the attribute",
        );
        return None;
    }
    if let Some((call, block)) = boxed_async(func) {
        if sig.asyncness.is_none() {
            return Some(Shape::BoxedAsync { call, block });
        }
    }
    if let (None, ReturnType::Type(_, ty)) = (&sig.asyncness, &sig.output) {
        if returns_future(ty) {
            errors.error(
                ty.span(),
                "this function returns a future without being `async`: `#[time_block]` would time only the creation \
                 of the future, not its work; write it as an `async fn`",
            );
            return None;
        }
    }
    if kind == Some(TimerKind::Validation) && matches!(sig.output, ReturnType::Default) {
        errors.error(
            sig.ident.span(),
            format!(
                "`#[time_block(validation)]` needs a return value that tells success from failure: `{}` returns nothing; \
                 return `Result<_, _>` or `bool`, or use `#[time_block(production, ..)]`",
                sig.ident
            ),
        );
        return None;
    }
    Some(if sig.asyncness.is_some() {
        Shape::Async
    } else {
        Shape::Sync
    })
}

/// `-> impl Future<..>` or `-> impl IntoFuture<..>`.
fn returns_future(ty: &Type) -> bool {
    match ty {
        Type::ImplTrait(t) => t.bounds.iter().any(|b| match b {
            syn::TypeParamBound::Trait(t) => t
                .path
                .segments
                .last()
                .is_some_and(|s| s.ident == "Future" || s.ident == "IntoFuture"),
            _ => false,
        }),
        Type::Paren(p) => returns_future(&p.elem),
        Type::Group(g) => returns_future(&g.elem),
        _ => false,
    }
}

/// The body `{ Box::pin(async move { .. }) }` of a function `#[async_trait]` rewrote.
fn boxed_async(func: &ItemFn) -> Option<(&syn::ExprCall, &ExprAsync)> {
    let [Stmt::Expr(Expr::Call(call), None)] = func.block.stmts.as_slice() else {
        return None;
    };
    let Expr::Path(path) = &*call.func else {
        return None;
    };
    let segs: Vec<String> = path
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    if !segs.ends_with(&["Box".to_owned(), "pin".to_owned()]) || call.args.len() != 1 {
        return None;
    }
    match call.args.first() {
        Some(Expr::Async(block)) if block.capture.is_some() => Some((call, block)),
        _ => None,
    }
}

fn emit(func: &ItemFn, kind: TimerKind, validator: &Expr, shape: Shape<'_>) -> TokenStream {
    let outer = func
        .attrs
        .iter()
        .filter(|a| matches!(a.style, AttrStyle::Outer));
    let inner = func
        .attrs
        .iter()
        .filter(|a| matches!(a.style, AttrStyle::Inner(_)));
    let vis = &func.vis;
    let sig = &func.sig;
    let block = &func.block;
    let ret_span = match &sig.output {
        ReturnType::Type(_, ty) => ty.span(),
        ReturnType::Default => sig.ident.span(),
    };
    let kind_fn = syn::Ident::new(kind.as_str(), Span::call_site());
    // Spanned on the user's expression: a type that cannot name a validator is reported there.
    let target = quote_spanned! {validator.span()=>
        ::alys_metrics::__private::time_block::BlockTimerTarget::#kind_fn(&(#validator))
    };
    let guard = syn::Ident::new("__alys_guard", Span::mixed_site());
    let resolved = syn::Ident::new("__alys_target", Span::mixed_site());
    // Hygienic locals, passed inside braces spanned on the return type: a value that is not a
    // validation outcome is reported there, on the user's token (a span of the macro's own
    // context would be reported on the attribute).
    let out = syn::Ident::new("__alys_out", Span::mixed_site());
    let fut = syn::Ident::new("__alys_fut", Span::mixed_site());
    let timed = quote_spanned! {ret_span=>
        ::alys_metrics::__private::time_block::Timed::#kind_fn(#resolved, { #fut })
    };
    let body = match (shape, kind) {
        (Shape::Sync, TimerKind::Production) => quote! {
            let #guard = ::alys_metrics::__private::time_block::Guard::enter(#target);
            #guard.finish(::alys_metrics::__private::time_block::call_once(move || #block))
        },
        (Shape::Sync, TimerKind::Validation) => {
            let finish = quote_spanned!(ret_span=> #guard.finish_validation({ #out }));
            quote! {
                let #guard = ::alys_metrics::__private::time_block::Guard::enter(#target);
                let #out = ::alys_metrics::__private::time_block::call_once(move || #block);
                #[allow(unused_braces)]
                let #out = #finish;
                #out
            }
        }
        (Shape::Async, _) => quote! {
            let #resolved = #target;
            let #fut = ::core::pin::pin!(async move #block);
            #[allow(unused_braces)]
            let #fut = #timed;
            #fut.await
        },
        (Shape::BoxedAsync { call, block: inner }, _) => {
            let func_path = &call.func;
            quote! {
                let #resolved = #target;
                #func_path(async move {
                    let #fut = ::core::pin::pin!(#inner);
                    #[allow(unused_braces)]
                    let #fut = #timed;
                    #fut.await
                })
            }
        }
    };
    quote! {
        #(#outer)*
        #vis #sig {
            #(#inner)*
            #body
        }
    }
}

/// On error: the errors, and the function unchanged, so that its callers see no errors of
/// their own.
fn fallback(func: &ItemFn, errors: TokenStream) -> TokenStream {
    quote! {
        #errors
        #func
    }
}
