//! On any mistake: the errors, and the user's static under a type their code can still use, so
//! that one mistake is reported once.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::ast::StaticItem;
use super::expand::value_type;
use super::valid::Metric;
use crate::util::{describe_item, Errors};

/// The item is not a `static`: an error that says what it is, and the item unchanged; an item
/// syn cannot parse gets syn's own error.
pub fn not_a_static(item: TokenStream, parse_error: syn::Error) -> TokenStream {
    let err = match syn::parse2::<syn::Item>(item.clone()) {
        // A `static` that `StaticItem` refused: its own parser says why.
        Ok(syn::Item::Static(_)) | Err(_) => parse_error,
        Ok(parsed) => {
            let (span, what) = describe_item(&parsed);
            syn::Error::new(
                span,
                format!(
                    "`#[alys_metric]` cannot be applied to {what}: it declares a metric on a `static NAME: Kind;` item, \
                     e.g. `#[alys_metric(counter)] pub static REQUESTS: Counter;`"
                ),
            )
        }
    };
    let err = err.into_compile_error();
    quote!(#err #item)
}

/// On error: the errors, plus the user's static, never registered, under a type that accepts
/// what the user's code is likely to do with it, so that one mistake is reported once.
///
/// When the kind and every label resolved, that is the real `Metric<Core, (Labels..)>`.
/// Otherwise it is a stand-in that dereferences to the value type and whose `with` takes
/// one argument of any type per declared label:
//
//     pub struct __alys_metric_NAME(Metric<Counter>);
//     impl Deref for __alys_metric_NAME { type Target = Counter; .. }
//     impl __alys_metric_NAME { pub fn with<A0, A1>(&self, _: A0, _: A1) -> &Counter { .. } }
//     pub static NAME: __alys_metric_NAME = __alys_metric_NAME(Metric::new(&FALLBACK_DESCRIPTOR));
pub fn fallback(
    item: &StaticItem,
    m: Option<&Metric>,
    label_count: usize,
    errors: Errors,
) -> TokenStream {
    let StaticItem {
        attrs,
        vis,
        static_token,
        ident,
        ty,
        ..
    } = item;
    let errs = errors.into_compile_error();
    let cfgs: Vec<_> = item.cfgs().collect();
    // The type the user wrote: their code is written against it.
    let core = value_type(ty);
    let private = quote!(::alys_metrics::__private);
    let new = quote!(#private::Metric::new(&#private::FALLBACK_DESCRIPTOR));
    if let Some(m) = m.filter(|m| m.labels_complete) {
        let tys = m.labels.iter().map(|l| &l.ty);
        return quote! {
            #errs
            #(#attrs)*
            #vis #static_token #ident: #private::Metric<#core, (#(#tys,)*)> = #new;
        };
    }
    let wrapper = format_ident!("__alys_metric_{}", ident);
    let params: Vec<syn::Ident> = (0..label_count).map(|i| format_ident!("A{}", i)).collect();
    let with = (!params.is_empty()).then(|| {
        quote! {
            #(#cfgs)*
            #[allow(dead_code, clippy::all)]
            impl #wrapper {
                #vis fn with<#(#params),*>(&self, #(_: #params),*) -> &#core {
                    &self.0
                }
            }
        }
    });
    quote! {
        #errs
        #(#cfgs)*
        #[doc(hidden)]
        #[allow(non_camel_case_types, dead_code, missing_docs, unreachable_pub)]
        #vis struct #wrapper(#private::Metric<#core>);
        #(#cfgs)*
        impl ::core::ops::Deref for #wrapper {
            type Target = #core;
            fn deref(&self) -> &Self::Target {
                &self.0
            }
        }
        #with
        #(#attrs)*
        #vis #static_token #ident: #wrapper = #wrapper(#new);
    }
}
