//! Compile-time classification of actor and message type names.
//!
//! `#[instrument_actor]` emits `const` evaluations of the whole-word rules over the type names
//! it sees (`actor_type_by_words("ChainActor")`), so the rules live here, once, and an
//! instrumented handler does no string work when it runs. [`actor_type_of`] is the older
//! substring rule behind [`ActorType::from_name`] (names given at run time, such as the
//! bridge's); the attribute does not use it.

use crate::labels::{ActorType, MessageType};

/// True when `needle` (lower-case ASCII) occurs in `hay`, comparing ASCII case-insensitively.
const fn contains_ignore_case(hay: &[u8], needle: &[u8]) -> bool {
    if needle.len() > hay.len() {
        return false;
    }
    let mut start = 0;
    while start + needle.len() <= hay.len() {
        let mut i = 0;
        while i < needle.len() && hay[start + i].to_ascii_lowercase() == needle[i] {
            i += 1;
        }
        if i == needle.len() {
            return true;
        }
        start += 1;
    }
    false
}

/// The first rule whose keyword occurs in `name` decides; `default` otherwise.
const fn classify<T: Copy>(name: &str, rules: &[(&str, T)], default: T) -> T {
    let hay = name.as_bytes();
    let mut r = 0;
    while r < rules.len() {
        if contains_ignore_case(hay, rules[r].0.as_bytes()) {
            return rules[r].1;
        }
        r += 1;
    }
    default
}

/// Actor-type rules, in the order of [`ActorType::from_name`].
const ACTOR_RULES: [(&str, ActorType); 8] = [
    ("chain", ActorType::Chain),
    ("engine", ActorType::Engine),
    ("network", ActorType::Network),
    ("bridge", ActorType::Bridge),
    ("storage", ActorType::Storage),
    ("sync", ActorType::Sync),
    ("stream", ActorType::Stream),
    ("supervisor", ActorType::Supervisor),
];

/// The actor type of a type name, by the rules of [`ActorType::from_name`], as a `const fn`:
/// case-insensitively, the first of `chain`, `engine`, `network`, `bridge`, `storage`, `sync`,
/// `stream`, `supervisor` contained in the name decides; otherwise `system`.
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use alys_metrics::actor::actor_type_of;
/// use alys_metrics::labels::ActorType;
/// const T: ActorType = actor_type_of("PegInBridgeActor");
/// assert_eq!(T, ActorType::Bridge);
/// assert_eq!(actor_type_of("Metronome"), ActorType::System);
/// ```
pub const fn actor_type_of(name: &str) -> ActorType {
    classify(name, &ACTOR_RULES, ActorType::System)
}

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

