//! Writing out a validated declaration: the static, its descriptor, the cardinality check and
//! the registration.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::ast::{MetricKind, StaticItem};
use super::valid::Metric;

/// The declared value type, named through `__private::ValueType` on the user's token: itself
/// for a metric value type, one error there for any other type.
pub fn value_type(ty: &syn::Type) -> TokenStream {
    quote_spanned!(ty.span()=> <#ty as ::alys_metrics::__private::ValueType>::Type)
}

pub fn emit(item: &StaticItem, m: &Metric) -> TokenStream {
    let StaticItem {
        attrs,
        vis,
        static_token,
        ident,
        ..
    } = item;
    let cfgs: Vec<_> = item.cfgs().collect();
    let core = value_type(&item.ty);
    let tys: Vec<&TokenStream> = m.labels.iter().map(|l| &l.ty).collect();
    let label_names: Vec<&str> = m.labels.iter().map(|l| l.name.as_str()).collect();
    let label_types: Vec<&TokenStream> = m.labels.iter().map(|l| &l.ty_desc).collect();
    let name = &m.name;
    let help = &m.help;
    let kind = format_ident!(
        "{}",
        match m.kind {
            MetricKind::Counter => "Counter",
            MetricKind::Gauge => "Gauge",
            MetricKind::Histogram => "Histogram",
        }
    );
    let buckets = if m.kind == MetricKind::Histogram && m.buckets.is_empty() {
        quote!(::alys_metrics::__private::DEFAULT_BUCKETS)
    } else {
        let b = m
            .buckets
            .iter()
            .map(|v| proc_macro2::Literal::f64_suffixed(*v));
        quote!(&[#(#b),*])
    };
    let ident_str = ident.to_string();
    let desc = syn::Ident::new("__ALYS_DESCRIPTOR", proc_macro2::Span::mixed_site());
    let label_doc = if label_names.is_empty() {
        String::new()
    } else {
        format!(
            " with labels {}",
            label_names
                .iter()
                .map(|l| format!("`{l}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let doc = format!("Exported as `{name}` ({}){label_doc}.", m.kind.as_str());
    let cardinality_msg = format!(
        "metric `{name}` has more series than `alys_metrics::MAX_CARDINALITY` allows: the product of the \
         value counts of its labels ({}) is too large; drop a label or lower a `dynamic(max = ..)` cap",
        label_names.join(" x ")
    );
    let around = m.around;
    let set = quote_spanned!(around=> (#(#tys,)*));
    let static_ty = quote_spanned!(around=> ::alys_metrics::__private::Metric<#core, #set>);
    // The declared type is checked by its kind, whatever its name, on the user's token.
    let kind_check = quote_spanned! {item.ty.span()=>
        if let ::core::option::Option::Some(msg) = ::alys_metrics::__private::kind_mismatch(
            ::alys_metrics::__private::Kind::#kind,
            <#core as ::alys_metrics::__private::MetricCore>::KIND,
        ) {
            ::core::panic!("{}", msg);
        }
    };
    let card_check = quote_spanned! {m.labels_span=>
        ::core::assert!(
            <#set as ::alys_metrics::__private::LabelSet>::CARDINALITY <= ::alys_metrics::__private::MAX_CARDINALITY,
            #cardinality_msg
        );
    };
    let (constructor, native_arg) = match m.native {
        Some((schema, max)) => (
            quote!(new_native),
            quote!(, ::alys_metrics::__private::NativeConfig::new(#schema, #max)),
        ),
        None => (quote!(new), quote!()),
    };
    quote! {
        #(#attrs)*
        #[doc = ""]
        #[doc = #doc]
        #vis #static_token #ident: #static_ty = {
            const #desc: ::alys_metrics::__private::Descriptor =
                ::alys_metrics::__private::Descriptor::new(#name, #help, ::alys_metrics::__private::Kind::#kind)
                    .labels(&[#(#label_names),*], &[#(#label_types),*])
                    .buckets(#buckets)
                    .declared_at(
                        ::core::concat!(::core::module_path!(), "::", #ident_str),
                        ::core::file!(),
                        ::core::line!(),
                    );
            ::alys_metrics::__private::Metric::#constructor(&#desc #native_arg)
        };
        #(#cfgs)*
        const _: () = {
            #kind_check
            #card_check
            ::alys_metrics::__private::inventory::submit! {
                ::alys_metrics::__private::Registration(&#ident)
            }
        };
    }
}
