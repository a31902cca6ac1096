//! The governance stream: the StreamActor's link to the Anduro governance nodes. Recorded
//! through `chain::governance`, which keeps the `endpoint` and
//! `node_id` labels within their cap of 16 endpoints and forgets an endpoint's series when it
//! is removed.

use super::prelude::*;
use crate::metric::{Descriptor, Kind, PairedGauge};
use crate::registry::Registration;

/// `alys_governance_connection_status{endpoint,node_id}`: 1 while the stream to the endpoint is
/// connected, 0 while it is not; one series per endpoint (with the node id it reported), not
/// one per combination of endpoint and node id.
pub static GOVERNANCE_CONNECTION_STATUS: PairedGauge =
    PairedGauge::new(&CONNECTION_STATUS_DESCRIPTOR);

static CONNECTION_STATUS_DESCRIPTOR: Descriptor = Descriptor::new("alys_governance_connection_status", "Governance stream connection per endpoint and the node id it serves: 1 connected, 0 disconnected.", Kind::Gauge).labels(&["endpoint", "node_id"], &["dynamic(max = 16)", "dynamic(max = 16)"]).declared_at("alys_metrics::catalogue::governance::GOVERNANCE_CONNECTION_STATUS", file!(), line!());

inventory::submit! { Registration(&GOVERNANCE_CONNECTION_STATUS) }

/// Messages sent to the governance nodes, by endpoint and message type.
#[alys_metric(counter, labels(endpoint: dynamic(max = 16), message_type: GovernanceMessageKind))]
pub static GOVERNANCE_MESSAGES_SENT: Counter;

/// Messages received from the governance nodes, by endpoint and message type.
#[alys_metric(counter, labels(endpoint: dynamic(max = 16), message_type: GovernanceMessageKind))]
pub static GOVERNANCE_MESSAGES_RECEIVED: Counter;

/// Messages waiting in the send buffer of an endpoint (while it is disconnected or slow), by
/// message type: the kinds the node sends ([`governance_kind_is_buffered`]).
#[alys_metric(
    gauge,
    labels(endpoint: dynamic(max = 16), message_type: GovernanceMessageKind),
    combinations = governance_kind_is_buffered
)]
pub static GOVERNANCE_MESSAGE_BUFFER_SIZE: IntGauge;

/// Time from sending a request to receiving its correlated response, in seconds, by request
/// type and endpoint. A request unanswered within its timeout is not observed here: it is
/// counted in alys_governance_message_errors_total{error_type="timeout"}.
#[alys_metric(
    histogram,
    labels(request_type: GovernanceRequestKind, endpoint: dynamic(max = 16)),
    buckets = [0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0]
)]
pub static GOVERNANCE_REQUEST_CORRELATION_DURATION: Histogram;

/// Round-trip time of heartbeats to each governance endpoint, in seconds.
#[alys_metric(
    histogram,
    labels(endpoint: dynamic(max = 16)),
    unit = "seconds",
    buckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0]
)]
pub static GOVERNANCE_HEARTBEAT_RTT: Histogram;

/// Governance message errors, by endpoint, error type and message type; requests that timed
/// out are counted here with error_type="timeout". Only the pairs that can happen are series
/// ([`governance_error_can_happen`]: 55 per endpoint).
#[alys_metric(
    counter,
    labels(endpoint: dynamic(max = 16), error_type: GovernanceErrorKind, message_type: GovernanceMessageKind),
    combinations = governance_error_can_happen
)]
pub static GOVERNANCE_MESSAGE_ERRORS: Counter;

/// Reconnection attempts to governance endpoints, by endpoint and reason.
#[alys_metric(counter, labels(endpoint: dynamic(max = 16), reason: ReconnectReason))]
pub static GOVERNANCE_RECONNECT_ATTEMPTS: Counter;

/// Sends that met a filling send buffer, by endpoint and severity (low from 50 % full,
/// medium from 75 %, high from 90 %, critical when full).
#[alys_metric(counter, labels(endpoint: dynamic(max = 16), severity: BackpressureSeverity))]
pub static GOVERNANCE_BACKPRESSURE_EVENTS: Counter;

/// Health of each governance endpoint, 0 to 1: 0 while disconnected; connected, 0.7 x the
/// share of its last 100 requests answered within their timeout (1 before any) + 0.3 x a
/// heartbeat score (1 for a mean RTT up to 100 ms, falling linearly to 0 at 2 s; the mean is
/// exponentially weighted, alpha 0.2; 1 before any heartbeat).
#[alys_metric(gauge, labels(endpoint: dynamic(max = 16)))]
pub static GOVERNANCE_ENDPOINT_HEALTH_SCORE: Gauge;

/// Share of each endpoint's last 100 signature requests that got a correlated signature
/// response within their timeout, 0 to 1 (a timeout or an abandoned request counts as
/// uncorrelated); the series appears with the endpoint's first settled signature request.
#[alys_metric(gauge, labels(endpoint: dynamic(max = 16)))]
pub static GOVERNANCE_SIGNATURE_CORRELATION_RATE: Gauge;

/// Time to process a federation update, in seconds, by update type and processing stage.
#[alys_metric(
    histogram,
    labels(update_type: FederationUpdateKind, processing_stage: FederationStage),
    buckets = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0]
)]
pub static FEDERATION_UPDATE_PROCESSING_DURATION: Histogram;
