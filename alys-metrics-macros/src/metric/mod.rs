//! `#[alys_metric]`: parse -> validate -> expand.
//
// Input:
//     /// Total migration errors encountered.
//     #[alys_metric(counter, labels(phase, error_type))]
//     pub static MIGRATION_ERRORS: Counter;
// Output:
//     /// Total migration errors encountered.
//     pub static MIGRATION_ERRORS: ::alys_metrics::__private::Metric<
//         ::alys_metrics::__private::Counter,
//         (::alys_metrics::labels::MigrationPhase, ::alys_metrics::labels::ErrorType),
//     > = ::alys_metrics::__private::Metric::new(&Descriptor { name: "alys_migration_errors_total", .. });
//     const _: () = {
//         assert!(<(..) as LabelSet>::CARDINALITY <= MAX_CARDINALITY, "..");   // spanned on labels(..)
//         inventory::submit! { Registration(&MIGRATION_ERRORS) }
//     };

mod ast;
mod labels;
mod names;

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;

use crate::util::{closest, Errors};
use ast::{Args, Buckets, LabelTy, MetricKind, StaticItem};

pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let item_ast: StaticItem = match syn::parse2(item.clone()) {
        Ok(i) => i,
        Err(_) => return not_a_static(item),
    };
    let mut errors = Errors::default();
    let args: Option<Args> = match syn::parse2(args) {
        Ok(a) => Some(a),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let metric = validate(args.as_ref(), &item_ast, &mut errors);
    match metric {
        Some(m) if errors.is_empty() => emit(&item_ast, &m),
        partial => fallback(&item_ast, partial.as_ref(), errors),
    }
}

/// The validated declaration.
struct Metric {
    kind: MetricKind,
    core: syn::Ident,
    name: String,
    help: String,
    labels: Vec<Label>,
    labels_span: Span,
    buckets: Vec<f64>,
}

struct Label {
    name: String,
    /// The label's Rust type, spanned on the user's tokens.
    ty: TokenStream,
    /// How the catalogue describes the type.
    ty_desc: String,
    /// A user type that must implement `LabelValue`.
    custom: Option<Box<syn::Type>>,
}

