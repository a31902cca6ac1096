//! The typed AST of an `#[alys_metric(..)]` declaration: the attribute's arguments and the
//! `static NAME: Kind;` item, each part keeping its tokens so errors point at them.
//!
//! Parsing is resilient: a mistake in one argument (an unknown kind, an unknown or repeated
//! argument) is recorded in [`Args::errors`] and parsing goes on with the next argument, so
//! every mistake is reported at once and the labels are known even when the kind is not (the
//! fallback expansion needs their number). Only malformed syntax stops the parse.

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{
    bracketed, parenthesized, Attribute, Ident, LitFloat, LitInt, LitStr, Token, Type, Visibility,
};

use crate::util::closest;

pub mod kw {
    syn::custom_keyword!(labels);
    syn::custom_keyword!(name);
    syn::custom_keyword!(buckets);
    syn::custom_keyword!(unit);
    syn::custom_keyword!(dynamic);
    syn::custom_keyword!(max);
    syn::custom_keyword!(exponential);
    syn::custom_keyword!(linear);
    syn::custom_keyword!(native);
    syn::custom_keyword!(named);
    syn::custom_keyword!(combinations);
    syn::custom_keyword!(dynamic_tuples);
}

/// The metric kinds, as written in the attribute.
pub const KINDS: &[&str] = &["counter", "gauge", "histogram"];

/// The arguments that may follow the kind.
const ARGUMENTS: &[&str] = &[
    "labels",
    "name",
    "unit",
    "buckets",
    "native",
    "named",
    "combinations",
    "dynamic_tuples",
];

/// The settings `native(..)` takes.
const NATIVE_SETTINGS: &[&str] = &["schema", "max_buckets"];

/// `counter`, `gauge` or `histogram`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum MetricKind {
    Counter,
    Gauge,
    Histogram,
}

impl MetricKind {
    pub fn from_name(s: &str) -> Option<Self> {
        match s {
            "counter" => Some(MetricKind::Counter),
            "gauge" => Some(MetricKind::Gauge),
            "histogram" => Some(MetricKind::Histogram),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            MetricKind::Counter => "counter",
            MetricKind::Gauge => "gauge",
            MetricKind::Histogram => "histogram",
        }
    }
}

pub struct Args {
    pub kind: Option<(MetricKind, Span)>,
    pub labels: Option<Labels>,
    pub name: Option<LitStr>,
    pub unit: Option<LitStr>,
    pub buckets: Option<Buckets>,
    pub native: Option<Native>,
    /// `named = Name`: the struct of label values by name.
    pub named: Option<Ident>,
    /// `combinations = path`: a `const fn` over the enum labels' values, true for the
    /// combinations that can happen.
    pub combinations: Option<syn::Path>,
    /// `dynamic_tuples`: the span of the word.
    pub dynamic_tuples: Option<Span>,
    /// Mistakes found while parsing that did not stop it.
    pub errors: Vec<syn::Error>,
    /// True when a word stood where the kind belongs but named no kind.
    unknown_kind: bool,
}

/// `labels(..)`: the span of the parenthesised list and the declarations in it.
pub struct Labels {
    pub span: Span,
    pub decls: Vec<LabelDecl>,
}

pub struct LabelDecl {
    /// The label name with any `r#` removed (`r#type` declares the label `type`).
    pub name: Ident,
    pub ty: Option<LabelTy>,
}

pub enum LabelTy {
    /// `name: dynamic(max = N)`; `max` is `None` when it was left out.
    Dynamic { span: Span, max: Option<LitInt> },
    /// `name: SomeEnum`.
    Type(Box<Type>),
}

/// `native` or `native(schema = N, max_buckets = M)`.
pub struct Native {
    /// The span of `native` (and its parentheses).
    pub span: Span,
    pub schema: Option<(i64, Span)>,
    pub max_buckets: Option<(i64, Span)>,
}

