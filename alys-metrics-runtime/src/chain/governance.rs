//! The governance stream: the StreamActor's link to the Anduro governance nodes. Connection
//! status, messages, send buffers and backpressure, request/response correlation with
//! timeouts, heartbeats, reconnects, the endpoint health score, the signature correlation rate
//! and federation update processing.
//!
//! # Endpoints
//!
//! [`add_endpoint`] admits an endpoint and resolves every one of its series once, so that
//! recording on the returned [`GovernanceEndpoint`] is a few atomic operations (the request
//! table and the health windows take the endpoint's own lock). At most
//! [`GOVERNANCE_ENDPOINT_CAP`] (16) endpoints have series of their own at a time; further
//! endpoints share the series `endpoint="other"` (and `node_id="other"`), counted in
//! `alys_label_overflow_total`. [`remove_endpoint`] forgets every series of an endpoint and
//! frees its place, so a node whose governance endpoints change keeps series for the ones it
//! has now. Write governance metrics through this module only: a direct
//! `GOVERNANCE_MESSAGES_SENT.with(..)` uses up label slots outside the cap's bookkeeping.
//!
//! # Request correlation
//!
//! [`GovernanceEndpoint::request_sent`] opens a request with an id and a timeout;
//! [`GovernanceEndpoint::response_received`] closes it and observes the time between the two
//! into `alys_governance_request_correlation_duration_seconds{request_type,endpoint}`. A
//! request is never left open:
//!
//! - unanswered at its deadline, it is counted in
//!   `alys_governance_message_errors_total{error_type="timeout"}` (with the message type of
//!   the request) by the next call on the endpoint that looks at the clock
//!   ([`request_sent`](GovernanceEndpoint::request_sent),
//!   [`response_received`](GovernanceEndpoint::response_received),
//!   [`expire_overdue`](GovernanceEndpoint::expire_overdue)); call
//!   [`expire_overdue_requests`] from a periodic task (the StreamActor's interval) so that
//!   timeouts are counted on time even when the stream is quiet;
//! - at most [`max_pending`](GovernanceEndpoint::set_max_pending) requests (default
//!   [`DEFAULT_MAX_PENDING_REQUESTS`]) are open per endpoint: a new request beyond that evicts
//!   the open request nearest its deadline, counted as `error_type="abandoned"`, so memory is
//!   bounded whatever the remote side does;
//! - when the endpoint disconnects, its open requests are counted as
//!   `error_type="connection"`;
//! - a response that arrives after its request timed out is not observed (it was counted as a
//!   timeout) and [`response_received`](GovernanceEndpoint::response_received) returns `None`.
//!
//! # Scores
//!
//! - **Endpoint health** (`alys_governance_endpoint_health_score`, [`endpoint_health_score`]):
//!   0 while disconnected; connected, `0.7 × answered + 0.3 × heartbeat`, where `answered` is
//!   the share of the endpoint's last [`CORRELATION_WINDOW`] (100) settled requests that were
//!   answered within their timeout (1 before any) and `heartbeat` is 1 for a mean heartbeat RTT
//!   up to 100 ms, falling linearly to 0 at 2 s (the mean is exponentially weighted with
//!   alpha 0.2; 1 before any heartbeat). Updated on every connection change, settled request
//!   and heartbeat.
//! - **Signature correlation rate** (`alys_governance_signature_correlation_rate`): the share
//!   of the endpoint's last 100 settled *signature* requests that got their response within
//!   the timeout (timeouts, abandoned requests and requests lost with the connection count as
//!   uncorrelated). Its series appears with the endpoint's first settled signature request.
//!
//! ```
//! # extern crate alys_metrics_runtime as alys_metrics;
//! use std::time::{Duration, Instant};
//! use alys_metrics::chain::governance::{add_endpoint, remove_endpoint};
//! use alys_metrics::labels::GovernanceRequestKind;
//!
//! let gov = add_endpoint("gov-doc.example:50051", "anduro-7");
//! gov.set_connected(true);
//! let t0 = Instant::now();
//! gov.request_sent_at(1, GovernanceRequestKind::Signature, Duration::from_secs(10), t0);
//! gov.request_sent_at(2, GovernanceRequestKind::Signature, Duration::from_secs(10), t0);
//! assert_eq!(gov.response_received_at(1, t0 + Duration::from_millis(300)), Some(Duration::from_millis(300)));
//! assert_eq!(gov.expire_overdue_at(t0 + Duration::from_secs(11)), 1); // request 2 timed out
//! assert_eq!(gov.signature_correlation_rate(), Some(0.5));
//!
//! let text = alys_metrics::registry().encode_to_string();
//! assert!(text.contains("alys_governance_connection_status{endpoint=\"gov-docexample50051\",node_id=\"anduro-7\"} 1\n"));
//! assert!(text.contains("alys_governance_message_errors_total{endpoint=\"gov-docexample50051\",error_type=\"timeout\",message_type=\"signature_request\"} 1\n"));
//! assert!(text.contains("alys_governance_signature_correlation_rate{endpoint=\"gov-docexample50051\"} 0.5\n"));
//!
//! assert!(remove_endpoint("gov-doc.example:50051"));
//! assert!(!alys_metrics::registry().encode_to_string().contains("gov-docexample50051"));
//! ```

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use crate::catalogue::governance::{
    FEDERATION_UPDATE_PROCESSING_DURATION, GOVERNANCE_BACKPRESSURE_EVENTS,
    GOVERNANCE_CONNECTION_STATUS, GOVERNANCE_ENDPOINT_HEALTH_SCORE, GOVERNANCE_HEARTBEAT_RTT,
    GOVERNANCE_MESSAGES_RECEIVED, GOVERNANCE_MESSAGES_SENT, GOVERNANCE_MESSAGE_BUFFER_SIZE,
    GOVERNANCE_MESSAGE_ERRORS, GOVERNANCE_RECONNECT_ATTEMPTS,
    GOVERNANCE_REQUEST_CORRELATION_DURATION, GOVERNANCE_SIGNATURE_CORRELATION_RATE,
};
use crate::labels::{
    governance_error_can_happen, governance_kind_is_buffered, sanitize_into, BackpressureSeverity,
    Dynamic, FederationStage, FederationUpdateKind, GovernanceErrorKind, GovernanceMessageKind,
    GovernanceRequestKind, ReconnectReason, MAX_LABEL_VALUE_LEN,
};
use crate::metric::{Counter, Gauge, Histogram, IntGauge, Metric};
use crate::LabelValue;

