//! Small helpers shared by the macros.

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
pub struct Errors(Option<syn::Error>);

impl Errors {
    pub fn push(&mut self, e: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(e),
            None => self.0 = Some(e),
        }
    }

    pub fn error(&mut self, span: proc_macro2::Span, msg: impl std::fmt::Display) {
        self.push(syn::Error::new(span, msg));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    pub fn into_compile_error(self) -> proc_macro2::TokenStream {
        self.0
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
    fn suggestions_pick_the_nearest_reasonable_candidate() {
        assert_eq!(closest("phse", ["phase", "region"]), Some("phase"));
        assert_eq!(
            closest("eror_type", ["phase", "error_type"]),
            Some("error_type")
        );
        assert_eq!(closest("zzzzzz", ["phase"]), None);
    }
}
