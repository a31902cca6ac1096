//! Writing out a validated declaration: the static, its descriptor, the cardinality check and
//! the registration.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};

use super::ast::{MetricKind, StaticItem};
use super::valid::Metric;

/// `tokens` with every span set to `span`.
pub fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tt| {
            if let proc_macro2::TokenTree::Group(g) = &tt {
                let mut group = proc_macro2::Group::new(g.delimiter(), respan(g.stream(), span));
                group.set_span(span);
                tt = proc_macro2::TokenTree::Group(group);
            } else {
                tt.set_span(span);
            }
            tt
        })
        .collect()
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
    let core = &m.core;
    let tys: Vec<&TokenStream> = m.labels.iter().map(|l| &l.ty).collect();
    let label_names: Vec<&str> = m.labels.iter().map(|l| l.name.as_str()).collect();
    let label_types: Vec<&str> = m.labels.iter().map(|l| l.ty_desc.as_str()).collect();
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
    let set = quote!((#(#tys,)*));
    let static_ty =
        quote!(::alys_metrics::__private::Metric<::alys_metrics::__private::#core, #set>);
    // A user type that is not a label makes every mention of the label set fail. Giving all
    // of them one span (the user's type, or `labels(..)` when there are several) lets rustc
    // report that once.
    let custom: Vec<Span> = m.labels.iter().filter_map(|l| l.custom).collect();
    let (static_ty, set) = match custom.as_slice() {
        [] => (static_ty, set),
        [one] => (respan(static_ty, *one), respan(set, *one)),
        _ => (respan(static_ty, m.labels_span), respan(set, m.labels_span)),
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
        #vis #static_token #ident: #static_ty =
            ::alys_metrics::__private::Metric::#constructor(&::alys_metrics::__private::Descriptor {
                name: #name,
                help: #help,
                kind: ::alys_metrics::__private::Kind::#kind,
                label_names: &[#(#label_names),*],
                label_types: &[#(#label_types),*],
                buckets: #buckets,
                rust_path: ::core::concat!(::core::module_path!(), "::", #ident_str),
                file: ::core::file!(),
                line: ::core::line!(),
            } #native_arg);
        #(#cfgs)*
        const _: () = {
            #card_check
            ::alys_metrics::__private::inventory::submit! {
                ::alys_metrics::__private::Registration(&#ident)
            }
        };
    }
}