/// The most governance endpoints with series of their own: the compile-time cap of the
/// `endpoint` label of every governance family.
pub const GOVERNANCE_ENDPOINT_CAP: usize = 16;

// Fails to compile if a family's declared cap and `GOVERNANCE_ENDPOINT_CAP` ever disagree.
const _: fn() -> &'static Metric<Gauge, (Dynamic<GOVERNANCE_ENDPOINT_CAP>,)> =
    || &GOVERNANCE_ENDPOINT_HEALTH_SCORE;

/// Open requests kept per endpoint unless [`GovernanceEndpoint::set_max_pending`] says
/// otherwise.
pub const DEFAULT_MAX_PENDING_REQUESTS: usize = 1024;

/// Settled requests (and signature requests) that the health score and the signature
/// correlation rate look back over.
pub const CORRELATION_WINDOW: usize = 100;

/// The label value of endpoints beyond the cap.
const OTHER: &str = "other";

// ---------------------------------------------------------------------------------------------
// alys_governance_connection_status: one series per endpoint, with its node id.

use crate::metric::PairedGaugeEntry as StatusEntry;

// ---------------------------------------------------------------------------------------------
// Pure calculations.

/// The endpoint health score (see the [module docs](self#scores)): 0 when disconnected;
/// otherwise `0.7 × answered + 0.3 × heartbeat`, with `answered` the share of recent requests
/// answered in time (1 when `None`: none settled yet) and `heartbeat` 1 for a mean RTT up to
/// 100 ms, falling linearly to 0 at 2 s (1 when `None`: no heartbeat yet).
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use std::time::Duration;
/// use alys_metrics::chain::governance::endpoint_health_score;
///
/// assert_eq!(endpoint_health_score(false, Some(1.0), None), 0.0);
/// assert_eq!(endpoint_health_score(true, None, None), 1.0);
/// assert_eq!(endpoint_health_score(true, Some(0.5), Some(Duration::from_millis(100))), 0.65);
/// assert_eq!(endpoint_health_score(true, Some(1.0), Some(Duration::from_secs(2))), 0.7);
/// ```
pub fn endpoint_health_score(
    connected: bool,
    answered_share: Option<f64>,
    mean_heartbeat_rtt: Option<Duration>,
) -> f64 {
    if !connected {
        return 0.0;
    }
    let answered = answered_share.map_or(1.0, |a| if a.is_nan() { 0.0 } else { a.clamp(0.0, 1.0) });
    let heartbeat = mean_heartbeat_rtt.map_or(1.0, |rtt| {
        (1.0 - (rtt.as_secs_f64() - 0.1) / 1.9).clamp(0.0, 1.0)
    });
    // Rounded to 1e-12 so that exact shares give exact scores (0.7 * 0.5 + 0.3 = 0.65).
    ((0.7 * answered + 0.3 * heartbeat) * 1e12).round() / 1e12
}

