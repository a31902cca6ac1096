//! Inter-actor traffic and deadlock detection, recorded at the sender by
//! `actor_system::SendMeasured` and by the `actor_system::DeadlockDetector`.
//!
//! `from_actor` and `to_actor` are the [`ActorEndpoint`] values (the nine actor types and
//! `external`), held as capped dynamic labels so that only the edges that carried a message are
//! exported: the series are the
//! combinations of the `from_actor` and `to_actor` values seen so far (at most 10 x 10). Each edge's children are resolved once, on the edge's first
//! message, and cached by array index; these families must never be
//! [`forget`](crate::metric::Metric::forget)-ed.
//!
//! `alys_actor_messages_dropped_total`, the operators' spelling of mailbox drops, is not
//! exported here: it is `alys_actor_mailbox_dropped_total` under a recording rule of
//! `ops/spellings.yml`.

use super::prelude::*;

/// Time from sending a request to another actor to receiving its reply, measured at the
/// sender, in seconds (requests that ended in an error are not observed).
#[alys_metric(
    histogram,
    labels(from_actor: dynamic(max = 10), to_actor: dynamic(max = 10)),
    buckets = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0]
)]
pub static INTER_ACTOR_MESSAGE_LATENCY_SECONDS: Histogram;

/// Requests sent from one actor type to another and not yet answered (nor timed out, failed
/// or abandoned).
#[alys_metric(gauge, labels(from_actor: dynamic(max = 10), to_actor: dynamic(max = 10)))]
pub static INTER_ACTOR_MESSAGE_QUEUE_SIZE: IntGauge;

/// Requests between actors that ended with `MailboxError::Timeout`, by the message's type.
#[alys_metric(
    counter,
    labels(from_actor: dynamic(max = 10), to_actor: dynamic(max = 10), message_type: MessageType)
)]
pub static ACTOR_MESSAGE_TIMEOUT_EVENTS: Counter;

/// Messages sent to an actor that had stopped (`MailboxError::Closed`, or a fire-and-forget
/// send to a disconnected address), by the recipient's actor type.
#[alys_metric(counter, labels(actor_type))]
pub static ACTOR_DEAD_LETTERS: Counter;

/// Messages between actors by communication pattern; `actors_involved` is the sorted, distinct
/// actor types of the sender and the recipients, joined by `-` (the capped label's sanitiser keeps no commas).
#[alys_metric(
    counter,
    labels(pattern_type: CommunicationPattern, actors_involved: dynamic(max = 64))
)]
pub static ACTOR_COMMUNICATION_PATTERNS: Counter;

/// Deadlocks detected: a wait-for cycle between actor types that lasted the threshold, or a
/// mailbox that held messages and processed none for the threshold; once per episode.
/// `actors_involved` is the sorted actor types of the cycle or the mailbox's actor type.
#[alys_metric(
    counter,
    labels(detection_type: DeadlockKind, actors_involved: dynamic(max = 32))
)]
pub static ACTOR_DEADLOCK_DETECTIONS: Counter;