pub enum Buckets {
    List {
        span: Span,
        values: Vec<(f64, Span)>,
    },
    Exponential {
        span: Span,
        start: Num,
        factor: Num,
        count: LitInt,
    },
    Linear {
        span: Span,
        start: Num,
        width: Num,
        count: LitInt,
    },
}

impl Buckets {
    pub fn span(&self) -> Span {
        match self {
            Buckets::List { span, .. }
            | Buckets::Exponential { span, .. }
            | Buckets::Linear { span, .. } => *span,
        }
    }
}

/// A numeric literal with an optional leading minus.
pub struct Num {
    pub value: f64,
    pub span: Span,
}

impl Parse for Num {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let minus = input.parse::<Option<Token![-]>>()?;
        let lookahead = input.lookahead1();
        let (v, lit_span) = if lookahead.peek(LitFloat) {
            let l: LitFloat = input.parse()?;
            (l.base10_parse::<f64>()?, l.span())
        } else if lookahead.peek(LitInt) {
            let l: LitInt = input.parse()?;
            (l.base10_parse::<f64>()?, l.span())
        } else {
            return Err(lookahead.error());
        };
        Ok(Num {
            value: if minus.is_some() { -v } else { v },
            span: minus
                .and_then(|m| m.span.join(lit_span))
                .unwrap_or(lit_span),
        })
    }
}

impl Parse for Args {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut args = Args {
            kind: None,
            labels: None,
            name: None,
            unit: None,
            buckets: None,
            native: None,
            named: None,
            combinations: None,
            dynamic_tuples: None,
            errors: Vec::new(),
            unknown_kind: false,
        };
        let mut first = true;
        while !input.is_empty() {
            args.parse_one(input, first)?;
            first = false;
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        if args.kind.is_none() && !args.unknown_kind {
            args.errors.push(syn::Error::new(
                Span::call_site(),
                "missing metric kind: write it first, e.g. `#[alys_metric(counter)]`, `#[alys_metric(gauge)]` or `#[alys_metric(histogram)]`",
            ));
        }
        Ok(args)
    }
}