/// The wait before reconnection attempt `attempt` (0 for the first): 1 s, doubling with
/// each attempt, at most 60 s. Add jitter of your own when many nodes reconnect to one
/// endpoint.
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use std::time::Duration;
/// use alys_metrics::chain::governance::reconnect_backoff;
/// let s = Duration::from_secs;
/// let waits: Vec<_> = (0..8).map(reconnect_backoff).collect();
/// assert_eq!(waits, [s(1), s(2), s(4), s(8), s(16), s(32), s(60), s(60)]);
/// ```
pub fn reconnect_backoff(attempt: u32) -> Duration {
    const MAX: Duration = Duration::from_secs(60);
    if attempt >= 6 {
        return MAX;
    }
    Duration::from_secs(1u64 << attempt).min(MAX)
}

/// The outcomes of the last [`CORRELATION_WINDOW`] settled requests, one bit each.
#[derive(Clone, Copy, Debug, Default)]
struct Window {
    bits: u128,
    len: u8,
}

impl Window {
    const MASK: u128 = (1u128 << CORRELATION_WINDOW) - 1;

    fn push(&mut self, ok: bool) {
        self.bits = ((self.bits << 1) | u128::from(ok)) & Self::MASK;
        self.len = self.len.saturating_add(1).min(CORRELATION_WINDOW as u8);
    }

    fn share(&self) -> Option<f64> {
        (self.len > 0).then(|| f64::from(self.bits.count_ones()) / f64::from(self.len))
    }
}

// ---------------------------------------------------------------------------------------------
// Endpoints.

/// An open request.
#[derive(Clone, Copy, Debug)]
struct Pending {
    kind: GovernanceRequestKind,
    sent_at: Instant,
    deadline: Instant,
}

/// What an endpoint keeps between events, under its lock.
#[derive(Debug)]
struct EndpointState {
    connected: bool,
    pending: HashMap<u64, Pending>,
    /// `(deadline, id)` of every open request, earliest first.
    deadlines: BTreeSet<(Instant, u64)>,
    max_pending: usize,
    answered: Window,
    signatures: Window,
    /// Exponentially weighted mean heartbeat RTT, in seconds.
    rtt_mean: Option<f64>,
}

/// How a request was settled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Settled {
    Answered,
    Failed(GovernanceErrorKind),
}

/// The series of one endpoint, resolved once.
struct EndpointSeries {
    sent: Vec<&'static Counter>,
    received: Vec<&'static Counter>,
    buffer: Vec<&'static IntGauge>,
    /// By error kind, then message kind.
    errors: Vec<&'static Counter>,
    correlation: Vec<&'static Histogram>,
    heartbeat: &'static Histogram,
    reconnects: Vec<&'static Counter>,
    backpressure: Vec<&'static Counter>,
    health: &'static Gauge,
}

