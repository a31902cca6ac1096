//! `#[derive(LabelValue)]`.
//
// Input:
//     #[derive(LabelValue)] enum Outcome { Accepted, #[label = "denied"] Rejected }
// Output:
//     impl ::alys_metrics::LabelValue for Outcome {
//         const COUNT: usize = 2;
//         const VALUES: &'static [Self] = &[Outcome::Accepted, Outcome::Rejected];
//         fn index(self) -> usize { match self { Outcome::Accepted => 0, Outcome::Rejected => 1 } }
//         fn as_str(self) -> &'static str { match self { .. => "accepted", .. => "denied" } }
//     }

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Data, DeriveInput, Expr, ExprLit, Fields, Lit, Meta};

use crate::util::{snake_case, Errors};

pub fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    let ident = &input.ident;
    let data = match &input.data {
        Data::Enum(e) => e,
        _ => {
            return Err(syn::Error::new_spanned(
                ident,
                "`LabelValue` can only be derived for a field-less enum: a label takes one of a fixed set of values",
            ))
        }
    };
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            &input.generics,
            "`LabelValue` cannot be derived for a generic enum",
        ));
    }
    if data.variants.is_empty() {
        return Err(syn::Error::new_spanned(
            ident,
            "an enum without variants cannot label anything: add a variant",
        ));
    }
    let mut errors = Errors::default();
    let mut seen: Vec<(String, proc_macro2::Span)> = Vec::new();
    let mut arms_index = Vec::new();
    let mut arms_str = Vec::new();
    let mut values = Vec::new();
    for (i, v) in data.variants.iter().enumerate() {
        let vident = &v.ident;
        if !matches!(v.fields, Fields::Unit) {
            errors.error(
                syn::spanned::Spanned::span(&v.fields),
                format!("variant `{vident}` has fields; a `LabelValue` enum must be field-less (implement `LabelValue` by hand to fold data into one value)"),
            );
            continue;
        }
        let mut value = snake_case(&vident.to_string());
        let mut span = vident.span();
        for attr in v.attrs.iter().filter(|a| a.path().is_ident("label")) {
            match &attr.meta {
                Meta::NameValue(nv) => match &nv.value {
                    Expr::Lit(ExprLit {
                        lit: Lit::Str(s), ..
                    }) => {
                        value = s.value();
                        span = s.span();
                        if value.is_empty()
                            || !value
                                .bytes()
                                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                        {
                            errors.error(span, format!("label value `{value}` must be non-empty lower-case ASCII letters, digits and `_`"));
                        }
                    }
                    other => errors.error(
                        syn::spanned::Spanned::span(other),
                        "expected a string: `#[label = \"value\"]`",
                    ),
                },
                _ => errors.error(
                    syn::spanned::Spanned::span(attr),
                    "expected `#[label = \"value\"]`",
                ),
            }
        }
        if let Some((_, first)) = seen.iter().find(|(s, _)| *s == value) {
            let mut e = syn::Error::new(
                span,
                format!("label value `{value}` is used by two variants"),
            );
            e.combine(syn::Error::new(*first, "first used here"));
            errors.push(e);
        }
        seen.push((value.clone(), span));
        arms_index.push(quote!(#ident::#vident => #i));
        arms_str.push(quote!(#ident::#vident => #value));
        values.push(quote!(#ident::#vident));
    }
    if !errors.is_empty() {
        return Ok(errors.into_compile_error());
    }
    let count = values.len();
    Ok(quote! {
        #[automatically_derived]
        impl ::alys_metrics::__private::LabelValue for #ident {
            const COUNT: usize = #count;
            const VALUES: &'static [Self] = &[#(#values),*];
            #[inline]
            fn index(self) -> usize {
                match self { #(#arms_index,)* }
            }
            #[inline]
            fn as_str(self) -> &'static str {
                match self { #(#arms_str,)* }
            }
        }
    })
}