impl Args {
    /// Parses one comma-separated argument.
    fn parse_one(&mut self, input: ParseStream, first: bool) -> syn::Result<()> {
        let lookahead = input.lookahead1();
        if lookahead.peek(kw::labels) {
            let kw: kw::labels = input.parse()?;
            let content;
            let paren = parenthesized!(content in input);
            let list = Punctuated::<LabelDecl, Token![,]>::parse_terminated(&content)?;
            let labels = Labels {
                span: paren.span.join(),
                decls: list.into_iter().collect(),
            };
            if self.labels.is_some() {
                self.duplicate(
                    kw.span,
                    "labels(..)",
                    "list every label in one `labels(..)`",
                );
            } else {
                self.labels = Some(labels);
            }
        } else if lookahead.peek(kw::name) {
            let kw: kw::name = input.parse()?;
            input.parse::<Token![=]>()?;
            let lit: LitStr = input.parse()?;
            if self.name.is_some() {
                self.duplicate(kw.span, "name = \"..\"", "a metric has one name");
            } else {
                self.name = Some(lit);
            }
        } else if lookahead.peek(kw::unit) {
            let kw: kw::unit = input.parse()?;
            input.parse::<Token![=]>()?;
            let lit: LitStr = input.parse()?;
            if self.unit.is_some() {
                self.duplicate(kw.span, "unit = \"..\"", "a metric has one unit");
            } else {
                self.unit = Some(lit);
            }
        } else if lookahead.peek(kw::buckets) {
            let kw: kw::buckets = input.parse()?;
            input.parse::<Token![=]>()?;
            let b = parse_buckets(input)?;
            if self.buckets.is_some() {
                self.duplicate(
                    kw.span,
                    "buckets = ..",
                    "list every bound in one `buckets = [..]`",
                );
            } else {
                self.buckets = Some(b);
            }
        } else if lookahead.peek(kw::named) {
            let kw: kw::named = input.parse()?;
            input.parse::<Token![=]>()?;
            let ident: Ident = input.parse()?;
            if self.named.is_some() {
                self.duplicate(kw.span, "named = ..", "the labels have one struct");
            } else {
                self.named = Some(ident);
            }
        } else if lookahead.peek(kw::combinations) {
            let kw: kw::combinations = input.parse()?;
            input.parse::<Token![=]>()?;
            let path: syn::Path = input.parse()?;
            if self.combinations.is_some() {
                self.duplicate(
                    kw.span,
                    "combinations = ..",
                    "one `const fn` decides every combination",
                );
            } else {
                self.combinations = Some(path);
            }
        } else if lookahead.peek(kw::dynamic_tuples) {
            let kw: kw::dynamic_tuples = input.parse()?;
            if self.dynamic_tuples.is_some() {
                self.duplicate(kw.span, "dynamic_tuples", "write it once");
            } else {
                self.dynamic_tuples = Some(kw.span);
            }
        } else if lookahead.peek(kw::native) {
            let kw: kw::native = input.parse()?;
            let native = self.parse_native(kw.span, input)?;
            if self.native.is_some() {
                self.duplicate(kw.span, "native", "declare the native buckets once");
            } else {
                self.native = Some(native);
            }
        } else if input.peek(Ident::peek_any) {
            let ident = input.call(Ident::parse_any)?;
            let word = ident.to_string();
            if let Some(kind) = MetricKind::from_name(&word) {
                if self.kind.is_some() {
                    self.duplicate(ident.span(), &word, "a metric has one kind");
                } else {
                    self.kind = Some((kind, ident.span()));
                }
            } else {
                // A bare word first is a misspelt kind; `word = ..` or `word(..)` an argument.
                let as_kind = first && !input.peek(Token![=]) && !input.peek(syn::token::Paren);
                self.unknown_kind |= as_kind;
                self.errors.push(unknown_word(&ident, as_kind));
                // Skip whatever belongs to the unknown argument (`= value`, `(..)`).
                while !input.is_empty() && !input.peek(Token![,]) {
                    input.parse::<TokenTree>()?;
                }
            }
        } else {
            return Err(lookahead.error());
        }
        Ok(())
    }

    /// The optional `(schema = N, max_buckets = M)` after `native`.
    fn parse_native(&mut self, span: Span, input: ParseStream) -> syn::Result<Native> {
        let mut native = Native {
            span,
            schema: None,
            max_buckets: None,
        };
        if !input.peek(syn::token::Paren) {
            return Ok(native);
        }
        let content;
        let paren = parenthesized!(content in input);
        native.span = span.join(paren.span.join()).unwrap_or(span);
        while !content.is_empty() {
            let key = content.call(Ident::parse_any)?;
            content.parse::<Token![=]>()?;
            let minus = content.parse::<Option<Token![-]>>()?;
            let lit: LitInt = content.parse()?;
            let lit_span = minus
                .and_then(|m| m.span.join(lit.span()))
                .unwrap_or(lit.span());
            let value = lit.base10_parse::<i64>()? * if minus.is_some() { -1 } else { 1 };
            let slot = match key.to_string().as_str() {
                "schema" => &mut native.schema,
                "max_buckets" => &mut native.max_buckets,
                other => {
                    let hint = closest(other, NATIVE_SETTINGS.iter().copied())
                        .map(|c| format!("; did you mean `{c}`?"))
                        .unwrap_or_default();
                    self.errors.push(syn::Error::new(
                        key.span(),
                        format!(
                            "unknown setting `{other}` of `native(..)`: expected `schema = N` (-4 to 8) or `max_buckets = M`{hint}"
                        ),
                    ));
                    if !content.is_empty() {
                        content.parse::<Token![,]>()?;
                    }
                    continue;
                }
            };
            if slot.is_some() {
                self.duplicate(key.span(), &key.to_string(), "set it once");
            } else {
                *slot = Some((value, lit_span));
            }
            if !content.is_empty() {
                content.parse::<Token![,]>()?;
            }
        }
        Ok(native)
    }