impl EndpointSeries {
    fn resolve(label: &str) -> Self {
        type PerKind = Metric<Counter, (Dynamic<GOVERNANCE_ENDPOINT_CAP>, GovernanceMessageKind)>;
        let per_kind = |m: &'static PerKind| {
            GovernanceMessageKind::VALUES
                .iter()
                .map(|k| m.with(label, *k))
                .collect()
        };
        Self {
            sent: per_kind(&GOVERNANCE_MESSAGES_SENT),
            received: per_kind(&GOVERNANCE_MESSAGES_RECEIVED),
            buffer: GovernanceMessageKind::VALUES
                .iter()
                .map(|k| GOVERNANCE_MESSAGE_BUFFER_SIZE.with(label, *k))
                .collect(),
            errors: GovernanceErrorKind::VALUES
                .iter()
                .flat_map(|e| {
                    GovernanceMessageKind::VALUES
                        .iter()
                        .map(move |k| GOVERNANCE_MESSAGE_ERRORS.with(label, *e, *k))
                })
                .collect(),
            correlation: GovernanceRequestKind::VALUES
                .iter()
                .map(|k| GOVERNANCE_REQUEST_CORRELATION_DURATION.with(*k, label))
                .collect(),
            heartbeat: GOVERNANCE_HEARTBEAT_RTT.with(label),
            reconnects: ReconnectReason::VALUES
                .iter()
                .map(|r| GOVERNANCE_RECONNECT_ATTEMPTS.with(label, *r))
                .collect(),
            backpressure: BackpressureSeverity::VALUES
                .iter()
                .map(|s| GOVERNANCE_BACKPRESSURE_EVENTS.with(label, *s))
                .collect(),
            health: GOVERNANCE_ENDPOINT_HEALTH_SCORE.with(label),
        }
    }

    fn error(&self, error: GovernanceErrorKind, kind: GovernanceMessageKind) -> &'static Counter {
        self.errors[error.index() * GovernanceMessageKind::COUNT + kind.index()]
    }
}

/// Forgets every series of `label` in the governance families.
fn forget_series(label: &str) {
    GOVERNANCE_MESSAGES_SENT.forget(label);
    GOVERNANCE_MESSAGES_RECEIVED.forget(label);
    GOVERNANCE_MESSAGE_BUFFER_SIZE.forget(label);
    GOVERNANCE_MESSAGE_ERRORS.forget(label);
    GOVERNANCE_REQUEST_CORRELATION_DURATION.forget(label);
    GOVERNANCE_HEARTBEAT_RTT.forget(label);
    GOVERNANCE_RECONNECT_ATTEMPTS.forget(label);
    GOVERNANCE_BACKPRESSURE_EVENTS.forget(label);
    GOVERNANCE_ENDPOINT_HEALTH_SCORE.forget(label);
    GOVERNANCE_SIGNATURE_CORRELATION_RATE.forget(label);
}

struct EndpointInner {
    /// The endpoint as given (sanitised), the key of the table.
    key: Box<str>,
    /// Its `endpoint` label value: the key, or `other` beyond the cap.
    label: Box<str>,
    status: Option<Arc<StatusEntry>>,
    removed: AtomicBool,
    series: EndpointSeries,
    signature_rate: OnceLock<&'static Gauge>,
    state: Mutex<EndpointState>,
}

/// One governance endpoint's metrics: what the StreamActor records on, from
/// [`add_endpoint`]. Cheap to clone (one `Arc`). After [`remove_endpoint`], recording on a
/// handle of the removed endpoint does nothing.
#[derive(Clone)]
pub struct GovernanceEndpoint(Arc<EndpointInner>);

