//! Actor system.
//!
//! The families computed at scrape time from the handler sites (per-handler messages and
//! latency; by actor type outcomes, processed, errors, in flight, throughput; health counts,
//! last activity) are declared here by their [`Descriptor`]s; their statics live in `actor`
//! beside the sites (`actor::ACTOR_MESSAGES`, `actor::ACTOR_MESSAGE_OUTCOMES`, ...), which
//! registers them.

use super::prelude::*;
use crate::metric::{Descriptor, Kind};

/// Upper bounds of `alys_actor_message_latency_seconds`, `+Inf` implied: the buckets the node used before this crate, so that dashboards' `le` values still match.
pub const LATENCY_BUCKETS: [f64; 8] = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0];

const SITE_LABELS: &[&str] = &["actor_type", "message_type", "actor", "message"];
const SITE_LABEL_TYPES: &[&str] = &["ActorType", "MessageType", "&'static str", "&'static str"];

/// `alys_actor_messages_total{actor_type, message_type, actor, message}`: messages received
/// by actors, counted when handling starts, one series per instrumented handler (`actor` and
/// `message` are the Rust type names), each at 0 from start-up.
pub static ACTOR_MESSAGES_DESCRIPTOR: Descriptor = Descriptor {
    name: "alys_actor_messages_total",
    help: "Messages received by actors (counted when handling starts), by actor type, message type, actor and message.",
    kind: Kind::Counter,
    label_names: SITE_LABELS,
    label_types: SITE_LABEL_TYPES,
    buckets: &[],
    rust_path: "alys_metrics::actor::ACTOR_MESSAGES",
    file: file!(),
    line: line!(),
};

/// `alys_actor_message_latency_seconds{actor_type, message_type, actor, message}`: the time to
/// handle one actor message, per instrumented handler.
pub static ACTOR_MESSAGE_LATENCY_DESCRIPTOR: Descriptor = Descriptor {
    name: "alys_actor_message_latency_seconds",
    help: "Time to handle one actor message, in seconds, by actor type, message type, actor and message.",
    kind: Kind::Histogram,
    label_names: SITE_LABELS,
    label_types: SITE_LABEL_TYPES,
    buckets: &LATENCY_BUCKETS,
    rust_path: "alys_metrics::actor::ACTOR_MESSAGE_LATENCY",
    file: file!(),
    line: line!(),
};

/// Messages waiting in actor mailboxes: the sum over the actors of each type.
#[alys_metric(gauge, labels(actor_type))]
pub static ACTOR_MAILBOX_SIZE: IntGauge;

/// Actor restarts, by actor type and reason.
#[alys_metric(counter, labels(actor_type, reason: RestartReason))]
pub static ACTOR_RESTARTS: Counter;

/// Events of actors registered with a bridge (spawn, stop, recover), by actor type; restarts are alys_actor_restarts_total.
#[alys_metric(counter, labels(actor_type, event: RegistrationEvent))]
pub static ACTOR_REGISTRATION_EVENTS: Counter;

/// `alys_actor_message_throughput_per_second{actor_type}`: messages handled per second,
/// derived from the messages instrumented handlers finished.
pub static ACTOR_MESSAGE_THROUGHPUT_PER_SECOND_DESCRIPTOR: Descriptor = Descriptor {
    name: "alys_actor_message_throughput_per_second",
    help: "Messages handled per second, by actor type (the messages instrumented handlers finished since the previous computation).",
    kind: Kind::Gauge,
    label_names: &["actor_type"],
    label_types: &["ActorType"],
    buckets: &[],
    rust_path: "alys_metrics::actor::ACTOR_MESSAGE_THROUGHPUT_PER_SECOND",
    file: file!(),
    line: line!(),
};

/// `alys_actor_messages_processed_total{actor_type}`: messages handled successfully (the
/// `ok` outcomes of the handler sites), by actor type.
pub static ACTOR_MESSAGES_PROCESSED_DESCRIPTOR: Descriptor = Descriptor {
    name: "alys_actor_messages_processed_total",
    help: "Messages handled successfully, by actor type (the counter behind the throughput gauge).",
    kind: Kind::Counter,
    label_names: &["actor_type"],
    label_types: &["ActorType"],
    buckets: &[],
    rust_path: "alys_metrics::actor::ACTOR_MESSAGES_PROCESSED",
    file: file!(),
    line: line!(),
};

