//! Label enums of the actor runtime's message handling.

use crate::LabelValue;

/// How the handling of one message ended (`outcome` label of
/// `alys_actor_message_outcomes_total`; 4 values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum MessageOutcome {
    /// The handler returned, and not an `Err`.
    Ok,
    /// The handler returned `Err`.
    Error,
    /// The handler panicked.
    Panicked,
    /// The handler's future was dropped before it finished.
    Cancelled,
}

/// What an `ActorMetricsBridge` saw happen to a registered actor (`event` label of
/// `alys_actor_registration_events_total`; 3 values). Restarts are counted once, in
/// `alys_actor_restarts_total`; the operators' `alys_actor_lifecycle_events_total` (these
/// events and `restart`) is a recording rule over both (`ops/spellings.yml`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum RegistrationEvent {
    /// The actor was registered.
    Spawn,
    /// The actor was unregistered.
    Stop,
    /// The node reported the actor's health recovered.
    Recover,
}