impl std::fmt::Debug for GovernanceEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GovernanceEndpoint")
            .field("endpoint", &self.0.key)
            .field("label", &self.0.label)
            .field("removed", &self.0.removed.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// The endpoints added and not removed, by sanitised endpoint.
static ENDPOINTS: LazyLock<Mutex<HashMap<Box<str>, GovernanceEndpoint>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

fn endpoints() -> MutexGuard<'static, HashMap<Box<str>, GovernanceEndpoint>> {
    ENDPOINTS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Adds a governance endpoint serving `node_id` (both sanitised as label values are) and
/// returns its handle; an endpoint already added returns its existing handle (with the node id
/// it was added with: remove it and add it again to change that). The first
/// [`GOVERNANCE_ENDPOINT_CAP`] endpoints get series of their own, starting at 0 and
/// disconnected; later ones share the series `other` (an endpoint keeps the label it was added
/// with: remove it and add it again to take a place freed since).
pub fn add_endpoint(endpoint: &str, node_id: &str) -> GovernanceEndpoint {
    let mut buf = [0u8; MAX_LABEL_VALUE_LEN];
    let key = sanitize_into(endpoint, &mut buf);
    let mut table = endpoints();
    if let Some(e) = table.get(key) {
        return e.clone();
    }
    let own = table.values().filter(|e| e.has_own_series()).count();
    let admitted = key != OTHER && own < GOVERNANCE_ENDPOINT_CAP;
    let label: &str = if admitted { key } else { OTHER };
    let status = if admitted {
        let mut nbuf = [0u8; MAX_LABEL_VALUE_LEN];
        Some(GOVERNANCE_CONNECTION_STATUS.admit(key, sanitize_into(node_id, &mut nbuf)))
    } else {
        GOVERNANCE_CONNECTION_STATUS.fold();
        tracing::warn!(
            endpoint = key,
            cap = GOVERNANCE_ENDPOINT_CAP,
            "governance endpoint beyond the cap: its metrics go to endpoint=\"other\""
        );
        None
    };
    let inner = EndpointInner {
        key: key.into(),
        label: label.into(),
        status,
        removed: AtomicBool::new(false),
        series: EndpointSeries::resolve(label),
        signature_rate: OnceLock::new(),
        state: Mutex::new(EndpointState {
            connected: false,
            pending: HashMap::new(),
            deadlines: BTreeSet::new(),
            max_pending: DEFAULT_MAX_PENDING_REQUESTS,
            answered: Window::default(),
            signatures: Window::default(),
            rtt_mean: None,
        }),
    };
    if admitted {
        // Disconnected until told otherwise. A folded endpoint leaves the shared series as
        // the others set them.
        inner.series.health.set(0.0);
    }
    let handle = GovernanceEndpoint(Arc::new(inner));
    table.insert(key.into(), handle.clone());
    tracing::info!(endpoint = key, "governance endpoint added");
    handle
}

/// Removes a governance endpoint: its open requests are dropped (not counted), every series
/// of its own disappears and its place under the cap goes to the next endpoint added. Returns
/// false when it was not added. Handles of the removed endpoint record nothing afterwards;
/// stop using them before removing, or an update racing the removal may land in the freed
/// place.
pub fn remove_endpoint(endpoint: &str) -> bool {
    let mut buf = [0u8; MAX_LABEL_VALUE_LEN];
    let key = sanitize_into(endpoint, &mut buf);
    // Under the table's lock, so that no endpoint is admitted into a half-released place.
    let mut table = endpoints();
    let Some(handle) = table.remove(key) else {
        return false;
    };
    let inner = &handle.0;
    inner.removed.store(true, Ordering::SeqCst);
    {
        let mut state = inner.lock();
        state.pending.clear();
        state.deadlines.clear();
    }
    if inner.status.is_some() {
        GOVERNANCE_CONNECTION_STATUS.release(&inner.key);
        forget_series(&inner.label);
    }
    tracing::info!(endpoint = key, "governance endpoint removed");
    true
}

/// The handle of an endpoint added and not removed.
pub fn governance_endpoint(endpoint: &str) -> Option<GovernanceEndpoint> {
    let mut buf = [0u8; MAX_LABEL_VALUE_LEN];
    let key = sanitize_into(endpoint, &mut buf);
    endpoints().get(key).cloned()
}

/// Settles every open request of every endpoint whose deadline has passed (counting each as a
/// timeout error); returns how many. Call it from a periodic task, e.g. every second.
pub fn expire_overdue_requests() -> usize {
    let handles: Vec<GovernanceEndpoint> = endpoints().values().cloned().collect();
    let now = Instant::now();
    handles.iter().map(|h| h.expire_overdue_at(now)).sum()
}

/// Observes the time one stage of processing a federation update took.
pub fn record_federation_update(
    update: FederationUpdateKind,
    stage: FederationStage,
    duration: Duration,
) {
    FEDERATION_UPDATE_PROCESSING_DURATION
        .with(update, stage)
        .observe(duration.as_secs_f64());
}

impl EndpointInner {
    fn lock(&self) -> MutexGuard<'_, EndpointState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn live(&self) -> bool {
        !self.removed.load(Ordering::Relaxed)
    }

    /// Sets the health gauge from the state.
    fn update_health(&self, state: &EndpointState) -> f64 {
        let score = endpoint_health_score(
            state.connected,
            state.answered.share(),
            state.rtt_mean.map(Duration::from_secs_f64),
        );
        self.series.health.set(score);
        score
    }

    /// Records how a request ended; the request is already out of the table.
    fn settle(&self, state: &mut EndpointState, p: Pending, how: Settled, now: Instant) {
        match how {
            Settled::Answered => {
                self.series.correlation[p.kind.index()]
                    .observe(now.saturating_duration_since(p.sent_at).as_secs_f64());
            }
            Settled::Failed(error) => {
                self.series.error(error, p.kind.message_kind()).inc();
                tracing::debug!(
                    endpoint = &*self.key,
                    request_type = p.kind.as_str(),
                    error_type = error.as_str(),
                    "governance request settled without a response"
                );
            }
        }
        let ok = how == Settled::Answered;
        state.answered.push(ok);
        if p.kind == GovernanceRequestKind::Signature {
            state.signatures.push(ok);
            if let Some(rate) = state.signatures.share() {
                self.signature_rate
                    .get_or_init(|| GOVERNANCE_SIGNATURE_CORRELATION_RATE.with(&self.label))
                    .set(rate);
            }
        }
    }

    /// Settles the open requests whose deadline is at or before `now` as timeouts.
    fn expire(&self, state: &mut EndpointState, now: Instant) -> usize {
        let mut n = 0;
        while let Some(&(deadline, id)) = state.deadlines.first() {
            if deadline > now {
                break;
            }
            state.deadlines.pop_first();
            if let Some(p) = state.pending.remove(&id) {
                self.settle(state, p, Settled::Failed(GovernanceErrorKind::Timeout), now);
                n += 1;
            }
        }
        n
    }
}

