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
//     // A user enum `outcome: Outcome` appears as `<Outcome as __private::Label>::Type`.
//     const _: () = {
//         assert!(<(..) as LabelSet>::CARDINALITY <= MAX_CARDINALITY, "..");   // spanned on labels(..)
//         inventory::submit! { Registration(&MIGRATION_ERRORS) }
//     };
//
// On any error the output is the errors plus the user's static under a stand-in type
// (see `fallback`), so that one mistake is reported once and the code using the static
// adds no errors of its own.

mod ast;
mod labels;
mod names;

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;

use crate::util::{closest, Errors};
use ast::{Args, Buckets, LabelTy, MetricKind, StaticItem};

/// The value types a declaration may have, by kind.
const CORES: &[(MetricKind, &str, &str)] = &[
    (MetricKind::Counter, "Counter", "u64"),
    (MetricKind::Counter, "FloatCounter", "f64"),
    (MetricKind::Gauge, "Gauge", "f64"),
    (MetricKind::Gauge, "IntGauge", "i64"),
    (MetricKind::Histogram, "Histogram", "f64 observations"),
];

pub fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let item_ast: StaticItem = match syn::parse2(item.clone()) {
        Ok(i) => i,
        Err(_) => return not_a_static(item),
    };
    let mut errors = Errors::default();
    let (args_ast, label_count) = match syn::parse2::<Args>(args.clone()) {
        Ok(mut a) => {
            for e in a.errors.drain(..) {
                errors.push(e);
            }
            let n = a.label_count();
            (Some(a), n)
        }
        Err(e) => {
            errors.push(e);
            (None, ast::count_labels_in_raw_args(&args))
        }
    };
    let metric = validate(args_ast.as_ref(), &item_ast, &mut errors);
    match metric {
        Some(m) if errors.is_empty() => emit(&item_ast, &m),
        partial => fallback(&item_ast, partial.as_ref(), label_count, errors),
    }
}

/// The validated declaration.
struct Metric {
    kind: MetricKind,
    core: syn::Ident,
    name: String,
    help: String,
    labels: Vec<Label>,
    /// True when every declared label resolved to a type.
    labels_complete: bool,
    labels_span: Span,
    buckets: Vec<f64>,
    /// `native(..)`: the schema and bucket limit.
    native: Option<(i8, u32)>,
}

struct Label {
    name: String,
    /// The label's Rust type, spanned on the user's tokens.
    ty: TokenStream,
    /// How the catalogue describes the type.
    ty_desc: String,
    /// The span of a user type (`name: Type`), which must implement `LabelValue`.
    custom: Option<Span>,
}

/// `tokens` with every span set to `span`.
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
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