/// `alys_actor_message_errors_total{actor_type}`: messages whose handler failed (the `error`
/// and `panicked` outcomes of the handler sites), by actor type.
pub static ACTOR_MESSAGE_ERRORS_DESCRIPTOR: Descriptor = Descriptor {
    name: "alys_actor_message_errors_total",
    help: "Messages whose handler failed, by actor type.",
    kind: Kind::Counter,
    label_names: &["actor_type"],
    label_types: &["ActorType"],
    buckets: &[],
    rust_path: "alys_metrics::actor::ACTOR_MESSAGE_ERRORS",
    file: file!(),
    line: line!(),
};

/// `alys_actor_healthy_count`: instrumented actors that handled a message and are healthy
/// (success rate above 95 %, error rate below 5 %).
pub static ACTOR_HEALTHY_COUNT_DESCRIPTOR: Descriptor = Descriptor {
    name: "alys_actor_healthy_count",
    help: "Instrumented actors that handled a message and are healthy (success rate above 95 %, error rate below 5 %).",
    kind: Kind::Gauge,
    label_names: &[],
    label_types: &[],
    buckets: &[],
    rust_path: "alys_metrics::actor::ACTOR_HEALTHY_COUNT",
    file: file!(),
    line: line!(),
};

/// `alys_actor_total_count`: instrumented actors that handled a message.
pub static ACTOR_TOTAL_COUNT_DESCRIPTOR: Descriptor = Descriptor {
    name: "alys_actor_total_count",
    help: "Instrumented actors that handled a message.",
    kind: Kind::Gauge,
    label_names: &[],
    label_types: &[],
    buckets: &[],
    rust_path: "alys_metrics::actor::ACTOR_TOTAL_COUNT",
    file: file!(),
    line: line!(),
};

/// `alys_actor_last_activity_timestamp_seconds{actor_type, actor}`: when each instrumented
/// actor last finished a message (Unix seconds; 0 before its first).
pub static ACTOR_LAST_ACTIVITY_DESCRIPTOR: Descriptor = Descriptor {
    name: "alys_actor_last_activity_timestamp_seconds",
    help: "When each instrumented actor last finished a message, in Unix seconds (0 before its first).",
    kind: Kind::Gauge,
    label_names: &["actor_type", "actor"],
    label_types: &["ActorType", "&'static str"],
    buckets: &[],
    rust_path: "alys_metrics::actor::ACTOR_LAST_ACTIVITY",
    file: file!(),
    line: line!(),
};

/// `alys_actor_message_outcomes_total{actor_type, outcome}`: how the handling of actor
/// messages ended (the handler sites' outcome counts), by actor type.
pub static ACTOR_MESSAGE_OUTCOMES_DESCRIPTOR: Descriptor = Descriptor {
    name: "alys_actor_message_outcomes_total",
    help:
        "How the handling of actor messages ended (ok, error, panicked, cancelled), by actor type.",
    kind: Kind::Counter,
    label_names: &["actor_type", "outcome"],
    label_types: &["ActorType", "MessageOutcome"],
    buckets: &[],
    rust_path: "alys_metrics::actor::ACTOR_MESSAGE_OUTCOMES",
    file: file!(),
    line: line!(),
};

/// Messages refused by full actor mailboxes, by actor type.
#[alys_metric(counter, labels(actor_type))]
pub static ACTOR_MAILBOX_DROPPED: Counter;

/// `alys_actor_messages_in_flight{actor_type}`: messages being handled now, derived at scrape
/// time as the messages started minus the messages finished.
pub static ACTOR_MESSAGES_IN_FLIGHT_DESCRIPTOR: Descriptor = Descriptor {
    name: "alys_actor_messages_in_flight",
    help: "Actor messages being handled now (started and not yet finished), by actor type.",
    kind: Kind::Gauge,
    label_names: &["actor_type"],
    label_types: &["ActorType"],
    buckets: &[],
    rust_path: "alys_metrics::actor::ACTOR_MESSAGES_IN_FLIGHT",
    file: file!(),
    line: line!(),
};