/// The value of the first word (or run of words) of `name` that is a keyword of `rules`.
const fn by_words<T: Copy>(name: &str, rules: &[(&str, T)]) -> Option<T> {
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

/// Actor-type words.
const ACTOR_WORDS: [(&str, ActorType); 9] = [
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

/// The actor type an actor's type name says by its words, as `#[instrument_actor]` infers it:
/// the first word of the name that is an actor type (`chain`, `engine`, `network`, `bridge`,
/// `storage`, `sync`, `stream`, `supervisor`, `system`) decides; whole words only, so a word
/// that merely contains one (`Blockchain`, `Async`) does not count. `None` when no word is
/// one: the attribute then asks for `actor = ..`.
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use alys_metrics::actor::actor_type_by_words;
/// use alys_metrics::labels::ActorType;
/// assert_eq!(actor_type_by_words("ChainActor"), Some(ActorType::Chain));
/// assert_eq!(actor_type_by_words("ChainSupervisor"), Some(ActorType::Chain));
/// assert_eq!(actor_type_by_words("RootSupervisor"), Some(ActorType::Supervisor));
/// assert_eq!(actor_type_by_words("ExampleBlockchainActor"), None);
/// assert_eq!(actor_type_by_words("AsyncWorker"), None);
/// ```
pub const fn actor_type_by_words(name: &str) -> Option<ActorType> {
    by_words(name, &ACTOR_WORDS)
}

/// Message-type words; a longer keyword before its prefix.
const MESSAGE_WORDS: [(&str, MessageType); 28] = [
    ("started", MessageType::Lifecycle),
    ("start", MessageType::Lifecycle),
    ("stopped", MessageType::Lifecycle),
    ("stop", MessageType::Lifecycle),
    ("shutdown", MessageType::Lifecycle),
    ("restart", MessageType::Lifecycle),
    ("health", MessageType::Lifecycle),
    ("heartbeat", MessageType::Lifecycle),
    ("lifecycle", MessageType::Lifecycle),
    ("sync", MessageType::Sync),
    ("network", MessageType::Network),
    ("peers", MessageType::Network),
    ("peer", MessageType::Network),
    ("gossip", MessageType::Network),
    ("broadcast", MessageType::Network),
    ("mining", MessageType::Mining),
    ("auxpow", MessageType::Mining),
    ("template", MessageType::Mining),
    ("governance", MessageType::Governance),
    ("proposal", MessageType::Governance),
    ("vote", MessageType::Governance),
    ("pegin", MessageType::Bridge),
    ("pegout", MessageType::Bridge),
    ("peg", MessageType::Bridge),
    ("bridge", MessageType::Bridge),
    ("storage", MessageType::Storage),
    ("store", MessageType::Storage),
    ("database", MessageType::Storage),
];

/// The message type a message type's name says by its words, as `#[instrument_actor]` infers
/// it: the first word (or run of words) that is a keyword decides; whole words only.
///
/// | words | message type |
/// |---|---|
/// | `Start`, `Started`, `Stop`, `Stopped`, `Shutdown`, `Restart`, `Health`, `Heartbeat`, `Lifecycle` | `lifecycle` |
/// | `Sync` | `sync` |
/// | `Network`, `Peer`, `Peers`, `Gossip`, `Broadcast` | `network` |
/// | `Mining`, `AuxPow`, `Template` | `mining` |
/// | `Governance`, `Proposal`, `Vote` | `governance` |
/// | `Peg`, `PegIn`, `PegOut`, `Bridge` | `bridge` |
/// | `Storage`, `Store`, `Database` | `storage` |
///
/// `None` when no word is one: the attribute then asks for `message = ..`.
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use alys_metrics::actor::message_type_by_words;
/// use alys_metrics::labels::MessageType;
/// assert_eq!(message_type_by_words("PegInStarted"), Some(MessageType::Bridge));
/// assert_eq!(message_type_by_words("HealthCheck"), Some(MessageType::Lifecycle));
/// assert_eq!(message_type_by_words("SubmitAuxPow"), Some(MessageType::Mining));
/// assert_eq!(message_type_by_words("RestoreCheckpoint"), None); // no "Store" word
/// assert_eq!(message_type_by_words("ImportBlock"), None);
/// ```
pub const fn message_type_by_words(name: &str) -> Option<MessageType> {
    by_words(name, &MESSAGE_WORDS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actor_type_of_agrees_with_from_name() {
        for name in [
            "ChainActor",
            "EngineActor",
            "NetworkActor",
            "BridgeActor",
            "StorageActor",
            "SyncActor",
            "StreamActor",
            "RootSupervisor",
            "ChainSupervisor",
            "PegInBridgeActor",
            "CHAIN",
            "Metronome",
            "",
            "Ünïcode_sync",
            "S",
        ] {
            assert_eq!(actor_type_of(name), ActorType::from_name(name), "{name}");
        }
    }

    #[test]
    fn words_are_whole_words() {
        for (name, expected) in [
            ("ChainActor", Some(ActorType::Chain)),
            ("ChainSupervisor", Some(ActorType::Chain)),
            ("ExampleBlockchainActor", None),
            ("AsyncWorker", None),
            ("SyncActor", Some(ActorType::Sync)),
            ("chain_actor", Some(ActorType::Chain)),
            ("StreamingActor", None),
            ("Supervisor", Some(ActorType::Supervisor)),
            ("", None),
        ] {
            assert_eq!(actor_type_by_words(name), expected, "{name}");
        }
        for (name, expected) in [
            ("RestoreCheckpoint", None),
            ("PegInStarted", Some(MessageType::Bridge)),
            ("StartSync", Some(MessageType::Lifecycle)),
            ("GetPeers", Some(MessageType::Network)),
            ("Peerless", None),
            ("StoreBlock", Some(MessageType::Storage)),
            ("HTTPSync", Some(MessageType::Sync)),
        ] {
            assert_eq!(message_type_by_words(name), expected, "{name}");
        }
    }

    #[test]
    fn message_types_follow_the_documented_table() {
        let cases = [
            ("StartActor", Some(MessageType::Lifecycle)),
            ("HealthCheck", Some(MessageType::Lifecycle)),
            ("SyncBlocks", Some(MessageType::Sync)),
            ("PeerConnected", Some(MessageType::Network)),
            ("BroadcastBlock", Some(MessageType::Network)),
            ("SubmitAuxPow", Some(MessageType::Mining)),
            ("GetBlockTemplate", Some(MessageType::Mining)),
            ("CastVote", Some(MessageType::Governance)),
            ("ProcessPegIn", Some(MessageType::Bridge)),
            ("ProcessPegout", Some(MessageType::Bridge)),
            ("StoreBlock", Some(MessageType::Storage)),
            ("StorageQuery", Some(MessageType::Storage)),
            ("GetHeight", None),
            ("", None),
        ];
        for (name, expected) in cases {
            assert_eq!(message_type_by_words(name), expected, "{name}");
        }
    }
}