fn not_a_static(item: TokenStream) -> TokenStream {
    let (span, what) = match syn::parse2::<syn::Item>(item.clone()) {
        Ok(syn::Item::Fn(f)) => (f.sig.fn_token.span, "a function"),
        Ok(syn::Item::Struct(s)) => (s.struct_token.span, "a struct"),
        Ok(syn::Item::Enum(e)) => (e.enum_token.span, "an enum"),
        Ok(syn::Item::Union(u)) => (u.union_token.span, "a union"),
        Ok(syn::Item::Const(c)) => (c.const_token.span, "a `const`"),
        Ok(syn::Item::Impl(i)) => (i.impl_token.span, "an `impl` block"),
        Ok(syn::Item::Trait(t)) => (t.trait_token.span, "a trait"),
        Ok(syn::Item::Mod(m)) => (m.mod_token.span, "a module"),
        Ok(syn::Item::Type(t)) => (t.type_token.span, "a type alias"),
        Ok(syn::Item::Use(u)) => (u.use_token.span, "a `use` item"),
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
        errors.error(
            m.span,
            "a metric cannot be `static mut`: its methods take `&self` and are thread-safe; remove `mut`",
        );
    }
    if let Some((eq, rest)) = &item.init {
        errors.push(syn::Error::new_spanned(
            quote!(#eq #rest),
            "remove the initialiser: `#[alys_metric]` writes it; declare `static NAME: Kind;`",
        ));
    }
    let help = doc_text(&item.attrs, &item.ident, errors);
    let args = args?;
    let (labels_span, decls) = match &args.labels {
        Some(l) => (l.span, l.decls.as_slice()),
        None => (item.ident.span(), &[][..]),
    };
    let labels = resolve_labels(decls, errors);
    let labels_complete = labels.len() == decls.len();
    if decls.len() > 6 {
        errors.error(
            labels_span,
            format!(
                "a metric has at most 6 labels, this one declares {}: split it into several metrics",
                decls.len()
            ),
        );
    }

    let (kind, _) = args.kind?;
    let core = check_core(kind, &item.ty).unwrap_or_else(|e| {
        errors.push(e);
        kind.default_core()
    });
    let unit = check_unit(args.unit.as_ref(), errors);
    let name = metric_name(args.name.as_ref(), unit.as_deref(), kind, item, errors);

    let native = args
        .native
        .as_ref()
        .and_then(|n| native_config(n, kind, errors));
    let buckets = match (&args.buckets, kind) {
        (Some(b), MetricKind::Histogram) => bucket_values(b, errors),
        (Some(b), _) => {
            errors.error(
                b.span(),
                format!(
                    "`buckets` belong to histograms; this metric is a `{}`: remove `buckets = ..` or declare a `histogram`",
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
        labels_complete,
        labels_span,
        buckets,
        native,
    })
}

/// The schema and bucket limit of `native(..)`: schema 3 and 160 buckets unless given,
/// client_golang's recommended factor 1.1 and bucket count.
fn native_config(n: &ast::Native, kind: MetricKind, errors: &mut Errors) -> Option<(i8, u32)> {
    if kind != MetricKind::Histogram {
        errors.error(
            n.span,
            format!(
                "`native` buckets belong to histograms; this metric is a `{}`: remove `native` or declare a `histogram`",
                kind.as_str()
            ),
        );
        return None;
    }
    let schema = match n.schema {
        None => 3,
        Some((v, _)) if (-4..=8).contains(&v) => v as i8,
        Some((v, span)) => {
            errors.error(
                span,
                format!(
                    "schema {v} is not a native histogram schema: Prometheus defines -4 (buckets growing 65536-fold) to 8 (growing by 2^(1/256)); 3 grows by about 9 %"
                ),
            );
            return None;
        }
    };
    let max_buckets = match n.max_buckets {
        None => 160,
        Some((v, _)) if (1..=i64::from(u32::MAX)).contains(&v) => v as u32,
        Some((v, span)) => {
            errors.error(
                span,
                format!(
                    "max_buckets = {v} cannot hold any bucket: give at least 1 (160 is client_golang's suggestion); above it the resolution is halved until the buckets fit"
                ),
            );
            return None;
        }
    };
    Some((schema, max_buckets))
}

/// The doc comment, lines trimmed and joined with spaces; an error when there is none.
fn doc_text(attrs: &[syn::Attribute], ident: &syn::Ident, errors: &mut Errors) -> String {
    let mut lines = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("doc")) {
        let syn::Meta::NameValue(nv) = &attr.meta else {
            continue;
        };
        match &nv.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => {
                let v = s.value();
                let t = v.trim();
                if !t.is_empty() {
                    lines.push(t.to_owned());
                }
            }
            other => {
                errors.error(
                    other.span(),
                    "the HELP text is read from the doc comment at compile time, so it must be a literal: write `/// What it measures.`",
                );
                return String::new();
            }
        }
    }
    if lines.is_empty() {
        errors.error(
            ident.span(),
            format!(
                "metric `{ident}` has no doc comment: the doc comment is its HELP text; add `/// What it measures.` above the static"
            ),
        );
    }
    lines.join(" ")
}

fn declared_core(ty: &syn::Type) -> Option<&'static str> {
    let syn::Type::Path(p) = ty else {
        return None;
    };
    if p.qself.is_some() {
        return None;
    }
    let last = p.path.segments.last()?;
    if !last.arguments.is_none() {
        return None;
    }
    CORES
        .iter()
        .map(|(_, core, _)| *core)
        .find(|core| last.ident == core)
}

