//! On any mistake: every error, followed by the user's item unchanged, so that nothing else in
//! the crate breaks because of the attribute (one error per mistake, no cascade).

use proc_macro2::TokenStream;
use quote::quote;

use crate::util::Errors;

pub fn fallback(errors: Errors, item: TokenStream) -> TokenStream {
    let errs = errors.into_compile_error();
    quote!(#errs #item)
}
