//! Classification of actor and message type names by their whole words.
//!
//! `#[instrument_actor]` emits `const` evaluations of these rules over the type names it sees
//! (`actor_type_by_words("ChainActor")`), so an instrumented handler does no string work when
//! it runs. The rules are the one word classifier of `labels` (also behind
//! [`ActorType::from_name`] at run time): a keyword counts only as whole words of the name.

use crate::labels::words::by_words;
use crate::labels::{ActorType, MessageType};

/// The actor type of a type name at run time or in a `const`: [`ActorType::from_name`]
/// (whole words; [`ActorType::System`] when no word is an actor type).
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use alys_metrics::actor::actor_type_of;
/// use alys_metrics::labels::ActorType;
/// const T: ActorType = actor_type_of("PegInBridgeActor");
/// assert_eq!(T, ActorType::Bridge);
/// assert_eq!(actor_type_of("ExampleBlockchainActor"), ActorType::System);
/// ```
pub const fn actor_type_of(name: &str) -> ActorType {
    ActorType::from_name(name)
}

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
    ActorType::by_words(name)
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
    fn actor_type_of_is_by_whole_words() {
        for (name, expected) in [
            ("ChainActor", ActorType::Chain),
            ("ChainSupervisor", ActorType::Chain),
            ("RootSupervisor", ActorType::Supervisor),
            ("PegInBridgeActor", ActorType::Bridge),
            ("ExampleBlockchainActor", ActorType::System),
            ("AsyncWorker", ActorType::System),
            ("RestoreCheckpoint", ActorType::System),
            ("Metronome", ActorType::System),
            ("", ActorType::System),
        ] {
            assert_eq!(actor_type_of(name), expected, "{name}");
            assert_eq!(ActorType::from_name(name), expected, "{name}");
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
