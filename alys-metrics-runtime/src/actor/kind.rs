//! A handler's `actor_type` and `message_type`: said once per type, or inferred.
//!
//! `#[instrument_actor]` gives every handler the exact `actor` and `message` labels (the type
//! names) and two coarse categories, resolved once (when the registry starts, or on the
//! handler's first message), in this order:
//!
//! 1. `actor = ..` / `message = ..` on the handler's attribute;
//! 2. the type's own declaration: [`ActorKind`] on the actor type, [`MessageKind`] on the
//!    message type, which every handler of the type picks up;
//! 3. the type's name, by whole words ([`ActorType::by_words`], [`MessageType::by_words`]);
//! 4. `unclassified` ([`ActorType::Unclassified`], [`MessageType::Unclassified`]).
//!
//! No step is ever a compile error, and the counts, latencies and outcomes of a handler are
//! exact whatever its categories. The declaration is read where a `static` can name the type:
//! an actor or message type that names a type parameter of its impl (`Worker<T>`) goes by its
//! words (or the handler's `actor = ..` / `message = ..`).

use crate::labels::{ActorType, MessageType};

pub use super::outcome::Probe;

/// Says an actor type's `actor_type` once, for every handler of it (when its name does not
/// say it, or says something else).
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use alys_metrics::actor::ActorKind;
/// use alys_metrics::labels::ActorType;
///
/// pub struct ValidationWorker;
/// impl ActorKind for ValidationWorker {
///     const ACTOR_TYPE: ActorType = ActorType::Chain;
/// }
/// ```
///
/// `#[instrument_actor(actor = chain)]` on the actor's `impl Actor for ValidationWorker` writes
/// this impl.
pub trait ActorKind {
    /// The actor type of every handler of this actor.
    const ACTOR_TYPE: ActorType;
}

/// Says a message type's `message_type` once, for every handler of it.
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use alys_metrics::actor::MessageKind;
/// use alys_metrics::labels::MessageType;
///
/// pub struct ImportBlock;
/// impl MessageKind for ImportBlock {
///     const MESSAGE_TYPE: MessageType = MessageType::Sync;
/// }
/// ```
pub trait MessageKind {
    /// The message type of every handler of this message.
    const MESSAGE_TYPE: MessageType;
}

/// First choice for an actor: its [`ActorKind`].
pub trait ActorDeclared {
    /// The actor type.
    fn __alys_actor_type(self, name: &str) -> ActorType;
}

impl<A: ActorKind + ?Sized> ActorDeclared for &&Probe<A> {
    #[inline]
    fn __alys_actor_type(self, _: &str) -> ActorType {
        A::ACTOR_TYPE
    }
}

/// Otherwise: its name's words, else `unclassified`.
pub trait ActorNamed {
    /// The actor type.
    fn __alys_actor_type(self, name: &str) -> ActorType;
}

impl<A: ?Sized> ActorNamed for &Probe<A> {
    #[inline]
    fn __alys_actor_type(self, name: &str) -> ActorType {
        ActorType::from_name(name)
    }
}

/// First choice for a message: its [`MessageKind`].
pub trait MessageDeclared {
    /// The message type.
    fn __alys_message_type(self, name: &str) -> MessageType;
}

impl<M: MessageKind + ?Sized> MessageDeclared for &&Probe<M> {
    #[inline]
    fn __alys_message_type(self, _: &str) -> MessageType {
        M::MESSAGE_TYPE
    }
}

/// Otherwise: its name's words, else `unclassified`.
pub trait MessageNamed {
    /// The message type.
    fn __alys_message_type(self, name: &str) -> MessageType;
}

impl<M: ?Sized> MessageNamed for &Probe<M> {
    #[inline]
    fn __alys_message_type(self, name: &str) -> MessageType {
        MessageType::from_name(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct ValidationWorker;
    impl ActorKind for ValidationWorker {
        const ACTOR_TYPE: ActorType = ActorType::Chain;
    }
    struct PeerActor;
    struct Metronome;
    struct ImportBlock;
    impl MessageKind for ImportBlock {
        const MESSAGE_TYPE: MessageType = MessageType::Sync;
    }
    struct GetPeers;
    struct Tick;

    // The borrows are the probe: what is implemented for `&&Probe` is preferred to `&Probe`.
    #[allow(clippy::needless_borrow)]
    #[test]
    fn a_declaration_wins_then_words_then_unclassified() {
        #[allow(unused_imports)]
        use super::{ActorDeclared as _, ActorNamed as _, MessageDeclared as _, MessageNamed as _};
        assert_eq!(
            (&&Probe::<ValidationWorker>::new()).__alys_actor_type("ValidationWorker"),
            ActorType::Chain
        );
        assert_eq!(
            (&&Probe::<PeerActor>::new()).__alys_actor_type("PeerActor"),
            ActorType::Network
        );
        assert_eq!(
            (&&Probe::<Metronome>::new()).__alys_actor_type("Metronome"),
            ActorType::Unclassified
        );
        assert_eq!(
            (&&Probe::<ImportBlock>::new()).__alys_message_type("ImportBlock"),
            MessageType::Sync
        );
        assert_eq!(
            (&&Probe::<GetPeers>::new()).__alys_message_type("GetPeers"),
            MessageType::Network
        );
        assert_eq!(
            (&&Probe::<Tick>::new()).__alys_message_type("Tick"),
            MessageType::Unclassified
        );
    }
}
