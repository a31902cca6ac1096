//! The actor metrics runtime (seed ALYS-003-11 ... -15, Phase 2) and the support code of
//! `#[instrument_actor]`.
//!
//! - [`MessageGuard`]: measures one message (what `#[instrument_actor]` expands to). It
//!   writes the per-message families of the actor catalogue: `alys_actor_messages_total`,
//!   `alys_actor_message_latency_seconds` (each message observed on its own),
//!   `alys_actor_message_outcomes_total` (`ok`, `error`, `panicked`, `cancelled`), the
//!   processed and error counters, and so `alys_actor_messages_in_flight`.
//! - [`ActorMetrics`]: what one actor measures about itself, with the seed's health rules.
//! - [`mailbox::bounded`]: an instrumented bounded mailbox counting into [`MailboxMetrics`].
//! - [`ActorMetricsBridge`]: exports registered actors' [`ActorMetrics`] as deltas, with
//!   lifecycle events, restart and health detection, throughput and aggregate health.
//!
//! # Who writes the processed and error counters
//!
//! Each message is counted in `alys_actor_messages_processed_total` or
//! `alys_actor_message_errors_total` exactly once: by its [`MessageGuard`] when nothing
//! tracks the actor, or, when the message goes into an [`ActorMetrics`]
//! (`#[instrument_actor(metrics = self.metrics)]`, [`ActorMetricsBridge::record_message_event`],
//! [`ActorMetrics::record_message`]), by the bridge that metrics is registered with, as a
//! delta at its next collection.

mod bridge;
mod classify;
mod guard;
mod in_flight;
pub mod mailbox;
mod metrics;
mod support;

pub use bridge::{ActorHandle, ActorMetricsBridge, AggregateStats, CollectionSummary, NoRuntime};
pub use classify::{actor_type_of, message_type_of};
pub use guard::{ActorSite, MessageGuard, Polled, Track, Tracked, Untracked};
pub use in_flight::InFlightGauge;
pub use mailbox::{MailboxMetrics, MailboxSnapshot};
pub use metrics::{ActorMetrics, MetricsSnapshot};

#[doc(hidden)]
pub use support::{track, IsResult, MetricsSource, NotResult, OutputKind, ResultKind};

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