impl GovernanceEndpoint {
    fn has_own_series(&self) -> bool {
        self.0.status.is_some()
    }

    /// The endpoint's `endpoint` label value: its sanitised name, or `other` beyond the cap.
    pub fn label(&self) -> &str {
        &self.0.label
    }

    /// Records the stream's connection state: `alys_governance_connection_status` 1 or 0 and
    /// the health score. A disconnection settles the open requests as
    /// `error_type="connection"`: their responses cannot come on this stream.
    pub fn set_connected(&self, connected: bool) {
        if !self.0.live() {
            return;
        }
        let value = i64::from(connected);
        match &self.0.status {
            Some(entry) => entry.value.store(value, Ordering::Relaxed),
            None => GOVERNANCE_CONNECTION_STATUS.set_other(value),
        }
        let mut state = self.0.lock();
        let was = std::mem::replace(&mut state.connected, connected);
        if was && !connected {
            let now = Instant::now();
            let lost: Vec<(u64, Pending)> = state.pending.drain().collect();
            state.deadlines.clear();
            for (_, p) in lost {
                self.0.settle(
                    &mut state,
                    p,
                    Settled::Failed(GovernanceErrorKind::Connection),
                    now,
                );
            }
        }
        self.0.update_health(&state);
        if was != connected {
            tracing::info!(
                endpoint = &*self.0.key,
                connected,
                "governance stream connection changed"
            );
        }
    }

    /// Counts a message sent to the endpoint (requests opened with
    /// [`request_sent`](Self::request_sent) are counted there).
    pub fn message_sent(&self, kind: GovernanceMessageKind) {
        if self.0.live() {
            self.0.series.sent[kind.index()].inc();
        }
    }

    /// Counts a message received from the endpoint (responses closed with
    /// [`response_received`](Self::response_received) are counted there).
    pub fn message_received(&self, kind: GovernanceMessageKind) {
        if self.0.live() {
            self.0.series.received[kind.index()].inc();
        }
    }

    /// Sets the number of messages of `kind` waiting in the endpoint's send buffer. Only the
    /// kinds the node sends have a buffer series ([`GovernanceMessageKind::is_outbound`]); a
    /// signature response, which the node never sends, is ignored.
    pub fn set_buffer_size(&self, kind: GovernanceMessageKind, len: usize) {
        if self.0.live() && governance_kind_is_buffered(kind) {
            self.0.series.buffer[kind.index()].set(i64::try_from(len).unwrap_or(i64::MAX));
        }
    }

