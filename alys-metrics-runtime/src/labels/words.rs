//! Classifying a `CamelCase` or `snake_case` type name by its whole words, as `const fn`s: the
//! one classifier behind `#[instrument_actor]`'s inference ([`ActorType::by_words`],
//! [`MessageType::by_words`]) and [`ActorType::from_name`] at run time.
//!
//! A keyword counts only as one or more whole words of the name: `ChainActor` and
//! `ChainSupervisor` say `chain`; `ExampleBlockchainActor` (the word is `Blockchain`),
//! `AsyncWorker` (`Async`) and `Peerless` say nothing.

use super::{ActorType, MessageType};

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

/// Actor-type words: each type's label value, then the words the Alys node's actor names
/// use for one (`PeerActor`, `HealthMonitor`, `ShutdownCoordinator`); a longer keyword before
/// its prefix.
pub(crate) const ACTOR_WORDS: [(&str, ActorType); 19] = [
    ("chain", ActorType::Chain),
    ("engine", ActorType::Engine),
    ("execution", ActorType::Engine),
    ("network", ActorType::Network),
    ("peers", ActorType::Network),
    ("peer", ActorType::Network),
    ("p2p", ActorType::Network),
    ("bridge", ActorType::Bridge),
    ("storage", ActorType::Storage),
    ("database", ActorType::Storage),
    ("sync", ActorType::Sync),
    ("stream", ActorType::Stream),
    ("supervisor", ActorType::Supervisor),
    ("supervision", ActorType::Supervisor),
    ("system", ActorType::System),
    ("health", ActorType::System),
    ("shutdown", ActorType::System),
    ("registry", ActorType::System),
    ("monitor", ActorType::System),
];

/// Message-type words; a longer keyword before its prefix.
pub(crate) const MESSAGE_WORDS: [(&str, MessageType); 44] = [
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
    ("publish", MessageType::Network),
    ("subscribe", MessageType::Network),
    ("unsubscribe", MessageType::Network),
    ("discovery", MessageType::Network),
    ("connection", MessageType::Network),
    ("mining", MessageType::Mining),
    ("auxpow", MessageType::Mining),
    ("aux_pow", MessageType::Mining),
    ("template", MessageType::Mining),
    ("produce", MessageType::Mining),
    ("production", MessageType::Mining),
    ("governance", MessageType::Governance),
    ("proposal", MessageType::Governance),
    ("vote", MessageType::Governance),
    ("federation", MessageType::Governance),
    ("pegins", MessageType::Bridge),
    ("pegin", MessageType::Bridge),
    ("pegouts", MessageType::Bridge),
    ("pegout", MessageType::Bridge),
    ("peg", MessageType::Bridge),
    ("bridge", MessageType::Bridge),
    ("storage", MessageType::Storage),
    ("store", MessageType::Storage),
    ("database", MessageType::Storage),
    ("checkpoint", MessageType::Storage),
    ("snapshot", MessageType::Storage),
    ("backup", MessageType::Storage),
    ("archive", MessageType::Storage),
    ("cache", MessageType::Storage),
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

    /// The actor names of the Alys v2 node (`app/src/actors`), as the node names them.
    #[test]
    fn the_alys_node_actor_names_say_their_type() {
        for (name, expected) in [
            ("StorageActor", Some(ActorType::Storage)),
            ("EngineActor", Some(ActorType::Engine)),
            ("SyncActor", Some(ActorType::Sync)),
            ("ChainActor", Some(ActorType::Chain)),
            ("StreamActor", Some(ActorType::Stream)),
            ("NetworkActor", Some(ActorType::Network)),
            ("BridgeActor", Some(ActorType::Bridge)),
            ("PeerActor", Some(ActorType::Network)),
            ("HealthMonitor", Some(ActorType::System)),
            ("ShutdownCoordinator", Some(ActorType::System)),
            ("ActorRegistry", Some(ActorType::System)),
            ("RootSupervisor", Some(ActorType::Supervisor)),
            ("AlysRootSupervisor", Some(ActorType::Supervisor)),
            ("ExecutionClient", Some(ActorType::Engine)),
            // Says nothing: `impl ActorKind` declares it, else `unclassified`.
            ("ValidationWorker", None),
            ("Peerless", None),
            ("Monitoring", None),
        ] {
            assert_eq!(by_words(name, &ACTOR_WORDS), expected, "{name}");
        }
    }

    /// Message names of the Alys v2 node's handlers.
    #[test]
    fn the_alys_node_message_names_say_their_type() {
        for (name, expected) in [
            ("AddPeerMessage", Some(MessageType::Network)),
            ("BroadcastBlock", Some(MessageType::Network)),
            ("PublishMessage", Some(MessageType::Network)),
            ("SubscribeToTopicMessage", Some(MessageType::Network)),
            ("StartDiscovery", Some(MessageType::Lifecycle)),
            ("ProduceBlock", Some(MessageType::Mining)),
            ("PauseBlockProduction", Some(MessageType::Mining)),
            ("SubmitAuxPowHeader", Some(MessageType::Mining)),
            ("UpdateFederation", Some(MessageType::Governance)),
            ("ProcessPegIns", Some(MessageType::Bridge)),
            ("GetPendingPegouts", Some(MessageType::Bridge)),
            ("ProcessPegin", Some(MessageType::Bridge)),
            ("CreateCheckpoint", Some(MessageType::Storage)),
            ("RestoreSnapshotMessage", Some(MessageType::Storage)),
            ("WarmCache", Some(MessageType::Storage)),
            ("StoreBlockMessage", Some(MessageType::Storage)),
            ("GetConnectionStatus", Some(MessageType::Network)),
            ("GetSyncStatus", Some(MessageType::Sync)),
            ("HealthCheck", Some(MessageType::Lifecycle)),
            // Say nothing: `impl MessageKind` declares them, else `unclassified`.
            ("ImportBlock", None),
            ("GetPayloadMessage", None),
            ("RegisterActor", None),
            ("RestoreCheckpointless", None),
            ("Producer", None),
        ] {
            assert_eq!(by_words(name, &MESSAGE_WORDS), expected, "{name}");
        }
    }

    #[test]
    fn message_types_follow_the_documented_table() {
        for (name, expected) in [
            ("StartActor", Some(MessageType::Lifecycle)),
            ("HealthCheck", Some(MessageType::Lifecycle)),
            ("SyncBlocks", Some(MessageType::Sync)),
            ("PeerConnected", Some(MessageType::Network)),
            ("BroadcastBlock", Some(MessageType::Network)),
            ("SubmitAuxPow", Some(MessageType::Mining)),
            ("submit_aux_pow", Some(MessageType::Mining)),
            ("GetBlockTemplate", Some(MessageType::Mining)),
            ("CastVote", Some(MessageType::Governance)),
            ("ProcessPegIn", Some(MessageType::Bridge)),
            ("ProcessPegout", Some(MessageType::Bridge)),
            ("StoreBlock", Some(MessageType::Storage)),
            ("StorageQuery", Some(MessageType::Storage)),
            ("HTTPSync", Some(MessageType::Sync)),
            ("Restore", None),
            ("Peerless", None),
            ("GetHeight", None),
            ("", None),
        ] {
            assert_eq!(by_words(name, &MESSAGE_WORDS), expected, "{name}");
        }
    }
}