fn not_a_static(item: TokenStream) -> TokenStream {
    let (span, what) = match syn::parse2::<syn::Item>(item.clone()) {
        Ok(syn::Item::Fn(f)) => (f.sig.fn_token.span, "a function"),
        Ok(syn::Item::Struct(s)) => (s.struct_token.span, "a struct"),
        Ok(syn::Item::Enum(e)) => (e.enum_token.span, "an enum"),
        Ok(syn::Item::Const(c)) => (c.const_token.span, "a `const`"),
        Ok(syn::Item::Impl(i)) => (i.impl_token.span, "an `impl` block"),
        Ok(syn::Item::Mod(m)) => (m.mod_token.span, "a module"),
        Ok(syn::Item::Type(t)) => (t.type_token.span, "a type alias"),
        _ => (
            item.clone()
                .into_iter()
                .next()
                .map_or_else(Span::call_site, |t| t.span()),
            "this item",
        ),
    };
    let err = syn::Error::new(
        span,
        format!(
            "`#[alys_metric]` cannot be applied to {what}: it declares a metric on a `static NAME: Kind;` item, \
             e.g. `#[alys_metric(counter)] pub static REQUESTS: Counter;`"
        ),
    )
    .into_compile_error();
    quote!(#err #item)
}

fn validate(args: Option<&Args>, item: &StaticItem, errors: &mut Errors) -> Option<Metric> {
    if let Some(m) = &item.mutability {
        errors.error(m.span, "a metric cannot be `static mut`: its methods take `&self` and are thread-safe; remove `mut`");
    }
    if let Some((eq, _)) = &item.init {
        errors.error(
            eq.span,
            "remove the initialiser: `#[alys_metric]` writes it; declare `static NAME: Kind;`",
        );
    }
    let help = doc_text(&item.attrs);
    if help.is_empty() {
        errors.error(
            item.ident.span(),
            format!(
                "metric `{}` has no doc comment: the doc comment is its HELP text; add `/// What it measures.` above the static",
                item.ident
            ),
        );
    }
    let declared = declared_core(&item.ty);
    let args = args?;
    let (kind, kind_span) = args.kind?;
    let core = match check_core(kind, &item.ty, declared.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            errors.push(e);
            match kind {
                MetricKind::Counter => "Counter",
                MetricKind::Gauge => "Gauge",
                MetricKind::Histogram => "Histogram",
            }
        }
    };
    let _ = kind_span;

    let unit = args.unit.as_ref().map(|u| (u.value(), u.span()));
    if let Some((u, span)) = &unit {
        if u.is_empty()
            || !u
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            errors.error(
                *span,
                format!("unit `{u}` must be lower-case snake_case, e.g. `seconds`, `bytes`"),
            );
        }
    }
    let name = match &args.name {
        Some(lit) => {
            let name = lit.value();
            if let Err(msg) = names::check(&name, kind) {
                errors.error(lit.span(), msg);
            }
            name
        }
        None => {
            let name = names::derive(
                &item.ident.to_string(),
                kind,
                unit.as_ref().map(|(u, _)| u.as_str()),
            );
            if let Err(msg) = names::check(&name, kind) {
                errors.error(
                    item.ident.span(),
                    format!("{msg} (derived from the static's name; set `name = \"..\"`)"),
                );
            }
            name
        }
    };

    let (labels_span, decls) = match &args.labels {
        Some((span, decls)) => (*span, decls.as_slice()),
        None => (item.ident.span(), &[][..]),
    };
    let labels = resolve_labels(decls, errors);
    if labels.len() > 6 {
        errors.error(labels_span, "a metric has at most 6 labels");
    }

    let buckets = match (&args.buckets, kind) {
        (Some(b), MetricKind::Histogram) => bucket_values(b, errors),
        (Some(b), _) => {
            errors.error(
                b.span(),
                format!(
                    "`buckets` belong to histograms; this metric is a `{}`",
                    kind.as_str()
                ),
            );
            Vec::new()
        }
        (None, _) => Vec::new(),
    };

    Some(Metric {
        kind,
        core: syn::Ident::new(core, item.ty.span()),
        name,
        help,
        labels,
        labels_span,
        buckets,
    })
}

/// The doc comment, lines trimmed and joined with spaces.
fn doc_text(attrs: &[syn::Attribute]) -> String {
    let mut lines = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("doc")) {
        if let syn::Meta::NameValue(nv) = &attr.meta {
            if let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) = &nv.value
            {
                let v = s.value();
                let t = v.trim();
                if !t.is_empty() {
                    lines.push(t.to_owned());
                }
            }
        }
    }
    lines.join(" ")
}

fn declared_core(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(p) if p.qself.is_none() => {
            p.path.segments.last().map(|s| s.ident.to_string())
        }
        _ => None,
    }
}

fn check_core(
    kind: MetricKind,
    ty: &syn::Type,
    declared: Option<&str>,
) -> syn::Result<&'static str> {
    let allowed: &[&'static str] = match kind {
        MetricKind::Counter => &["Counter", "FloatCounter"],
        MetricKind::Gauge => &["Gauge", "IntGauge"],
        MetricKind::Histogram => &["Histogram"],
    };
    let forms = match kind {
        MetricKind::Counter => "`Counter` (u64) or `FloatCounter` (f64)",
        MetricKind::Gauge => "`Gauge` (f64) or `IntGauge` (i64)",
        MetricKind::Histogram => "`Histogram`",
    };
    match declared.and_then(|d| allowed.iter().find(|a| **a == d)) {
        Some(core) => Ok(core),
        None => Err(syn::Error::new_spanned(
            ty,
            format!(
                "a `{}` is declared as {forms}, not `{}`",
                kind.as_str(),
                ty.to_token_stream().to_string().replace(' ', "")
            ),
        )),
    }
}