fn check_core(kind: MetricKind, ty: &syn::Type) -> syn::Result<&'static str> {
    let declared = declared_core(ty);
    if let Some(core) = declared {
        if CORES.iter().any(|(k, c, _)| *k == kind && *c == core) {
            return Ok(core);
        }
    }
    let forms: Vec<String> = CORES
        .iter()
        .filter(|(k, _, _)| *k == kind)
        .map(|(_, c, v)| format!("`{c}` ({v})"))
        .collect();
    let written = ty.to_token_stream().to_string().replace(' ', "");
    let hint = declared
        .and_then(|d| CORES.iter().find(|(_, c, _)| *c == d))
        .map(|(k, _, _)| format!(", or declare it `#[alys_metric({}, ..)]`", k.as_str()))
        .unwrap_or_default();
    Err(syn::Error::new_spanned(
        ty,
        format!(
            "a `{}` metric is declared as {}, not `{written}`: change the type{hint}",
            kind.as_str(),
            forms.join(" or ")
        ),
    ))
}

/// Units are base units, lower-case snake_case.
fn check_unit(unit: Option<&syn::LitStr>, errors: &mut Errors) -> Option<String> {
    const SCALED: &[(&str, &str)] = &[
        ("milliseconds", "seconds"),
        ("ms", "seconds"),
        ("microseconds", "seconds"),
        ("us", "seconds"),
        ("nanoseconds", "seconds"),
        ("ns", "seconds"),
        ("minutes", "seconds"),
        ("hours", "seconds"),
        ("kilobytes", "bytes"),
        ("kb", "bytes"),
        ("kib", "bytes"),
        ("megabytes", "bytes"),
        ("mb", "bytes"),
        ("mib", "bytes"),
        ("gigabytes", "bytes"),
        ("gb", "bytes"),
        ("gib", "bytes"),
        ("percent", "ratio"),
    ];
    let lit = unit?;
    let u = lit.value();
    if u.is_empty()
        || u.starts_with('_')
        || !u
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        errors.error(
            lit.span(),
            format!("unit `{u}` must be lower-case snake_case, e.g. `seconds`, `bytes`"),
        );
    } else if let Some((_, base)) = SCALED.iter().find(|(s, _)| *s == u) {
        errors.error(
            lit.span(),
            format!("Prometheus metrics use base units: write `unit = \"{base}\"` and convert the values"),
        );
    }
    Some(u)
}

fn metric_name(
    explicit: Option<&syn::LitStr>,
    unit: Option<&str>,
    kind: MetricKind,
    item: &StaticItem,
    errors: &mut Errors,
) -> String {
    let Some(lit) = explicit else {
        let name = names::derive(&item.ident.to_string(), kind, unit);
        if let Err(msg) = names::check(&name, kind) {
            errors.error(
                item.ident.span(),
                format!("{msg} (the name is derived from the static's name; rename the static or set `name = \"..\"`)"),
            );
        }
        return name;
    };
    let name = lit.value();
    if let Err(msg) = names::check(&name, kind) {
        errors.error(lit.span(), msg);
    } else if let Some(u) = unit {
        if let Err(msg) = names::check_unit(&name, kind, u) {
            errors.error(lit.span(), msg);
        }
    }
    name
}

