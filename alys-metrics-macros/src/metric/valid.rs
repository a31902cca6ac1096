//! The checks of a declaration, over the parsed arguments and item: the kind, the labels, the
//! name and unit, the buckets. Every mistake is collected, spanned on the user's token; the
//! result is the [`Metric`] that `expand` writes out.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;

use super::ast::{self, Args, Buckets, LabelTy, MetricKind, StaticItem};
use super::names;
use crate::util::{path_segment, Errors};

/// The validated declaration.
pub struct Metric {
    pub kind: MetricKind,
    pub name: String,
    pub help: String,
    pub labels: Vec<Label>,
    /// True when every declared label resolved to a type.
    pub labels_complete: bool,
    pub labels_span: Span,
    /// The span of the tokens around the label types (see `write_standard_labels`).
    pub around: Span,
    pub buckets: Vec<f64>,
    /// `named = Name`: the struct of the label values by name.
    pub named: Option<syn::Ident>,
    /// `native(..)`: the schema and bucket limit.
    pub native: Option<(i8, u32)>,
    /// `combinations = path`: the `const fn` that accepts the enum labels' combinations that
    /// can happen.
    pub combinations: Option<syn::Path>,
    /// `dynamic_tuples`: only the tuples of dynamic values used are exported.
    pub dynamic_tuples: bool,
}

pub struct Label {
    pub name: String,
    /// The label's Rust type, spanned on the user's tokens.
    pub ty: TokenStream,
    /// How the catalogue describes the type: a `&'static str` expression.
    pub ty_desc: TokenStream,
    /// The span of a user type (`name: Type`), which must implement `LabelValue`.
    pub custom: Option<Span>,
    /// A bare name: the word of the runtime's `standard_labels`, spanned on the user's token.
    /// Its `ty` and `ty_desc` are written by `Metric::resolve_spans`.
    pub standard: Option<syn::Ident>,
}

impl Label {
    /// True for `name: dynamic(max = N)`: neither a user type nor a standard label.
    pub fn is_dynamic(&self) -> bool {
        self.custom.is_none() && self.standard.is_none()
    }
}

pub fn validate(args: Option<&Args>, item: &StaticItem, errors: &mut Errors) -> Option<Metric> {
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
    let mut labels = resolve_labels(decls, errors);
    let around = write_standard_labels(&mut labels, labels_span);
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

    let combinations = args.combinations.clone().filter(|path| {
        let enums = labels.iter().filter(|l| !l.is_dynamic()).count();
        if enums == 0 && labels_complete {
            errors.error(
                path.span(),
                "`combinations` chooses among the values of enum labels; this metric has none: remove `combinations = ..`",
            );
            return false;
        }
        true
    });
    let dynamic_tuples = match args.dynamic_tuples {
        Some(span) if labels_complete && !labels.iter().any(Label::is_dynamic) => {
            errors.error(
                span,
                "`dynamic_tuples` exports the tuples of dynamic label values used; this metric has no `dynamic(max = N)` label: remove `dynamic_tuples`",
            );
            false
        }
        Some(_) => true,
        None => false,
    };

    Some(Metric {
        kind,
        name,
        help,
        labels,
        labels_complete,
        labels_span,
        around,
        named: named(args, decls.len(), errors),
        buckets,
        native,
        combinations,
        dynamic_tuples,
    })
}

/// `named = Name` on a metric with labels; an error without any.
fn named(args: &Args, labels: usize, errors: &mut Errors) -> Option<syn::Ident> {
    let name = args.named.clone()?;
    if labels == 0 {
        errors.error(
            name.span(),
            "`named` declares a struct of the metric's label values by name; this metric has no labels: remove `named = ..`",
        );
        return None;
    }
    Some(name)
}

