//! Placeholder until the `#[actor]` expansion lands: reports a clear compile error.

use proc_macro2::{Span, TokenStream};

pub fn expand(_args: TokenStream, item: TokenStream) -> TokenStream {
    let err = syn::Error::new(
        Span::call_site(),
        "this attribute is not available in this version of alys-metrics",
    )
    .into_compile_error();
    quote::quote!(#err #item)
}