fn resolve_labels(decls: &[ast::LabelDecl], errors: &mut Errors) -> Vec<Label> {
    let mut out: Vec<Label> = Vec::new();
    let mut seen: Vec<(String, Span)> = Vec::new();
    for decl in decls {
        let name = decl.name.to_string();
        let span = decl.name.span();
        if let Some((_, first)) = seen.iter().find(|(n, _)| *n == name) {
            let mut e = syn::Error::new(
                span,
                format!("duplicate label `{name}`: each label appears once"),
            );
            e.combine(syn::Error::new(
                *first,
                format!("`{name}` first declared here"),
            ));
            errors.push(e);
            continue;
        }
        seen.push((name.clone(), span));
        if labels::RESERVED.contains(&name.as_str()) || name.starts_with("__") {
            errors.error(
                span,
                format!("`{name}` is a label name reserved by Prometheus; choose another"),
            );
            continue;
        }
        let label = match &decl.ty {
            Some(LabelTy::Type(ty)) => Label {
                name: name.clone(),
                ty: quote_spanned!(ty.span()=> #ty),
                ty_desc: ty.to_token_stream().to_string().replace(' ', ""),
                custom: Some(ty.clone()),
            },
            Some(LabelTy::Dynamic { span: dspan, max }) => {
                let Some(max) = max else {
                    errors.error(
                        *dspan,
                        format!("`dynamic` needs a cap so that remote input cannot grow memory: `{name}: dynamic(max = 256)`"),
                    );
                    continue;
                };
                match max.base10_parse::<usize>() {
                    Ok(0) => {
                        errors.error(max.span(), "`max` must be at least 1");
                        continue;
                    }
                    Ok(n) => Label {
                        name: name.clone(),
                        ty: quote_spanned!(max.span()=> ::alys_metrics::__private::Dynamic<#n>),
                        ty_desc: format!("dynamic(max = {n})"),
                        custom: None,
                    },
                    Err(e) => {
                        errors.push(e);
                        continue;
                    }
                }
            }
            None => match labels::standard(&name) {
                Some(ty) => {
                    let ty_ident = format_ident!("{}", ty, span = span);
                    Label {
                        name: name.clone(),
                        ty: quote_spanned!(span=> ::alys_metrics::labels::#ty_ident),
                        ty_desc: ty.to_owned(),
                        custom: None,
                    }
                }
                None => {
                    errors.error(span, unknown_label_message(&name));
                    continue;
                }
            },
        };
        out.push(label);
    }
    out
}

fn unknown_label_message(name: &str) -> String {
    if let Some((_, types)) = labels::TYPED.iter().find(|(n, _)| *n == name) {
        return format!(
            "the `{name}` label means something different on each metric: name its enum, e.g. `{name}: RejectionReason` (standard: {types})"
        );
    }
    if labels::FREE_FORM.contains(&name) {
        return format!(
            "`{name}` is a free-form string label: declare a cap, e.g. `{name}: dynamic(max = 256)`; values beyond it fold into \"other\""
        );
    }
    let hint = closest(name, labels::all_names())
        .map(|c| format!("did you mean `{c}`? "))
        .unwrap_or_default();
    format!(
        "unknown label `{name}`: {hint}standard labels are {}; or bind an enum that derives `LabelValue` (`{name}: MyEnum`), or a capped string (`{name}: dynamic(max = 100)`)",
        labels::standard_list()
    )
}

fn bucket_values(b: &Buckets, errors: &mut Errors) -> Vec<f64> {
    let values: Vec<(f64, Span)> = match b {
        Buckets::List { values, span } => {
            if values.is_empty() {
                errors.error(*span, "a histogram needs at least one bucket bound");
            }
            values.clone()
        }
        Buckets::Exponential {
            start,
            factor,
            count,
            ..
        } => {
            let n = count_of(count, errors);
            if start.value <= 0.0 {
                errors.error(start.span, "`exponential` needs a start above 0");
            }
            if factor.value <= 1.0 {
                errors.error(factor.span, "`exponential` needs a factor above 1");
            }
            (0..n)
                .map(|i| (start.value * factor.value.powi(i as i32), count.span()))
                .collect()
        }
        Buckets::Linear {
            start,
            width,
            count,
            ..
        } => {
            let n = count_of(count, errors);
            if width.value <= 0.0 {
                errors.error(width.span, "`linear` needs a width above 0");
            }
            (0..n)
                .map(|i| (start.value + width.value * i as f64, count.span()))
                .collect()
        }
    };
    for pair in values.windows(2) {
        let ((a, _), (b, bspan)) = (pair[0], pair[1]);
        if b <= a {
            errors.error(
                bspan,
                format!("bucket bounds must increase strictly: `{b}` follows `{a}`"),
            );
        }
    }
    for (v, span) in &values {
        if !v.is_finite() {
            errors.error(
                *span,
                "bucket bounds must be finite; `+Inf` is always added",
            );
        }
    }
    values.into_iter().map(|(v, _)| v).collect()
}

fn count_of(count: &syn::LitInt, errors: &mut Errors) -> usize {
    match count.base10_parse::<usize>() {
        Ok(n) if (1..=256).contains(&n) => n,
        _ => {
            errors.error(count.span(), "the bucket count must be between 1 and 256");
            0
        }
    }
}

fn emit(item: &StaticItem, m: &Metric) -> TokenStream {
    let StaticItem {
        attrs,
        vis,
        static_token,
        ident,
        ..
    } = item;
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
        "metric `{name}` has too many label combinations: the product of the value counts of its labels ({}) exceeds \
         alys_metrics::labels::MAX_CARDINALITY; drop a label or lower a `dynamic(max = ..)` cap",
        label_names.join(" x ")
    );
    let set = quote!((#(#tys,)*));
    let card_check = quote_spanned! {m.labels_span=>
        ::core::assert!(
            <#set as ::alys_metrics::__private::LabelSet>::CARDINALITY <= ::alys_metrics::__private::MAX_CARDINALITY,
            #cardinality_msg
        );
    };
    let custom_checks = m.labels.iter().filter_map(|l| l.custom.as_ref()).map(|ty| {
        quote_spanned! {ty.span()=>
            let _ = ::alys_metrics::__private::assert_label_value::<#ty>;
        }
    });
    quote! {
        #(#attrs)*
        #[doc = ""]
        #[doc = #doc]
        #vis #static_token #ident: ::alys_metrics::__private::Metric<::alys_metrics::__private::#core, #set> =
            ::alys_metrics::__private::Metric::new(&::alys_metrics::__private::Descriptor {
                name: #name,
                help: #help,
                kind: ::alys_metrics::__private::Kind::#kind,
                label_names: &[#(#label_names),*],
                label_types: &[#(#label_types),*],
                buckets: #buckets,
                rust_path: ::core::concat!(::core::module_path!(), "::", #ident_str),
                file: ::core::file!(),
                line: ::core::line!(),
            });
        const _: () = {
            #(#custom_checks)*
            #card_check
            ::alys_metrics::__private::inventory::submit! {
                ::alys_metrics::__private::Registration(&#ident)
            }
        };
    }
}

/// On error: the errors, plus the user's static with the best type that could be worked out
/// (not registered), so that uses of it do not add errors of their own.
fn fallback(item: &StaticItem, m: Option<&Metric>, errors: Errors) -> TokenStream {
    let StaticItem {
        attrs,
        vis,
        static_token,
        ident,
        ty,
        ..
    } = item;
    let errs = errors.into_compile_error();
    let core = m
        .map(|m| m.core.clone())
        .or_else(|| {
            declared_core(ty)
                .filter(|d| {
                    ["Counter", "FloatCounter", "Gauge", "IntGauge", "Histogram"]
                        .contains(&d.as_str())
                })
                .map(|d| syn::Ident::new(&d, ty.span()))
        })
        .unwrap_or_else(|| syn::Ident::new("Counter", ty.span()));
    let tys: Vec<&TokenStream> = m
        .map(|m| m.labels.iter().map(|l| &l.ty).collect())
        .unwrap_or_default();
    quote! {
        #errs
        #(#attrs)*
        #vis #static_token #ident: ::alys_metrics::__private::Metric<::alys_metrics::__private::#core, (#(#tys,)*)> =
            ::alys_metrics::__private::Metric::new(&::alys_metrics::__private::FALLBACK_DESCRIPTOR);
    }
}
