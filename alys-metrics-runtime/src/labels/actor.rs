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
