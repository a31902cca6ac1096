//! Label enums of inter-actor traffic and deadlock detection.

use crate::LabelValue;

/// One end of an inter-actor message (`from_actor` and `to_actor` labels; 10 values): the
/// nine actor types of [`ActorType`](crate::labels::ActorType), in the same order, and
/// `external` for a message sent from outside any actor handler (`main`, a tokio task, a test).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum ActorEndpoint {
    /// `chain` actors.
    Chain,
    /// `engine` actors.
    Engine,
    /// `network` actors.
    Network,
    /// `bridge` actors.
    Bridge,
    /// `storage` actors.
    Storage,
    /// `sync` actors.
    Sync,
    /// `stream` actors.
    Stream,
    /// `supervisor` actors.
    Supervisor,
    /// `system` actors.
    System,
    /// `unclassified` actors: no rule says their type.
    Unclassified,
    /// Code outside any actor handler.
    External,
}

impl ActorEndpoint {
    /// The endpoint of an actor type (never [`ActorEndpoint::External`]).
    #[inline]
    pub const fn of(actor: crate::labels::ActorType) -> Self {
        use crate::labels::ActorType as T;
        match actor {
            T::Chain => Self::Chain,
            T::Engine => Self::Engine,
            T::Network => Self::Network,
            T::Bridge => Self::Bridge,
            T::Storage => Self::Storage,
            T::Sync => Self::Sync,
            T::Stream => Self::Stream,
            T::Supervisor => Self::Supervisor,
            T::System => Self::System,
            T::Unclassified => Self::Unclassified,
        }
    }
}

/// How actors talk to each other (`pattern_type` label; 3 values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum CommunicationPattern {
    /// `send`: a request whose reply the sender awaits.
    RequestResponse,
    /// `do_send`: a message without a reply.
    FireAndForget,
    /// One message to several recipients.
    Broadcast,
}

/// What a deadlock detection found (`detection_type` label; 2 values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum DeadlockKind {
    /// Actors awaiting each other's replies in a cycle, none answered for the threshold.
    WaitCycle,
    /// A mailbox holding messages that processed none for the threshold.
    StalledMailbox,
}
