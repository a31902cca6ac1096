//! Label enums of the governance stream: the StreamActor's link to the Anduro governance nodes.

use crate::LabelValue;

/// Kind of message on the governance stream (`message_type` label of the
/// `alys_governance_messages_*` families, the buffer size and the message errors; 9 values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum GovernanceMessageKind {
    /// A keep-alive ping or its answer.
    Heartbeat,
    /// A request to sign (a peg-out, a federation change).
    SignatureRequest,
    /// A signature, answering a signature request.
    SignatureResponse,
    /// A change of the federation (members, threshold, keys).
    FederationUpdate,
    /// A governance proposal.
    Proposal,
    /// An attestation of a block or a proposal.
    Attestation,
    /// A chain event the node reports (a new head, a peg-in).
    ChainEvent,
    /// The node's registration with a governance node, and its answer.
    Registration,
    /// Any other message.
    Other,
}

/// Kind of request whose response is correlated (`request_type` label of
/// `alys_governance_request_correlation_duration_seconds`; 5 values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum GovernanceRequestKind {
    /// A signature request; its outcomes also feed `alys_governance_signature_correlation_rate`.
    Signature,
    /// A query of the federation's current state.
    FederationState,
    /// A query of a proposal's status.
    ProposalStatus,
    /// The node's registration.
    Registration,
    /// Any other request.
    Other,
}

impl GovernanceRequestKind {
    /// The message kind a request of this kind is sent as.
    pub fn message_kind(self) -> GovernanceMessageKind {
        match self {
            GovernanceRequestKind::Signature => GovernanceMessageKind::SignatureRequest,
            GovernanceRequestKind::Registration => GovernanceMessageKind::Registration,
            GovernanceRequestKind::FederationState => GovernanceMessageKind::FederationUpdate,
            GovernanceRequestKind::ProposalStatus => GovernanceMessageKind::Proposal,
            GovernanceRequestKind::Other => GovernanceMessageKind::Other,
        }
    }
}

/// Why a governance message failed (`error_type` label of
/// `alys_governance_message_errors_total`; 8 values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum GovernanceErrorKind {
    /// A request got no correlated response within its timeout, or a heartbeat went
    /// unanswered.
    Timeout,
    /// The connection failed while the message was in flight.
    Connection,
    /// The message could not be decoded.
    Decode,
    /// A signature did not verify.
    InvalidSignature,
    /// The governance node refused the message.
    Rejected,
    /// The send buffer was full and the message was dropped.
    BufferFull,
    /// A pending request was evicted from a full correlation table before its response or
    /// its timeout (see `GovernanceEndpoint::request_sent`).
    Abandoned,
    /// Any other error.
    Other,
}

impl GovernanceMessageKind {
    /// True for the kinds the node sends: every kind but a signature response (the node
    /// asks the governance nodes for signatures; in the Alys v2 protocol,
    /// `StreamProtocol::to_grpc_request` sends heartbeats, signature requests, peg-in
    /// notifications (our chain events) and registrations, the governance nodes answer).
    pub const fn is_outbound(self) -> bool {
        !matches!(self, GovernanceMessageKind::SignatureResponse)
    }

    /// True for the kinds the node receives: every kind but a signature request and a chain
    /// event, which only the node sends (`StreamProtocol::from_grpc_response` in Alys v2
    /// receives signature responses, federation updates, heartbeats and errors; a
    /// registration is answered, proposals and attestations arrive too).
    pub const fn is_inbound(self) -> bool {
        !matches!(
            self,
            GovernanceMessageKind::SignatureRequest | GovernanceMessageKind::ChainEvent
        )
    }

    /// True for the kinds a correlated request is sent as (see
    /// [`GovernanceRequestKind::message_kind`]): a signature request, a federation-state
    /// query (`federation_update`), a proposal-status query (`proposal`), a registration and
    /// any other request.
    pub const fn is_request(self) -> bool {
        matches!(
            self,
            GovernanceMessageKind::SignatureRequest
                | GovernanceMessageKind::FederationUpdate
                | GovernanceMessageKind::Proposal
                | GovernanceMessageKind::Registration
                | GovernanceMessageKind::Other
        )
    }
}