fn resolve_labels(decls: &[ast::LabelDecl], errors: &mut Errors) -> Vec<Label> {
    let mut out: Vec<Label> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    let mut dynamic_product: u128 = 1;
    for decl in decls {
        let name = decl.name.to_string();
        let span = decl.name.span();
        if let Some(first) = seen.iter().position(|n| *n == name) {
            errors.error(
                span,
                format!(
                    "duplicate label `{name}`: it is already label {} of this metric; a label appears once, remove this one",
                    first + 1
                ),
            );
            continue;
        }
        seen.push(name.clone());
        if let Some(msg) = labels::invalid_name(&name) {
            errors.error(span, msg);
            continue;
        }
        let label = match &decl.ty {
            // Named through `__private::Label`, whose `Type` is the type itself for every
            // `LabelValue` type. For any other type the projection fails: one error says the
            // type is not a label, on the user's token, and the failed type silences every
            // later use of the static.
            Some(LabelTy::Type(ty)) => Label {
                name: name.clone(),
                ty: quote_spanned!(ty.span()=> <#ty as ::alys_metrics::__private::Label>::Type),
                ty_desc: ty.to_token_stream().to_string().replace(' ', ""),
                custom: Some(ty.span()),
            },
            Some(LabelTy::Dynamic { span: dspan, max }) => {
                let Some(max) = max else {
                    errors.error(
                        *dspan,
                        format!(
                            "`dynamic` needs a cap so that remote input cannot grow memory without bound: \
                             write `{name}: dynamic(max = 256)`; values beyond the cap fold into \"other\""
                        ),
                    );
                    continue;
                };
                let n = match max.base10_parse::<usize>() {
                    Ok(0) => {
                        errors.error(
                            max.span(),
                            "`max` must be at least 1: it is how many distinct values get a series of their own",
                        );
                        continue;
                    }
                    Ok(n) => n,
                    Err(e) => {
                        errors.push(e);
                        continue;
                    }
                };
                dynamic_product = dynamic_product.saturating_mul(n as u128 + 1);
                if dynamic_product > u128::from(u32::MAX) {
                    // Far past any cardinality limit; refused here so that the series count
                    // cannot overflow while the limit is being checked.
                    errors.error(
                        max.span(),
                        format!("`max = {n}` allows more series than any metric may have (`alys_metrics::MAX_CARDINALITY`): lower the cap"),
                    );
                    continue;
                }
                Label {
                    name: name.clone(),
                    ty: quote_spanned!(max.span()=> ::alys_metrics::__private::Dynamic<#n>),
                    ty_desc: format!("dynamic(max = {n})"),
                    custom: None,
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
            "the `{name}` label means something different on each metric: name its enum, e.g. `{name}: RejectionReason`\n\
             standard `{name}` enums: {types}; or any enum that derives `LabelValue`"
        );
    }
    if labels::FREE_FORM.contains(&name) {
        return format!(
            "`{name}` is a free-form string label: declare a cap, e.g. `{name}: dynamic(max = 256)`; values beyond it fold into \"other\""
        );
    }
    let hint = closest(name, labels::all_names())
        .map(|c| format!("; did you mean `{c}`?"))
        .unwrap_or_default();
    format!(
        "unknown label `{name}`{hint}\n\
         standard labels: {}\n\
         any other label names its type: an enum that derives `LabelValue` (`{name}: MyEnum`) or a capped string (`{name}: dynamic(max = 100)`)",
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
fn fallback(
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
    // The type the user wrote wins when it is a value type: their code is written against it.
    let core = declared_core(ty)
        .or_else(|| m.map(|m| m.kind.default_core()))
        .unwrap_or("Counter");
    let core = syn::Ident::new(core, ty.span());
    let private = quote!(::alys_metrics::__private);
    let new = quote!(#private::Metric::new(&#private::FALLBACK_DESCRIPTOR));
    if let Some(m) = m.filter(|m| m.labels_complete) {
        let tys = m.labels.iter().map(|l| &l.ty);
        return quote! {
            #errs
            #(#attrs)*
            #vis #static_token #ident: #private::Metric<#private::#core, (#(#tys,)*)> = #new;
        };
    }
    let wrapper = format_ident!("__alys_metric_{}", ident);
    let params: Vec<syn::Ident> = (0..label_count).map(|i| format_ident!("A{}", i)).collect();
    let with = (!params.is_empty()).then(|| {
        quote! {
            #(#cfgs)*
            #[allow(dead_code, clippy::all)]
            impl #wrapper {
                #vis fn with<#(#params),*>(&self, #(_: #params),*) -> &#private::#core {
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
        #vis struct #wrapper(#private::Metric<#private::#core>);
        #(#cfgs)*
        impl ::core::ops::Deref for #wrapper {
            type Target = #private::#core;
            fn deref(&self) -> &Self::Target {
                &self.0
            }
        }
        #with
        #(#attrs)*
        #vis #static_token #ident: #wrapper = #wrapper(#new);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The expansion as a string, with token spacing removed for easy matching.
    fn expand_str(args: TokenStream, item: TokenStream) -> String {
        expand(args, item).to_string().replace(' ', "")
    }

    #[test]
    fn a_valid_declaration_registers_and_checks_cardinality() {
        let out = expand_str(
            quote!(counter, labels(phase, outcome: Outcome, peer: dynamic(max = 8))),
            quote!(
                /// Help.
                pub static X: Counter;
            ),
        );
        assert!(!out.contains("compile_error"), "{out}");
        assert!(out.contains("name:\"alys_x_total\""), "{out}");
        assert!(out.contains("help:\"Help.\""), "{out}");
        assert!(
            out.contains("label_names:&[\"phase\",\"outcome\",\"peer\"]"),
            "{out}"
        );
        assert!(out.contains("<Outcomeas::alys_metrics::__private::Label>::Type"));
        assert!(out.contains("Dynamic<8usize>"), "{out}");
        assert!(out.contains("MAX_CARDINALITY"), "{out}");
        assert!(out.contains("Registration(&X)"), "{out}");
    }

    #[test]
    fn an_unresolved_label_leaves_a_stand_in_with_one_argument_per_label() {
        let out = expand_str(
            quote!(counter, labels(phse, error_type)),
            quote!(
                /// Help.
                pub static X: Counter;
            ),
        );
        assert!(out.contains("compile_error!{\"unknownlabel`phse`"), "{out}");
        assert!(out.contains("pubstruct__alys_metric_X("), "{out}");
        assert!(out.contains("pubfnwith<A0,A1>(&self,_:A0,_:A1)"), "{out}");
        assert!(out.contains("pubstaticX:__alys_metric_X="), "{out}");
        assert!(!out.contains("Registration"), "{out}");
    }

    #[test]
    fn a_resolved_declaration_with_errors_keeps_its_real_type_unregistered() {
        let out = expand_str(
            quote!(counter, labels(phase)),
            quote!(
                pub static X: Counter;
            ),
        );
        assert!(out.contains("hasnodoccomment"), "{out}");
        assert!(
            out.contains("pubstaticX:::alys_metrics::__private::Metric<"),
            "{out}"
        );
        assert!(out.contains("FALLBACK_DESCRIPTOR"), "{out}");
        assert!(!out.contains("Registration"), "{out}");
    }

    #[test]
    fn arguments_that_do_not_parse_still_give_the_label_count() {
        let out = expand_str(
            quote!(counter, labels(phase, error_type), buckets = oops),
            quote!(
                /// Help.
                static X: Counter;
            ),
        );
        assert!(out.contains("compile_error"), "{out}");
        assert!(out.contains("fnwith<A0,A1>"), "{out}");
    }

    #[test]
    fn cfg_attributes_reach_the_registration() {
        let out = expand_str(
            quote!(gauge),
            quote!(
                /// Help.
                #[cfg(feature = "x")]
                static X: Gauge;
            ),
        );
        assert!(out.contains("#[cfg(feature=\"x\")]const_:()="), "{out}");
    }

    #[test]
    fn caps_beyond_any_limit_are_refused_before_the_series_count_can_overflow() {
        let out = expand_str(
            quote!(gauge, labels(a: dynamic(max = 100000), b: dynamic(max = 100000))),
            quote!(
                /// Help.
                static X: Gauge;
            ),
        );
        assert!(out.contains("`max=100000`allowsmoreseries"), "{out}");
    }

    #[test]
    fn the_help_text_must_be_a_literal() {
        let out = expand_str(
            quote!(gauge),
            quote!(
                #[doc = include_str!("x.md")]
                static X: Gauge;
            ),
        );
        assert!(out.contains("mustbealiteral"), "{out}");
        assert!(
            !out.contains("hasnodoccomment"),
            "one error, not two: {out}"
        );
    }

    #[test]
    fn derived_names_that_break_the_rules_say_where_they_come_from() {
        let out = expand_str(
            quote!(gauge),
            quote!(
                /// Help.
                static REQUESTS_TOTAL: Gauge;
            ),
        );
        assert!(out.contains("reservesforcounters"), "{out}");
        assert!(out.contains("derivedfromthestatic'sname"), "{out}");
    }
}
