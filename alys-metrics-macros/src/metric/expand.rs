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
        "metric `{name}` has more series than `alys_metrics::labels::MAX_CARDINALITY` allows: the product of the \
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
    let named = m
        .named
        .as_ref()
        .map(|n| named_labels(item, m, n, &core, &set));
    let valid_fn = m.combinations.as_ref().map(|path| valid_fn(m, path));
    let card_check = match &valid_fn {
        None => quote_spanned! {m.labels_span=>
            ::core::assert!(
                <#set as ::alys_metrics::__private::LabelSet>::CARDINALITY <= ::alys_metrics::__private::MAX_CARDINALITY,
                #cardinality_msg
            );
        },
        Some(valid) => {
            let reachable_msg = format!(
                "metric `{name}` has more series than `alys_metrics::labels::MAX_CARDINALITY` allows: its declared \
                 combinations times the slots of its dynamic labels are too many; declare fewer \
                 combinations or lower a `dynamic(max = ..)` cap"
            );
            let children_msg = format!(
                "metric `{name}` holds more children than `alys_metrics::labels::MAX_CHILDREN` allows: the product \
                 of the value counts of its labels ({}) is too large, even though only its declared \
                 combinations are exported; drop a label or lower a `dynamic(max = ..)` cap",
                label_names.join(" x ")
            );
            let arity = m.labels.len();
            let tys = &tys;
            quote_spanned! {m.labels_span=>
                #valid
                // The declared combinations, counted over every child: what can be exported.
                const __ALYS_REACHABLE: usize = {
                    let sizes: [usize; #arity] = [#(<#tys as ::alys_metrics::__private::LabelDim>::SIZE),*];
                    let total = <#set as ::alys_metrics::__private::LabelSet>::CARDINALITY;
                    let mut reachable = 0usize;
                    let mut index = 0usize;
                    while index < total {
                        let mut slots = [0usize; #arity];
                        let mut rest = index;
                        let mut dim = #arity;
                        while dim > 0 {
                            dim -= 1;
                            slots[dim] = rest % sizes[dim];
                            rest /= sizes[dim];
                        }
                        if __alys_valid(&slots) {
                            reachable += 1;
                        }
                        index += 1;
                    }
                    reachable
                };
                ::core::assert!(
                    __ALYS_REACHABLE <= ::alys_metrics::__private::MAX_CARDINALITY,
                    #reachable_msg
                );
                ::core::assert!(
                    <#set as ::alys_metrics::__private::LabelSet>::CARDINALITY <= ::alys_metrics::__private::MAX_CHILDREN,
                    #children_msg
                );
            }
        }
    };
    let (constructor, native_arg) = match m.native {
        Some((schema, max)) => (
            quote!(new_native),
            quote!(, ::alys_metrics::__private::NativeConfig::new(#schema, #max)),
        ),
        None => (quote!(new), quote!()),
    };
    let mut options = TokenStream::new();
    if valid_fn.is_some() {
        options.extend(quote!(.combinations(__alys_valid)));
    }
    if m.dynamic_tuples {
        options.extend(quote!(.dynamic_tuples()));
    }
    // A method call after the constructor needs the type spelt out; without one it is
    // inferred from the static's type (one error for a bad label type, not two).
    let metric_ty = if options.is_empty() {
        quote!(::alys_metrics::__private::Metric)
    } else {
        quote!(<#static_ty>)
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
            #valid_fn
            #metric_ty::#constructor(&#desc #native_arg) #options
        };
        #named
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

// Input: `#[alys_metric(counter, labels(peer: dynamic(max = 64), method: dynamic(max = 32)),
//         named = RpcRequestLabels)] pub static RPC_REQUESTS: Counter;`
// Output, beside the static:
//     pub struct RpcRequestLabels<'a> {
//         pub peer: <Dynamic<64> as LabelDim>::Input<'a>,     // `&'a str`
//         pub method: <Dynamic<32> as LabelDim>::Input<'a>,
//     }
//     impl<'a> NamedLabels<Counter, (Dynamic<64>, Dynamic<32>)> for RpcRequestLabels<'a> {
//         fn child(self, metric: &Metric<..>) -> &Counter { metric.with(self.peer, self.method) }
//     }
/// The struct of `named = Name`: one public field per label, so that a call site gives the
/// values by name (`RPC_REQUESTS.with_named(RpcRequestLabels { peer, method })`).
fn named_labels(
    item: &StaticItem,
    m: &Metric,
    name: &syn::Ident,
    core: &TokenStream,
    set: &TokenStream,
) -> TokenStream {
    let vis = &item.vis;
    let ident = &item.ident;
    let cfgs: Vec<_> = item.cfgs().collect();
    let fields: Vec<syn::Ident> = m
        .labels
        .iter()
        .filter_map(|l| crate::util::path_segment(&l.name, name.span()))
        .collect();
    let tys = m.labels.iter().map(|l| &l.ty);
    let docs = m.labels.iter().map(|l| format!("The `{}` label.", l.name));
    let doc =
        format!("The label values of [`{ident}`] by name: `{ident}.with_named({name} {{ .. }})`.");
    let private = quote!(::alys_metrics::__private);
    quote! {
        #(#cfgs)*
        #[doc = #doc]
        #vis struct #name<'a> {
            #(
                #[doc = #docs]
                pub #fields: <#tys as #private::LabelDim>::Input<'a>,
            )*
        }
        #(#cfgs)*
        impl<'a> #private::NamedLabels<#core, #set> for #name<'a> {
            #[inline(always)]
            fn child(self, metric: &#private::Metric<#core, #set>) -> &#core {
                metric.with(#(self.#fields),*)
            }
        }
    }
}

// Input: `labels(actor: dynamic(max = 32), from_state: ActorState, to_state: ActorState),
//         combinations = edge`
// Output: `const fn __alys_valid(slots: &[usize]) -> bool {
//              edge(<ActorState as LabelValue>::VALUES[slots[1]], <.. as LabelValue>::VALUES[slots[2]])
//          }`
/// The predicate over a child's label slots that `Metric::combinations` takes: the user's
/// `const fn` called with the value of each enum label (dynamic labels are skipped).
fn valid_fn(m: &Metric, path: &syn::Path) -> TokenStream {
    let args = m
        .labels
        .iter()
        .enumerate()
        .filter(|(_, l)| !l.is_dynamic())
        .map(|(i, l)| {
            let ty = &l.ty;
            quote!(<#ty as ::alys_metrics::__private::LabelValue>::VALUES[slots[#i]])
        });
    let call = quote_spanned!(path.span()=> #path(#(#args),*));
    quote! {
        #[allow(clippy::indexing_slicing)]
        const fn __alys_valid(slots: &[usize]) -> bool {
            #call
        }
    }
}