    fn duplicate(&mut self, span: Span, what: &str, why: &str) {
        self.errors.push(syn::Error::new(
            span,
            format!("duplicate `{what}`: {why}; remove this one"),
        ));
    }

    /// The number of labels the user declared, valid or not.
    pub fn label_count(&self) -> usize {
        self.labels.as_ref().map_or(0, |l| l.decls.len())
    }
}

fn unknown_word(ident: &Ident, as_kind: bool) -> syn::Error {
    let word = ident.to_string();
    let msg = if as_kind {
        let hint = closest(&word, KINDS.iter().copied())
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        format!("unknown metric kind `{word}`: expected `counter`, `gauge` or `histogram`{hint}")
    } else {
        let hint = closest(&word, ARGUMENTS.iter().chain(KINDS).copied())
            .map(|c| format!("; did you mean `{c}`?"))
            .unwrap_or_default();
        format!(
            "unknown argument `{word}`: expected `labels(..)`, `name = \"..\"`, `unit = \"..\"`, `buckets = ..`, `native`, `named = Name`, `combinations = path` or `dynamic_tuples`{hint}"
        )
    };
    syn::Error::new(ident.span(), msg)
}

/// The number of labels in the first `labels(..)` of arguments that did not parse, so that
/// the fallback expansion still offers `with(..)` with that many arguments.
pub fn count_labels_in_raw_args(args: &TokenStream) -> usize {
    let mut tokens = args.clone().into_iter().peekable();
    while let Some(tt) = tokens.next() {
        let TokenTree::Ident(ident) = &tt else {
            continue;
        };
        if ident != "labels" {
            continue;
        }
        let Some(TokenTree::Group(group)) = tokens.peek() else {
            continue;
        };
        let mut count = 0;
        let mut in_item = false;
        // Depth inside `<..>`: a comma between generic arguments does not end a label.
        let mut angle = 0usize;
        for inner in group.stream() {
            match inner {
                TokenTree::Punct(p) if p.as_char() == '<' => angle += 1,
                TokenTree::Punct(p) if p.as_char() == '>' => angle = angle.saturating_sub(1),
                TokenTree::Punct(p) if p.as_char() == ',' && angle == 0 => in_item = false,
                _ if !in_item => {
                    in_item = true;
                    count += 1;
                }
                _ => {}
            }
        }
        return count;
    }
    0
}

fn parse_buckets(input: ParseStream) -> syn::Result<Buckets> {
    let lookahead = input.lookahead1();
    if lookahead.peek(syn::token::Bracket) {
        let content;
        let bracket = bracketed!(content in input);
        let list = Punctuated::<Num, Token![,]>::parse_terminated(&content)?;
        Ok(Buckets::List {
            span: bracket.span.join(),
            values: list.into_iter().map(|n| (n.value, n.span)).collect(),
        })
    } else if lookahead.peek(kw::exponential) {
        let kw: kw::exponential = input.parse()?;
        let content;
        let paren = parenthesized!(content in input);
        let start: Num = content.parse()?;
        content.parse::<Token![,]>()?;
        let factor: Num = content.parse()?;
        content.parse::<Token![,]>()?;
        let count: LitInt = content.parse()?;
        content.parse::<Option<Token![,]>>()?;
        Ok(Buckets::Exponential {
            span: kw.span.join(paren.span.close()).unwrap_or(kw.span),
            start,
            factor,
            count,
        })
    } else if lookahead.peek(kw::linear) {
        let kw: kw::linear = input.parse()?;
        let content;
        let paren = parenthesized!(content in input);
        let start: Num = content.parse()?;
        content.parse::<Token![,]>()?;
        let width: Num = content.parse()?;
        content.parse::<Token![,]>()?;
        let count: LitInt = content.parse()?;
        content.parse::<Option<Token![,]>>()?;
        Ok(Buckets::Linear {
            span: kw.span.join(paren.span.close()).unwrap_or(kw.span),
            start,
            width,
            count,
        })
    } else {
        Err(lookahead.error())
    }
}

