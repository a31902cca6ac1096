//! Small helpers shared by the macros.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;

/// What an item is, for errors that say where an attribute cannot go ("cannot be applied to
/// a struct"), and the span of its keyword (`struct`, `fn`, ..), where the error points.
pub fn describe_item(item: &syn::Item) -> (Span, &'static str) {
    use syn::Item;
    match item {
        Item::Fn(f) => (f.sig.fn_token.span, "a function"),
        Item::Struct(s) => (s.struct_token.span, "a struct"),
        Item::Enum(e) => (e.enum_token.span, "an enum"),
        Item::Union(u) => (u.union_token.span, "a union"),
        Item::Const(c) => (c.const_token.span, "a `const`"),
        Item::Static(s) => (s.static_token.span, "a `static`"),
        Item::Impl(i) => (i.impl_token.span, "an `impl` block"),
        Item::Trait(t) => (t.trait_token.span, "a trait definition"),
        Item::TraitAlias(t) => (t.trait_token.span, "a trait alias"),
        Item::Mod(m) => (m.mod_token.span, "a module"),
        Item::Type(t) => (t.type_token.span, "a type alias"),
        Item::Use(u) => (u.use_token.span, "a `use` declaration"),
        Item::ExternCrate(e) => (e.extern_token.span, "an `extern crate` declaration"),
        Item::ForeignMod(f) => (f.abi.extern_token.span, "an `extern` block"),
        Item::Macro(m) => (
            first_span(m.mac.path.to_token_stream()),
            "a macro invocation",
        ),
        other => (first_span(other.to_token_stream()), "this item"),
    }
}

/// The span of the first token, or the call site when there is none.
pub fn first_span(tokens: TokenStream) -> Span {
    tokens
        .into_iter()
        .next()
        .map_or_else(Span::call_site, |t| t.span())
}

/// The word `s` as one segment of a path, spanned on `span` (`r#type` for a keyword); `None`
/// for the words no item can be named (`self`, `super`, `crate`, `Self`, `_`).
pub fn path_segment(s: &str, span: Span) -> Option<syn::Ident> {
    if syn::parse_str::<syn::Ident>(s).is_ok() {
        return Some(syn::Ident::new(s, span));
    }
    if matches!(s, "self" | "super" | "crate" | "Self" | "_")
        || syn::parse_str::<syn::Ident>(&format!("r#{s}")).is_err()
    {
        return None;
    }
    Some(syn::Ident::new_raw(s, span))
}

/// `FederationV2` -> `federation_v2`, `HTTPError` -> `http_error` (heck's word boundaries).
pub fn snake_case(s: &str) -> String {
    heck::ToSnakeCase::to_snake_case(s)
}

/// `s` with every character that is not an ASCII letter or digit turned into `_`, lower case.
pub fn lower_alnum_underscore(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// Edit distance, for "did you mean" suggestions.
pub fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The closest candidate within a distance that is reasonable for the word's length.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.len() / 3).max(1) + 1;
    candidates
        .into_iter()
        .map(|c| (levenshtein(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Collects errors so that all of them are reported together.
#[derive(Default)]
pub struct Errors {
    all: Option<syn::Error>,
    /// The item must be left as written although no error is ours (rustc reports it).
    unchanged: bool,
}

impl From<syn::Error> for Errors {
    fn from(e: syn::Error) -> Self {
        Errors {
            all: Some(e),
            unchanged: false,
        }
    }
}

impl Errors {
    pub fn push(&mut self, e: syn::Error) {
        match &mut self.all {
            Some(all) => all.combine(e),
            None => self.all = Some(e),
        }
    }

    /// Leaves the item as written, with the errors collected (maybe none: rustc's own error on
    /// the item then says it best).
    pub fn leave_unchanged(&mut self) {
        self.unchanged = true;
    }

    /// True when the item must be left as written.
    pub fn unchanged(&self) -> bool {
        self.unchanged || self.all.is_some()
    }

    pub fn error(&mut self, span: proc_macro2::Span, msg: impl std::fmt::Display) {
        self.push(syn::Error::new(span, msg));
    }

    pub fn is_empty(&self) -> bool {
        self.all.is_none()
    }

    pub fn into_compile_error(self) -> proc_macro2::TokenStream {
        self.all
            .map(syn::Error::into_compile_error)
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_handles_digits_and_acronyms() {
        assert_eq!(snake_case("FederationV2"), "federation_v2");
        assert_eq!(snake_case("HTTPError"), "http_error");
        assert_eq!(snake_case("InsufficientFee"), "insufficient_fee");
        assert_eq!(snake_case("Auxpow"), "auxpow");
        assert_eq!(snake_case("A"), "a");
    }

    #[test]
    fn keywords_become_raw_path_segments() {
        let seg = |s: &str| path_segment(s, Span::call_site()).map(|i| i.to_string());
        assert_eq!(seg("type"), Some("r#type".into()));
        assert_eq!(seg("phase"), Some("phase".into()));
        assert_eq!(seg("self"), None);
        assert_eq!(seg("9lives"), None);
    }

    #[test]
    fn suggestions_pick_the_nearest_reasonable_candidate() {
        assert_eq!(closest("phse", ["phase", "region"]), Some("phase"));
        assert_eq!(
            closest("eror_type", ["phase", "error_type"]),
            Some("error_type")
        );
        assert_eq!(closest("zzzzzz", ["phase"]), None);
    }
}
