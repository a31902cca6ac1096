//! Label enums of the chain, network and storage domains.

use crate::LabelValue;

/// Why a peer disconnected (`reason` label of `alys_peer_disconnections_total`; 7 values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum PeerDisconnectReason {
    /// The remote peer closed the connection.
    Remote,
    /// The peer stopped answering (ping or request timeout).
    Timeout,
    /// The peer broke the protocol.
    ProtocolError,
    /// The peer was banned for bad behaviour (low score, invalid blocks).
    Banned,
    /// This node dropped the peer to stay within its peer limit.
    TooManyPeers,
    /// The connection failed at the transport level.
    NetworkError,
    /// This node is shutting down or asked for it.
    Local,
}

/// Database operation (`operation` label of `alys_db_query_duration_seconds`; 6 values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum DbOperation {
    /// A point read.
    Get,
    /// A single write.
    Put,
    /// A deletion.
    Delete,
    /// An atomic batch of writes.
    Batch,
    /// A range scan.
    Iterate,
    /// A compaction or other maintenance.
    Compact,
}

/// What became of a consensus slot (`result` label of `alys_consensus_slots_total`; 2 values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum SlotResult {
    /// The slot's authority produced a block.
    Produced,
    /// The slot passed without a block.
    Missed,
}

/// What a block timer measures (`timer` label of `alys_block_timings_dropped_total`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum BlockTimerKind {
    /// Producing a block: observed into `alys_block_production_duration_seconds`.
    Production,
    /// Validating a block: observed into `alys_block_validation_duration_seconds` and
    /// counted in `alys_block_validations_total`.
    Validation,
}

/// Outcome of a block validation (`result` label of `alys_block_validations_total`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum ValidationResult {
    /// The block is valid.
    Success,
    /// The block is invalid (or validation returned an error).
    Failure,
}

impl ValidationResult {
    /// `Success` for `true`, `Failure` for `false`.
    pub fn from_success(success: bool) -> Self {
        if success {
            ValidationResult::Success
        } else {
            ValidationResult::Failure
        }
    }
}

/// Why a started block timing recorded no duration (`cause` label of
/// `alys_block_timings_dropped_total`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum DropCause {
    /// The timed code asked for it: `chain::BlockTimer::discard` or
    /// `chain::discard_block_sample`.
    Discarded,
    /// The timed code panicked.
    Panicked,
    /// The timed future was dropped before it completed, or a `chain::BlockTimer` was
    /// dropped without being finished.
    Abandoned,
}