impl Parse for LabelDecl {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        // Any identifier, keywords included (`type`, `r#match`), is a label name.
        let name = input.call(Ident::parse_any)?.unraw();
        if !input.peek(Token![:]) {
            return Ok(LabelDecl { name, ty: None });
        }
        input.parse::<Token![:]>()?;
        if input.peek(kw::dynamic) && !input.peek2(Token![::]) {
            let kw: kw::dynamic = input.parse()?;
            if !input.peek(syn::token::Paren) {
                return Ok(LabelDecl {
                    name,
                    ty: Some(LabelTy::Dynamic {
                        span: kw.span,
                        max: None,
                    }),
                });
            }
            let content;
            let paren = parenthesized!(content in input);
            let span = kw.span.join(paren.span.close()).unwrap_or(kw.span);
            if content.is_empty() {
                return Ok(LabelDecl {
                    name,
                    ty: Some(LabelTy::Dynamic { span, max: None }),
                });
            }
            content.parse::<kw::max>()?;
            content.parse::<Token![=]>()?;
            let max: LitInt = content.parse()?;
            content.parse::<Option<Token![,]>>()?;
            return Ok(LabelDecl {
                name,
                ty: Some(LabelTy::Dynamic {
                    span,
                    max: Some(max),
                }),
            });
        }
        let ty: Type = input.parse()?;
        Ok(LabelDecl {
            name,
            ty: Some(LabelTy::Type(Box::new(ty))),
        })
    }
}

/// The `static NAME: Kind;` item.
pub struct StaticItem {
    pub attrs: Vec<Attribute>,
    pub vis: Visibility,
    pub static_token: Token![static],
    pub ident: Ident,
    pub ty: Type,
    /// An initialiser the user wrote, which the macro replaces (an error).
    pub init: Option<(Token![=], TokenStream)>,
    pub mutability: Option<Token![mut]>,
}

impl StaticItem {
    /// The `#[cfg(..)]` attributes, which every item generated beside the static repeats.
    pub fn cfgs(&self) -> impl Iterator<Item = &Attribute> {
        self.attrs.iter().filter(|a| a.path().is_ident("cfg"))
    }
}

