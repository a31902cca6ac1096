//! `#[derive(LabelValue)]`.
//
// Input:
//     #[derive(LabelValue)] enum Outcome { Accepted, #[label = "denied"] Rejected }
// Output:
//     impl ::alys_metrics::__private::LabelValue for Outcome {
//         const COUNT: usize = 2;
//         const VALUES: &'static [Self] = &[Outcome::Accepted, Outcome::Rejected];
//         fn index(self) -> usize { match self { Outcome::Accepted => 0, Outcome::Rejected => 1 } }
//         fn as_str(self) -> &'static str { match self { .. => "accepted", .. => "denied" } }
//     }
//
// A mistake in one variant (fields, a bad or repeated `#[label]`) is reported and the impl is
// still emitted, so that the enum's uses as a label add no errors of their own.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::spanned::Spanned;
use syn::{Attribute, Data, DeriveInput, Expr, ExprLit, Fields, Lit, Meta};

use crate::util::{snake_case, Errors};

pub fn expand(input: &DeriveInput) -> syn::Result<TokenStream> {
    let ident = &input.ident;
    let data = match &input.data {
        Data::Enum(e) => e,
        Data::Struct(s) => return Err(not_an_enum(s.struct_token.span, ident, "a struct")),
        Data::Union(u) => return Err(not_an_enum(u.union_token.span, ident, "a union")),
    };
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            &input.generics,
            "`LabelValue` cannot be derived for a generic enum: a label's values are fixed; remove the parameters",
        ));
    }
    if data.variants.is_empty() {
        return Err(syn::Error::new_spanned(
            ident,
            "an enum without variants cannot label anything: add a variant for each value",
        ));
    }
    let mut errors = Errors::default();
    let mut seen: Vec<(String, &syn::Ident)> = Vec::new();
    let mut arms_index = Vec::new();
    let mut arms_str = Vec::new();
    let mut values = Vec::new();
    for (i, v) in data.variants.iter().enumerate() {
        let vident = &v.ident;
        // `{ .. }` matches the tuple and struct variants that are reported as errors.
        let pattern = if matches!(v.fields, Fields::Unit) {
            values.push(quote!(#ident::#vident));
            quote!(#ident::#vident)
        } else {
            quote!(#ident::#vident { .. })
        };
        if !matches!(v.fields, Fields::Unit) {
            errors.error(
                v.fields.span(),
                format!(
                    "variant `{vident}` has fields, but a label value is one of a fixed set: remove the fields, \
                     or implement `LabelValue` by hand to fold the data into one value"
                ),
            );
        }
        let (value, span) = variant_value(vident, &v.attrs, &mut errors);
        if let Some((_, first)) = seen.iter().find(|(s, _)| *s == value) {
            errors.error(
                span,
                format!(
                    "label value `{value}` is already the value of variant `{first}`: two variants would \
                     export the same series; give this one another `#[label = \"..\"]`"
                ),
            );
        }
        seen.push((value.clone(), vident));
        arms_index.push(quote!(#pattern => #i));
        arms_str.push(quote!(#pattern => #value));
    }
    let count = data.variants.len();
    let errs = errors.into_compile_error();
    Ok(quote! {
        #errs
        #[automatically_derived]
        impl ::alys_metrics::__private::LabelValue for #ident {
            const COUNT: ::core::primitive::usize = #count;
            const VALUES: &'static [Self] = &[#(#values),*];
            #[inline]
            fn index(self) -> ::core::primitive::usize {
                match self { #(#arms_index,)* }
            }
            #[inline]
            fn as_str(self) -> &'static ::core::primitive::str {
                match self { #(#arms_str,)* }
            }
        }
    })
}

fn not_an_enum(span: Span, ident: &syn::Ident, what: &str) -> syn::Error {
    syn::Error::new(
        span,
        format!(
            "`LabelValue` can only be derived for a field-less enum, and `{ident}` is {what}: \
             a label takes one of a fixed set of values, one variant each"
        ),
    )
}

/// The variant's label value: `#[label = ".."]` or its name in snake_case, and where it
/// comes from.
fn variant_value(vident: &syn::Ident, attrs: &[Attribute], errors: &mut Errors) -> (String, Span) {
    let mut value = (snake_case(&vident.to_string()), vident.span());
    let mut given = false;
    for attr in attrs.iter().filter(|a| a.path().is_ident("label")) {
        let Meta::NameValue(nv) = &attr.meta else {
            errors.error(attr.span(), "expected `#[label = \"value\"]`");
            continue;
        };
        let Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) = &nv.value
        else {
            errors.error(nv.value.span(), "expected a string: `#[label = \"value\"]`");
            continue;
        };
        if given {
            errors.error(
                attr.span(),
                format!("variant `{vident}` has two `#[label]`s: keep one"),
            );
            continue;
        }
        given = true;
        let v = s.value();
        if v.is_empty()
            || !v
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            errors.error(
                s.span(),
                format!(
                    "label value `{v}` must be lower-case ASCII letters, digits and `_`, e.g. `{}`",
                    suggest_value(&v, vident)
                ),
            );
        }
        value = (v, s.span());
    }
    value
}

/// A valid label value close to what the user wrote.
fn suggest_value(v: &str, vident: &syn::Ident) -> String {
    let cleaned = crate::util::lower_alnum_underscore(&snake_case(v));
    let cleaned = cleaned.trim_matches('_').to_owned();
    if cleaned.is_empty() {
        snake_case(&vident.to_string())
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn derive(src: &str) -> String {
        let input: DeriveInput = syn::parse_str(src).expect("valid item");
        match expand(&input) {
            Ok(t) => t.to_string(),
            Err(e) => format!("compile_error: {e}"),
        }
    }

    #[test]
    fn values_are_snake_case_or_the_label_attribute() {
        let out = derive("enum Outcome { Accepted, HTTPError, #[label = \"denied\"] Rejected }");
        assert!(!out.contains("compile_error"), "{out}");
        assert!(out.contains("\"accepted\""));
        assert!(out.contains("\"http_error\""));
        assert!(out.contains("\"denied\""));
        assert!(out.contains("const COUNT : :: core :: primitive :: usize = 3usize"));
    }

    #[test]
    fn mistakes_are_reported_beside_the_impl() {
        let out = derive("enum E { A, #[label = \"a\"] B, C(u8), #[label = \"Bad Value\"] D }");
        assert!(out.contains("already the value of variant `A`"), "{out}");
        assert!(out.contains("variant `C` has fields"), "{out}");
        assert!(out.contains("e.g. `bad_value`"), "{out}");
        assert!(out.contains("impl :: alys_metrics"), "{out}");
    }

    #[test]
    fn only_plain_enums_derive() {
        assert!(derive("struct S { a: u8 }").contains("`S` is a struct"));
        assert!(derive("union U { a: u8 }").contains("`U` is a union"));
        assert!(derive("enum E<T> { A(T) }").contains("generic"));
        assert!(derive("enum E {}").contains("without variants"));
        assert!(
            derive("enum E { #[label = \"x\"] #[label = \"y\"] A }").contains("two `#[label]`s")
        );
    }
}
