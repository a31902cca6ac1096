//! On any mistake: the errors, and the function unchanged, so that its callers see no errors of
//! their own.

use proc_macro2::TokenStream;
use quote::quote;
use syn::ItemFn;

use crate::util::{describe_item, Errors};

/// The item is not a function with a body: an error that says what it is, and the item
/// unchanged. An item syn cannot parse gets syn's own error.
pub fn not_a_function(item: TokenStream, parse_error: syn::Error) -> TokenStream {
    let msg = "`#[time_block]` times a function or method with a body";
    let err = if let Ok(f) = syn::parse2::<syn::TraitItemFn>(item.clone()) {
        // A trait method declared without a body (one with a body parses as `ItemFn`).
        syn::Error::new(
            f.semi_token.map_or_else(|| f.sig.ident.span(), |s| s.span),
            format!(
                "{msg}; `{}` has no body here: put the attribute on the method in each `impl`",
                f.sig.ident
            ),
        )
    } else {
        match syn::parse2::<syn::Item>(item.clone()) {
            // A function `ItemFn` refused: its own parser says why.
            Ok(syn::Item::Fn(_)) | Err(_) => parse_error,
            Ok(parsed) => {
                let (span, what) = describe_item(&parsed);
                let hint = if matches!(parsed, syn::Item::Impl(_)) {
                    "; put it on the method to time"
                } else {
                    ""
                };
                syn::Error::new(span, format!("{msg}; it cannot be applied to {what}{hint}"))
            }
        }
    };
    let err = err.into_compile_error();
    quote!(#err #item)
}

/// On error: the errors, and the function unchanged, so that its callers see no errors of
/// their own.
pub fn fallback(func: &ItemFn, errors: Errors) -> TokenStream {
    let errors = errors.into_compile_error();
    quote! {
        #errors
        #func
    }
}