impl Parse for StaticItem {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        let static_token: Token![static] = input.parse()?;
        let mutability: Option<Token![mut]> = input.parse()?;
        let ident: Ident = input.parse()?;
        input.parse::<Token![:]>()?;
        let ty: Type = input.parse()?;
        let init = if input.peek(Token![=]) {
            let eq: Token![=] = input.parse()?;
            let mut rest = TokenStream::new();
            while !input.peek(Token![;]) && !input.is_empty() {
                rest.extend([input.parse::<TokenTree>()?]);
            }
            Some((eq, rest))
        } else {
            None
        };
        input.parse::<Token![;]>()?;
        Ok(StaticItem {
            attrs,
            vis,
            static_token,
            ident,
            ty,
            init,
            mutability,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn parse(tokens: TokenStream) -> Args {
        syn::parse2(tokens).expect("arguments parse")
    }

    fn messages(args: &Args) -> Vec<String> {
        args.errors.iter().map(|e| e.to_string()).collect()
    }

    #[test]
    fn every_argument_parses_in_any_order() {
        let args = parse(quote!(
            histogram,
            buckets = exponential(0.001, 2, 10),
            labels(phase, outcome: my::Outcome, peer_id: dynamic(max = 16)),
            unit = "seconds",
            name = "alys_x_seconds",
        ));
        assert!(args.errors.is_empty(), "{:?}", messages(&args));
        assert_eq!(args.kind.map(|k| k.0), Some(MetricKind::Histogram));
        assert_eq!(args.label_count(), 3);
        assert!(matches!(args.buckets, Some(Buckets::Exponential { .. })));
        let decls = &args.labels.as_ref().map(|l| &l.decls).expect("labels");
        assert!(decls[0].ty.is_none());
        assert!(matches!(decls[1].ty, Some(LabelTy::Type(_))));
        assert!(matches!(
            &decls[2].ty,
            Some(LabelTy::Dynamic { max: Some(m), .. }) if m.base10_digits() == "16"
        ));
    }

    #[test]
    fn keywords_and_raw_identifiers_are_label_names() {
        let args = parse(quote!(counter, labels(type: Kind, r#match: Kind, self)));
        let names: Vec<String> = args
            .labels
            .expect("labels")
            .decls
            .iter()
            .map(|d| d.name.to_string())
            .collect();
        assert_eq!(names, ["type", "match", "self"]);
    }

    #[test]
    fn an_enum_named_dynamic_in_a_path_is_a_type() {
        let args = parse(quote!(counter, labels(x: dynamic::Kind)));
        let decls = args.labels.expect("labels").decls;
        assert!(matches!(decls[0].ty, Some(LabelTy::Type(_))));
    }

    #[test]
    fn dynamic_without_max_is_recorded_not_refused() {
        for tokens in [
            quote!(counter, labels(v: dynamic)),
            quote!(counter, labels(v: dynamic())),
        ] {
            let decls = parse(tokens).labels.expect("labels").decls;
            assert!(matches!(
                decls[0].ty,
                Some(LabelTy::Dynamic { max: None, .. })
            ));
        }
    }

    #[test]
    fn semantic_mistakes_do_not_stop_the_parse() {
        let args = parse(quote!(
            countr,
            labels(phase, error_type),
            colour = "red",
            name = "a",
            name = "b"
        ));
        let msgs = messages(&args);
        assert_eq!(msgs.len(), 3, "{msgs:?}");
        assert!(msgs[0].contains("unknown metric kind `countr`") && msgs[0].contains("`counter`"));
        assert!(msgs[1].contains("unknown argument `colour`"));
        assert!(msgs[2].contains("duplicate `name"));
        assert_eq!(
            args.label_count(),
            2,
            "labels after a bad kind are still read"
        );
        assert!(args.kind.is_none());
    }

    #[test]
    fn a_missing_kind_says_where_it_goes() {
        let args = parse(quote!(labels(phase)));
        assert!(messages(&args)[0].contains("missing metric kind"));
        let args = parse(quote!());
        assert!(messages(&args)[0].contains("missing metric kind"));
        let args = parse(quote!(labels(phase), gauge));
        assert!(args.errors.is_empty());
    }

    #[test]
    fn a_misspelt_argument_gets_a_suggestion() {
        let args = parse(quote!(counter, lables(phase)));
        assert!(messages(&args)[0].contains("did you mean `labels`?"));
    }

    #[test]
    fn raw_label_count_survives_syntax_errors() {
        assert_eq!(
            count_labels_in_raw_args(&quote!(counter, labels(a, b: X<Y, Z>, c: dynamic(max = )))),
            3
        );
        assert_eq!(count_labels_in_raw_args(&quote!(counter, labels(a, b,))), 2);
        assert_eq!(count_labels_in_raw_args(&quote!(counter, labels())), 0);
        assert_eq!(count_labels_in_raw_args(&quote!(counter)), 0);
    }

    #[test]
    fn negative_and_integer_bounds_parse() {
        let args = parse(quote!(histogram, buckets = [-1, 0, 0.5, 2.5e1]));
        let Some(Buckets::List { values, .. }) = args.buckets else {
            panic!("a list");
        };
        let v: Vec<f64> = values.iter().map(|(v, _)| *v).collect();
        assert_eq!(v, [-1.0, 0.0, 0.5, 25.0]);
    }
}
