//! The typed AST of an `#[alys_metric(..)]` declaration: the attribute's arguments and the
//! `static NAME: Kind;` item, each part keeping its tokens so errors point at them.

use proc_macro2::{Span, TokenStream};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{
    bracketed, parenthesized, Attribute, Ident, LitFloat, LitInt, LitStr, Token, Type, Visibility,
};

pub mod kw {
    syn::custom_keyword!(labels);
    syn::custom_keyword!(name);
    syn::custom_keyword!(buckets);
    syn::custom_keyword!(unit);
    syn::custom_keyword!(dynamic);
    syn::custom_keyword!(max);
    syn::custom_keyword!(exponential);
    syn::custom_keyword!(linear);
}

/// `counter`, `gauge` or `histogram`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum MetricKind {
    Counter,
    Gauge,
    Histogram,
}

impl MetricKind {
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
    pub labels: Option<(Span, Vec<LabelDecl>)>,
    pub name: Option<LitStr>,
    pub unit: Option<LitStr>,
    pub buckets: Option<Buckets>,
}

pub struct LabelDecl {
    pub name: Ident,
    pub ty: Option<LabelTy>,
}

pub enum LabelTy {
    /// `name: dynamic(max = N)`; `max` is `None` when it was left out.
    Dynamic { span: Span, max: Option<LitInt> },
    /// `name: SomeEnum`.
    Type(Box<Type>),
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
        let neg = input.parse::<Option<Token![-]>>()?.is_some();
        let lookahead = input.lookahead1();
        let (v, span) = if lookahead.peek(LitFloat) {
            let l: LitFloat = input.parse()?;
            (l.base10_parse::<f64>()?, l.span())
        } else if lookahead.peek(LitInt) {
            let l: LitInt = input.parse()?;
            (l.base10_parse::<f64>()?, l.span())
        } else {
            return Err(lookahead.error());
        };
        Ok(Num {
            value: if neg { -v } else { v },
            span,
        })
    }
}

/// Parses the arguments, reporting the first syntax error (the grammar is small enough that
/// later arguments cannot be parsed reliably after one).
impl Parse for Args {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut args = Args {
            kind: None,
            labels: None,
            name: None,
            unit: None,
            buckets: None,
        };
        if input.is_empty() {
            return Err(syn::Error::new(
                Span::call_site(),
                "missing metric kind: expected `#[alys_metric(counter)]`, `#[alys_metric(gauge)]` or `#[alys_metric(histogram)]`",
            ));
        }
        let mut first_done = false;
        while !input.is_empty() {
            if !first_done {
                first_done = true;
                let ident: Ident = input.parse()?;
                let kind = match ident.to_string().as_str() {
                    "counter" => MetricKind::Counter,
                    "gauge" => MetricKind::Gauge,
                    "histogram" => MetricKind::Histogram,
                    other => {
                        let hint = crate::util::closest(other, ["counter", "gauge", "histogram"])
                            .map(|s| format!("; did you mean `{s}`?"))
                            .unwrap_or_default();
                        return Err(syn::Error::new(
                            ident.span(),
                            format!("unknown metric kind `{other}`: expected `counter`, `gauge` or `histogram`{hint}"),
                        ));
                    }
                };
                args.kind = Some((kind, ident.span()));
            } else {
                let lookahead = input.lookahead1();
                if lookahead.peek(kw::labels) {
                    let kw: kw::labels = input.parse()?;
                    if args.labels.is_some() {
                        return Err(syn::Error::new(
                            kw.span,
                            "duplicate `labels(..)`: list every label in one `labels(..)`",
                        ));
                    }
                    let content;
                    let paren = parenthesized!(content in input);
                    let list = Punctuated::<LabelDecl, Token![,]>::parse_terminated(&content)?;
                    args.labels = Some((paren.span.join(), list.into_iter().collect()));
                } else if lookahead.peek(kw::name) {
                    let kw: kw::name = input.parse()?;
                    input.parse::<Token![=]>()?;
                    let lit: LitStr = input.parse()?;
                    if args.name.replace(lit).is_some() {
                        return Err(syn::Error::new(kw.span, "duplicate `name = ..`"));
                    }
                } else if lookahead.peek(kw::unit) {
                    let kw: kw::unit = input.parse()?;
                    input.parse::<Token![=]>()?;
                    let lit: LitStr = input.parse()?;
                    if args.unit.replace(lit).is_some() {
                        return Err(syn::Error::new(kw.span, "duplicate `unit = ..`"));
                    }
                } else if lookahead.peek(kw::buckets) {
                    let kw: kw::buckets = input.parse()?;
                    input.parse::<Token![=]>()?;
                    let b = parse_buckets(input)?;
                    if args.buckets.replace(b).is_some() {
                        return Err(syn::Error::new(kw.span, "duplicate `buckets = ..`"));
                    }
                } else if input.peek(Ident) {
                    let ident: Ident = input.parse()?;
                    let s = ident.to_string();
                    let msg = if ["counter", "gauge", "histogram"].contains(&s.as_str()) {
                        format!(
                            "the metric kind is already given; `{s}` must come first and only once"
                        )
                    } else {
                        let hint = crate::util::closest(&s, ["labels", "name", "unit", "buckets"])
                            .map(|c| format!("; did you mean `{c}`?"))
                            .unwrap_or_default();
                        format!("unknown argument `{s}`: expected `labels(..)`, `name = \"..\"`, `unit = \"..\"` or `buckets = ..`{hint}")
                    };
                    return Err(syn::Error::new(ident.span(), msg));
                } else {
                    return Err(lookahead.error());
                }
            }
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        Ok(args)
    }
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
        parenthesized!(content in input);
        let start: Num = content.parse()?;
        content.parse::<Token![,]>()?;
        let factor: Num = content.parse()?;
        content.parse::<Token![,]>()?;
        let count: LitInt = content.parse()?;
        Ok(Buckets::Exponential {
            span: kw.span,
            start,
            factor,
            count,
        })
    } else if lookahead.peek(kw::linear) {
        let kw: kw::linear = input.parse()?;
        let content;
        parenthesized!(content in input);
        let start: Num = content.parse()?;
        content.parse::<Token![,]>()?;
        let width: Num = content.parse()?;
        content.parse::<Token![,]>()?;
        let count: LitInt = content.parse()?;
        Ok(Buckets::Linear {
            span: kw.span,
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
        let name: Ident = input.call(syn::ext::IdentExt::parse_any)?;
        if !input.peek(Token![:]) {
            return Ok(LabelDecl { name, ty: None });
        }
        input.parse::<Token![:]>()?;
        if input.peek(kw::dynamic) {
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
            if content.is_empty() {
                return Ok(LabelDecl {
                    name,
                    ty: Some(LabelTy::Dynamic {
                        span: paren.span.join(),
                        max: None,
                    }),
                });
            }
            content.parse::<kw::max>()?;
            content.parse::<Token![=]>()?;
            let max: LitInt = content.parse()?;
            return Ok(LabelDecl {
                name,
                ty: Some(LabelTy::Dynamic {
                    span: kw.span,
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
                rest.extend([input.parse::<proc_macro2::TokenTree>()?]);
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