    /// Counts a message error. A pair that cannot happen ([`governance_error_can_happen`]:
    /// a decode error of a message only the node sends, a timeout of a message nobody waits
    /// for, ..) has no series and is counted as `error_type="other"` with its message type.
    pub fn message_error(&self, error: GovernanceErrorKind, kind: GovernanceMessageKind) {
        if self.0.live() {
            let error = if governance_error_can_happen(error, kind) {
                error
            } else {
                GovernanceErrorKind::Other
            };
            self.0.series.error(error, kind).inc();
        }
    }

    /// Counts a backpressure event of `severity`.
    pub fn backpressure(&self, severity: BackpressureSeverity) {
        if self.0.live() {
            self.0.series.backpressure[severity.index()].inc();
        }
    }

    /// For a send that finds `len` messages in a send buffer of `capacity`: counts a
    /// backpressure event of the severity [`BackpressureSeverity::of_fill`] gives, if any, and
    /// returns it.
    pub fn observe_send_buffer(&self, len: usize, capacity: usize) -> Option<BackpressureSeverity> {
        let severity = BackpressureSeverity::of_fill(len, capacity)?;
        self.backpressure(severity);
        Some(severity)
    }

    /// Counts a reconnection attempt; wait [`reconnect_backoff`] before the next one.
    pub fn reconnect_attempt(&self, reason: ReconnectReason) {
        if self.0.live() {
            self.0.series.reconnects[reason.index()].inc();
        }
    }

    /// Counts a heartbeat sent.
    pub fn heartbeat_sent(&self) {
        self.message_sent(GovernanceMessageKind::Heartbeat);
    }

    /// Counts a heartbeat's answer and observes its round-trip time into
    /// `alys_governance_heartbeat_rtt_seconds`; updates the mean RTT of the health score.
    pub fn heartbeat_answered(&self, rtt: Duration) {
        if !self.0.live() {
            return;
        }
        self.message_received(GovernanceMessageKind::Heartbeat);
        let secs = rtt.as_secs_f64();
        self.0.series.heartbeat.observe(secs);
        let mut state = self.0.lock();
        state.rtt_mean = Some(state.rtt_mean.map_or(secs, |m| m + 0.2 * (secs - m)));
        self.0.update_health(&state);
    }

    /// Counts a heartbeat that went unanswered:
    /// `alys_governance_message_errors_total{error_type="timeout",message_type="heartbeat"}`.
    pub fn heartbeat_missed(&self) {
        self.message_error(
            GovernanceErrorKind::Timeout,
            GovernanceMessageKind::Heartbeat,
        );
    }

    /// Sets the most open requests this endpoint keeps (at least 1); beyond it a new request
    /// evicts the one nearest its deadline, counted as `error_type="abandoned"`.
    pub fn set_max_pending(&self, max: usize) {
        self.0.lock().max_pending = max.max(1);
    }

    /// Requests sent and not yet settled.
    pub fn pending_requests(&self) -> usize {
        self.0.lock().pending.len()
    }

    /// [`request_sent_at`](Self::request_sent_at) now.
    pub fn request_sent(&self, id: u64, kind: GovernanceRequestKind, timeout: Duration) {
        self.request_sent_at(id, kind, timeout, Instant::now());
    }

    /// Opens request `id` of `kind` sent at `now`, to be answered within `timeout`, and counts
    /// the message sent (as [`GovernanceRequestKind::message_kind`]). Requests past their
    /// deadline are settled first; an open request with the same id is settled as abandoned;
    /// at the endpoint's limit of open requests, the one nearest its deadline is abandoned.
    pub fn request_sent_at(
        &self,
        id: u64,
        kind: GovernanceRequestKind,
        timeout: Duration,
        now: Instant,
    ) {
        if !self.0.live() {
            return;
        }
        self.0.series.sent[kind.message_kind().index()].inc();
        let mut state = self.0.lock();
        self.0.expire(&mut state, now);
        let abandoned = GovernanceErrorKind::Abandoned;
        if let Some(old) = state.pending.remove(&id) {
            state.deadlines.remove(&(old.deadline, id));
            self.0
                .settle(&mut state, old, Settled::Failed(abandoned), now);
        }
        while state.pending.len() >= state.max_pending {
            let Some((_, oldest)) = state.deadlines.pop_first() else {
                break;
            };
            if let Some(p) = state.pending.remove(&oldest) {
                self.0
                    .settle(&mut state, p, Settled::Failed(abandoned), now);
            }
        }
        let deadline = now
            .checked_add(timeout)
            .or_else(|| now.checked_add(Duration::from_secs(86_400 * 365)))
            .unwrap_or(now);
        state.pending.insert(
            id,
            Pending {
                kind,
                sent_at: now,
                deadline,
            },
        );
        state.deadlines.insert((deadline, id));
    }

