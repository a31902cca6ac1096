//! Actor system (seed ALYS-003-11 ... -15, Phase 2).

use crate::actor::{InFlightGauge, MessageOutcome};
use crate::metric::{Descriptor, Kind};
use crate::prelude::*;
use crate::registry::Registration;

/// Messages received by actors, by actor type and message type (counted when handling starts).
#[alys_metric(counter, labels(actor_type, message_type))]
pub static ACTOR_MESSAGES: Counter;

/// Time to handle one actor message, in seconds (each message observed on its own).
#[alys_metric(histogram, native, labels(actor_type), buckets = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0])]
pub static ACTOR_MESSAGE_LATENCY: Histogram;

/// Messages waiting in actor mailboxes: the sum over the actors of each type.
#[alys_metric(gauge, labels(actor_type))]
pub static ACTOR_MAILBOX_SIZE: IntGauge;

/// Actor restarts, by actor type and reason.
#[alys_metric(counter, labels(actor_type, reason: RestartReason))]
pub static ACTOR_RESTARTS: Counter;

/// Actor lifecycle events (spawn, stop, restart, recover), by actor type.
#[alys_metric(counter, labels(actor_type, event))]
pub static ACTOR_LIFECYCLE_EVENTS: Counter;

/// Messages handled per second, measured over the last collection window, by actor type.
#[alys_metric(gauge, labels(actor_type))]
pub static ACTOR_MESSAGE_THROUGHPUT_PER_SECOND: Gauge;

/// Messages handled successfully, by actor type (the counter behind the throughput gauge).
#[alys_metric(counter, labels(actor_type))]
pub static ACTOR_MESSAGES_PROCESSED: Counter;

/// Messages whose handler failed, by actor type.
#[alys_metric(counter, labels(actor_type))]
pub static ACTOR_MESSAGE_ERRORS: Counter;

/// Registered actors that are healthy (success rate above 95 %, error rate below 5 %).
#[alys_metric(gauge)]
pub static ACTOR_HEALTHY_COUNT: IntGauge;

/// Registered actors.
#[alys_metric(gauge)]
pub static ACTOR_TOTAL_COUNT: IntGauge;

/// How the handling of actor messages ended (ok, error, panicked, cancelled), by actor type.
#[alys_metric(counter, labels(actor_type, outcome: MessageOutcome))]
pub static ACTOR_MESSAGE_OUTCOMES: Counter;

/// Messages refused by full actor mailboxes, by actor type.
#[alys_metric(counter, labels(actor_type))]
pub static ACTOR_MAILBOX_DROPPED: Counter;

/// `alys_actor_messages_in_flight{actor_type}`: messages being handled now, derived at scrape
/// time as the messages started minus the messages finished.
pub static ACTOR_MESSAGES_IN_FLIGHT: InFlightGauge = InFlightGauge::new(&IN_FLIGHT_DESCRIPTOR);

static IN_FLIGHT_DESCRIPTOR: Descriptor = Descriptor {
    name: "alys_actor_messages_in_flight",
    help: "Actor messages being handled now (started and not yet finished), by actor type.",
    kind: Kind::Gauge,
    label_names: &["actor_type"],
    label_types: &["ActorType"],
    buckets: &[],
    rust_path: "alys_metrics::catalogue::actor::ACTOR_MESSAGES_IN_FLIGHT",
    file: file!(),
    line: line!(),
};

inventory::submit! { Registration(&ACTOR_MESSAGES_IN_FLIGHT) }