/// The `(error_type, message_type)` pairs of `alys_governance_message_errors_total` that can
/// happen (its `combinations`: 55 series per endpoint, not 8 x 9), from the direction of each
/// kind ([`GovernanceMessageKind::is_outbound`], [`is_inbound`](GovernanceMessageKind::is_inbound))
/// and from what can be waited for:
///
/// - `timeout`: a request unanswered within its timeout, or a heartbeat unanswered;
/// - `abandoned`: a request evicted from a full correlation table;
/// - `connection`, `rejected`, `buffer_full`: a message the node sends (lost with the
///   connection, refused by the governance node, dropped from a full send buffer);
/// - `decode`: a message the node receives;
/// - `invalid_signature`: a received message that carries signatures (a signature
///   response, a federation update, an attestation, a proposal);
/// - `other`: any kind.
///
/// The governance stream's `GovernanceEndpoint::message_error` counts a pair outside this
/// table as `other` with its message type.
pub const fn governance_error_can_happen(
    error: GovernanceErrorKind,
    kind: GovernanceMessageKind,
) -> bool {
    match error {
        GovernanceErrorKind::Timeout => {
            kind.is_request() || matches!(kind, GovernanceMessageKind::Heartbeat)
        }
        GovernanceErrorKind::Abandoned => kind.is_request(),
        GovernanceErrorKind::Connection
        | GovernanceErrorKind::Rejected
        | GovernanceErrorKind::BufferFull => kind.is_outbound(),
        GovernanceErrorKind::Decode => kind.is_inbound(),
        GovernanceErrorKind::InvalidSignature => matches!(
            kind,
            GovernanceMessageKind::SignatureResponse
                | GovernanceMessageKind::FederationUpdate
                | GovernanceMessageKind::Attestation
                | GovernanceMessageKind::Proposal
        ),
        GovernanceErrorKind::Other => true,
    }
}

/// The message types that can wait in a send buffer (`alys_governance_message_buffer_size`'s
/// `combinations`): the kinds the node sends ([`GovernanceMessageKind::is_outbound`]).
pub const fn governance_kind_is_buffered(kind: GovernanceMessageKind) -> bool {
    kind.is_outbound()
}

/// Why the stream reconnects (`reason` label of `alys_governance_reconnect_attempts_total`;
/// 6 values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum ReconnectReason {
    /// The connection dropped (reset, closed by the network).
    ConnectionLost,
    /// Heartbeats went unanswered.
    HeartbeatTimeout,
    /// The stream failed with a protocol or transport error.
    StreamError,
    /// The governance node said it was shutting down.
    ServerShutdown,
    /// The previous attempt failed; this is a retry.
    RetryFailed,
    /// An operator or a configuration change asked for it.
    Manual,
}

/// How full the send buffer was when a send met backpressure (`severity` label of
/// `alys_governance_backpressure_events_total`; 4 values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, LabelValue)]
pub enum BackpressureSeverity {
    /// At least half full.
    Low,
    /// At least 75 % full.
    Medium,
    /// At least 90 % full.
    High,
    /// Full: the message had to wait or was dropped.
    Critical,
}

impl BackpressureSeverity {
    /// The severity of a send that finds `len` messages in a buffer of `capacity`: `None`
    /// below half full, then [`Low`](Self::Low) from 50 %, [`Medium`](Self::Medium) from
    /// 75 %, [`High`](Self::High) from 90 % and [`Critical`](Self::Critical) when full. A
    /// zero capacity counts as full.
    ///
    /// ```
    /// # extern crate alys_metrics_runtime as alys_metrics;
    /// use alys_metrics::labels::BackpressureSeverity as S;
    /// assert_eq!(S::of_fill(49, 100), None);
    /// assert_eq!(S::of_fill(50, 100), Some(S::Low));
    /// assert_eq!(S::of_fill(75, 100), Some(S::Medium));
    /// assert_eq!(S::of_fill(90, 100), Some(S::High));
    /// assert_eq!(S::of_fill(100, 100), Some(S::Critical));
    /// ```
    pub fn of_fill(len: usize, capacity: usize) -> Option<Self> {
        if len >= capacity {
            return Some(Self::Critical);
        }
        // Integer thresholds: len/capacity >= 0.9 <=> 10 len >= 9 capacity, and so on.
        let (len, capacity) = (len as u128, capacity as u128);
        if 10 * len >= 9 * capacity {
            Some(Self::High)
        } else if 4 * len >= 3 * capacity {
            Some(Self::Medium)
        } else if 2 * len >= capacity {
            Some(Self::Low)
        } else {
            None
        }
    }
}

/// Kind of federation update (`update_type` label of
/// `alys_federation_update_processing_duration_seconds`; 5 values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum FederationUpdateKind {
    /// A member joins the federation.
    MemberAdded,
    /// A member leaves the federation.
    MemberRemoved,
    /// The signing threshold changes.
    ThresholdChanged,
    /// Members rotate their keys.
    KeyRotation,
    /// Other federation configuration changes.
    ConfigChanged,
}

/// Stage of processing a federation update (`processing_stage` label of
/// `alys_federation_update_processing_duration_seconds`; 5 values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum FederationStage {
    /// Decoding the update.
    Decode,
    /// Checking it against the current federation.
    Validate,
    /// Verifying the members' signatures over it.
    VerifySignatures,
    /// Applying it to the node's federation state.
    Apply,
    /// Persisting the new state.
    Persist,
}
