//! Writing out a timed function: the guard around a sync body, the timed future of an `async`
//! body or of `#[async_trait]`'s boxed future.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{AttrStyle, ItemFn, ReturnType};

use super::ast::TimerKind;
use super::valid::{Shape, Timed};

pub fn emit(func: &ItemFn, timed: &Timed<'_>) -> TokenStream {
    let Timed {
        kind,
        validator,
        shape,
    } = timed;
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
    let body = match (shape, *kind) {
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