    /// [`response_received_at`](Self::response_received_at) now.
    pub fn response_received(&self, id: u64) -> Option<Duration> {
        self.response_received_at(id, Instant::now())
    }

    /// Closes request `id` with its response, received at `now`: observes the time since it
    /// was sent, counts the message received (a signature response for a signature request,
    /// otherwise the request's message kind) and returns the time. `None` when no such
    /// request is open (never sent, already answered, or settled: timed out, abandoned, lost
    /// with the connection); such a response is not counted.
    pub fn response_received_at(&self, id: u64, now: Instant) -> Option<Duration> {
        if !self.0.live() {
            return None;
        }
        let mut state = self.0.lock();
        self.0.expire(&mut state, now);
        let p = state.pending.remove(&id)?;
        state.deadlines.remove(&(p.deadline, id));
        let kind = match p.kind {
            GovernanceRequestKind::Signature => GovernanceMessageKind::SignatureResponse,
            other => other.message_kind(),
        };
        self.0.series.received[kind.index()].inc();
        self.0.settle(&mut state, p, Settled::Answered, now);
        self.0.update_health(&state);
        Some(now.saturating_duration_since(p.sent_at))
    }

    /// [`expire_overdue_at`](Self::expire_overdue_at) now.
    pub fn expire_overdue(&self) -> usize {
        self.expire_overdue_at(Instant::now())
    }

    /// Settles every open request whose deadline is at or before `now` as a timeout error;
    /// returns how many.
    pub fn expire_overdue_at(&self, now: Instant) -> usize {
        if !self.0.live() {
            return 0;
        }
        let mut state = self.0.lock();
        let n = self.0.expire(&mut state, now);
        if n > 0 {
            self.0.update_health(&state);
            tracing::debug!(
                endpoint = &*self.0.key,
                timed_out = n,
                "governance requests timed out"
            );
        }
        n
    }

    /// The endpoint's current health score (what the gauge shows).
    pub fn health_score(&self) -> f64 {
        let state = self.0.lock();
        endpoint_health_score(
            state.connected,
            state.answered.share(),
            state.rtt_mean.map(Duration::from_secs_f64),
        )
    }

    /// Share of the last 100 settled signature requests that were answered in time; `None`
    /// before the first one settles.
    pub fn signature_correlation_rate(&self) -> Option<f64> {
        self.0.lock().signatures.share()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_keeps_the_last_hundred() {
        let mut w = Window::default();
        assert_eq!(w.share(), None);
        for _ in 0..100 {
            w.push(false);
        }
        assert_eq!(w.share(), Some(0.0));
        for i in 1..=100 {
            w.push(true);
            assert_eq!(w.share(), Some(f64::from(i) / 100.0));
        }
        w.push(false);
        assert_eq!(w.share(), Some(0.99));
    }

    #[test]
    fn backoff_saturates() {
        assert_eq!(reconnect_backoff(u32::MAX), Duration::from_secs(60));
        assert_eq!(reconnect_backoff(5), Duration::from_secs(32));
    }

    #[test]
    fn health_handles_nan_and_slow_heartbeats() {
        assert_eq!(endpoint_health_score(true, Some(f64::NAN), None), 0.3);
        assert_eq!(
            endpoint_health_score(true, Some(1.0), Some(Duration::from_secs(30))),
            0.7
        );
        assert_eq!(
            endpoint_health_score(true, Some(1.0), Some(Duration::from_millis(1050))),
            0.85
        );
    }
}