/// Writes the type of each bare label name, a path into the runtime's `standard_labels`, and
/// returns the span for the tokens around the label types.
///
/// A label type that is not a label (`name: String`, a bare `reason`) fails every mention of
/// the label set; giving those mentions one span (the user's type when it is the only one that
/// can fail, else `labels(..)`) lets rustc report it once. The word of a bare name keeps the
/// user's token, so a name that is not in the vocabulary is rustc's "cannot find type" there,
/// with "a similar name exists" when one does.
fn write_standard_labels(labels: &mut [Label], labels_span: Span) -> Span {
    let customs: Vec<Span> = labels.iter().filter_map(|l| l.custom).collect();
    let around = match (
        customs.as_slice(),
        labels.iter().any(|l| l.standard.is_some()),
    ) {
        ([], false) => Span::call_site(),
        ([one], false) => *one,
        _ => labels_span,
    };
    for label in labels {
        let Some(word) = &label.standard else {
            continue;
        };
        let open = quote_spanned!(around=> < ::alys_metrics::__private::standard_labels::);
        let close = quote_spanned!(around=> as ::alys_metrics::__private::StandardLabel>);
        let ty = quote_spanned!(around=> ::Enum);
        label.ty = quote!(#open #word #close #ty);
        let close = quote_spanned!(around=> as ::alys_metrics::__private::TypeName>::TYPE_NAME);
        label.ty_desc = quote!(#open #word #close);
    }
    around
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
        if let Some(msg) = invalid_name(&name) {
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
                ty_desc: {
                    let desc = ty.to_token_stream().to_string().replace(' ', "");
                    quote!(#desc)
                },
                custom: Some(ty.span()),
                standard: None,
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
                        format!("`max = {n}` allows more series than any metric may have (`alys_metrics::labels::MAX_CARDINALITY`): lower the cap"),
                    );
                    continue;
                }
                Label {
                    name: name.clone(),
                    ty: quote_spanned!(max.span()=> ::alys_metrics::__private::Dynamic<#n>),
                    ty_desc: {
                        let desc = format!("dynamic(max = {n})");
                        quote!(#desc)
                    },
                    custom: None,
                    standard: None,
                }
            }
            // A bare name is a word of the runtime's vocabulary, `__private::standard_labels`:
            // the path is spanned on the user's token, so a name that is not there is rustc's
            // "cannot find type" on it, with "a similar name exists" when one does.
            None => {
                let Some(word) = path_segment(&name, span) else {
                    errors.error(span, format!(
                        "unknown label `{name}`: it is not a standard label; name its type: an enum that derives \
                         `LabelValue` (`{name}: MyEnum`) or a capped string (`{name}: dynamic(max = 100)`)"
                    ));
                    continue;
                };
                Label {
                    name: name.clone(),
                    ty: TokenStream::new(),
                    ty_desc: TokenStream::new(),
                    custom: None,
                    standard: Some(word),
                }
            }
        };
        out.push(label);
    }
    out
}

/// Label names Prometheus reserves for itself.
const RESERVED: &[&str] = &["le", "quantile"];

/// Why `name` cannot be a Prometheus label name, if it cannot.
fn invalid_name(name: &str) -> Option<String> {
    let ascii = name
        .bytes()
        .enumerate()
        .all(|(i, b)| b.is_ascii_alphabetic() || b == b'_' || (i > 0 && b.is_ascii_digit()));
    if !ascii {
        return Some(format!(
            "`{name}` is not a valid label name: it must match `^[a-zA-Z_][a-zA-Z0-9_]*$`"
        ));
    }
    if RESERVED.contains(&name) || name.starts_with("__") {
        return Some(format!(
            "`{name}` is a label name reserved by Prometheus (`le`, `quantile` and names starting with `__`); choose another"
        ));
    }
    None
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_names_follow_the_exposition_format() {
        assert!(invalid_name("phase").is_none());
        assert!(invalid_name("_x9").is_none());
        assert!(invalid_name("phäse").is_some());
        assert!(invalid_name("le").is_some());
        assert!(invalid_name("__name__").is_some());
    }
}
