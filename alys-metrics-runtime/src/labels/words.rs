//! Classifying a `CamelCase` or `snake_case` type name by its whole words, as `const fn`s: the
//! one classifier behind `#[instrument_actor]`'s compile-time inference
//! (`actor_type_by_words`, `message_type_by_words`) and [`ActorType::from_name`] at run time.
//!
//! A keyword counts only as one or more whole words of the name: `ChainActor` and
//! `ChainSupervisor` say `chain`; `ExampleBlockchainActor` (the word is `Blockchain`),
//! `AsyncWorker` (`Async`) and `RestoreCheckpoint` (`Restore`) say nothing.
//!
//! [`ActorType::from_name`]: super::ActorType::from_name

use super::ActorType;

/// True when a word of a `CamelCase` or `snake_case` name starts at `i`.
const fn word_start(b: &[u8], i: usize) -> bool {
    if i == 0 {
        return true;
    }
    if i >= b.len() {
        return false;
    }
    let (prev, cur) = (b[i - 1], b[i]);
    if prev == b'_' {
        return cur != b'_';
    }
    if !cur.is_ascii_uppercase() {
        return false;
    }
    if prev.is_ascii_lowercase() || prev.is_ascii_digit() {
        return true;
    }
    // `HTTPError`: the `E` starts a word.
    prev.is_ascii_uppercase() && i + 1 < b.len() && b[i + 1].is_ascii_lowercase()
}

/// True when `kw` (lower-case ASCII) is one or more whole words of `b` starting at `i`.
const fn words_at(b: &[u8], i: usize, kw: &[u8]) -> bool {
    if i + kw.len() > b.len() {
        return false;
    }
    let mut k = 0;
    while k < kw.len() {
        if b[i + k].to_ascii_lowercase() != kw[k] {
            return false;
        }
        k += 1;
    }
    let end = i + kw.len();
    end == b.len() || b[end] == b'_' || word_start(b, end)
}

/// The value of the first word (or run of words) of `name` that is a keyword of `rules`
/// (keywords in lower-case ASCII; a longer keyword before its prefix).
pub(crate) const fn by_words<T: Copy>(name: &str, rules: &[(&str, T)]) -> Option<T> {
    let b = name.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if word_start(b, i) {
            let mut r = 0;
            while r < rules.len() {
                if words_at(b, i, rules[r].0.as_bytes()) {
                    return Some(rules[r].1);
                }
                r += 1;
            }
        }
        i += 1;
    }
    None
}

/// Actor-type words: each type's label value.
pub(crate) const ACTOR_WORDS: [(&str, ActorType); 9] = [
    ("chain", ActorType::Chain),
    ("engine", ActorType::Engine),
    ("network", ActorType::Network),
    ("bridge", ActorType::Bridge),
    ("storage", ActorType::Storage),
    ("sync", ActorType::Sync),
    ("stream", ActorType::Stream),
    ("supervisor", ActorType::Supervisor),
    ("system", ActorType::System),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_match_whole_words_only() {
        for (name, expected) in [
            ("ChainActor", Some(ActorType::Chain)),
            ("ChainSupervisor", Some(ActorType::Chain)),
            ("RootSupervisor", Some(ActorType::Supervisor)),
            ("ExampleBlockchainActor", None),
            ("AsyncWorker", None),
            ("RestoreCheckpoint", None),
            ("chain_actor", Some(ActorType::Chain)),
            ("HTTPSync", Some(ActorType::Sync)),
            ("StreamingActor", None),
            ("CHAIN", Some(ActorType::Chain)),
            ("Ünïcode_sync", Some(ActorType::Sync)),
            ("", None),
        ] {
            assert_eq!(by_words(name, &ACTOR_WORDS), expected, "{name}");
        }
    }
}
