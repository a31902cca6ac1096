//! Sync, block production and validation, transaction pool and peers.

use super::prelude::*;

/// Height of the best block this node has.
#[alys_metric(gauge)]
pub static SYNC_CURRENT_HEIGHT: IntGauge;

/// Height of the best block known on the network.
#[alys_metric(gauge)]
pub static SYNC_TARGET_HEIGHT: IntGauge;

/// Blocks synchronised per second over the last measurement window.
#[alys_metric(gauge)]
pub static SYNC_BLOCKS_PER_SECOND: Gauge;

/// Sync state: 0=discovering, 1=headers, 2=blocks, 3=catchup, 4=synced, 5=failed.
#[alys_metric(gauge)]
pub static SYNC_STATE: IntGauge;

/// Blocks processed by sync (the counter behind the blocks-per-second gauge).
#[alys_metric(counter)]
pub static SYNC_BLOCKS_PROCESSED: Counter;

/// Time to produce a block, in seconds, by validator.
#[alys_metric(
    histogram,
    native,
    labels(validator: dynamic(max = 64)),
    buckets = [0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0]
)]
pub static BLOCK_PRODUCTION_DURATION: Histogram;

/// Time to validate a block, in seconds, by validator.
#[alys_metric(
    histogram,
    native,
    labels(validator: dynamic(max = 64)),
    buckets = [0.01, 0.05, 0.1, 0.5, 1.0, 2.0, 5.0]
)]
pub static BLOCK_VALIDATION_DURATION: Histogram;

/// Block validations, by result (`#[time_block(validation)]` reads it from the return value).
#[alys_metric(counter, labels(result: ValidationResult))]
pub static BLOCK_VALIDATIONS: Counter;

/// Block timings that recorded no duration, by timer and cause: discarded by the timed code,
/// panicked, or abandoned (a future dropped before completion).
#[alys_metric(counter, labels(timer: BlockTimerKind, cause: DropCause))]
pub static BLOCK_TIMINGS_DROPPED: Counter;

/// Transactions per second of the last block through the pipeline (its transactions over its
/// total pipeline time).
#[alys_metric(gauge)]
pub static BLOCK_TRANSACTIONS_PER_SECOND: Gauge;

/// Bytes per second of the last block through the pipeline (its size over its total pipeline
/// time).
#[alys_metric(gauge)]
pub static BLOCK_BYTES_PER_SECOND: Gauge;

/// Transactions in the pool.
#[alys_metric(gauge)]
pub static TXPOOL_SIZE: IntGauge;

/// Transactions in the pool that are executable now.
#[alys_metric(gauge)]
pub static TXPOOL_PENDING: IntGauge;

/// Transactions in the pool that wait for an earlier nonce.
#[alys_metric(gauge)]
pub static TXPOOL_QUEUED: IntGauge;

/// Transactions processed per second over the last measurement window.
#[alys_metric(gauge)]
pub static TXPOOL_PROCESSING_RATE: Gauge;

/// Transactions rejected by the pool, by reason.
#[alys_metric(counter, labels(reason: RejectionReason))]
pub static TXPOOL_REJECTIONS: Counter;

/// Transactions processed by the pool (the counter behind the processing-rate gauge).
#[alys_metric(counter)]
pub static TXPOOL_PROCESSED: Counter;

/// Connected peers.
#[alys_metric(gauge)]
pub static PEER_COUNT: IntGauge;

/// Connection quality score of each peer (0.0 to 1.0); peers beyond the cap share the series `other`.
#[alys_metric(gauge, labels(peer_id: dynamic(max = 256)))]
pub static PEER_QUALITY_SCORE: Gauge;

/// Peer quality updates folded into `peer_id="other"` because the peer-id cap was reached.
#[alys_metric(counter)]
pub static PEER_QUALITY_FOLDED: Counter;

/// Connected peers by geographic region.
#[alys_metric(gauge, labels(region))]
pub static PEER_GEOGRAPHIC_DISTRIBUTION: IntGauge;

/// Forks seen: a second valid block at a height that already had one (competing chains).
#[alys_metric(counter)]
pub static CHAIN_FORKS: Counter;

/// Valid blocks left off the canonical chain when a fork was resolved against their branch.
#[alys_metric(counter)]
pub static ORPHAN_BLOCKS: Counter;

/// Valid blocks that arrived after a newer block had already been imported past their
/// height (too late to count).
#[alys_metric(counter)]
pub static STALE_BLOCKS: Counter;

/// Slots of this node's authority that passed without the node producing a block.
#[alys_metric(counter)]
pub static MISSED_BLOCK_PROPOSALS: Counter;

/// Share of the last 100 consensus slots (200 s at 2 s slots) in which the slot's authority
/// produced a block, 0 to 1; 0 until the first slot is recorded (see
/// alys_consensus_slots_total).
#[alys_metric(gauge)]
pub static CONSENSUS_PARTICIPATION_RATE: Gauge;

/// Consensus slots, by result: produced (the slot's authority produced a block) or missed.
#[alys_metric(counter, labels(result: SlotResult))]
pub static CONSENSUS_SLOTS: Counter;

/// Round-trip time of requests to peers (request sent to response received), in seconds.
#[alys_metric(histogram)]
pub static NETWORK_LATENCY: Histogram;

/// Peer disconnections, by reason.
#[alys_metric(counter, labels(reason: PeerDisconnectReason))]
pub static PEER_DISCONNECTIONS: Counter;

/// Transactions received by the pool (accepted or not); rejections are counted by reason in
/// alys_txpool_rejections_total.
#[alys_metric(counter)]
pub static TXPOOL_RECEIVED: Counter;

/// Capacity of the transaction pool, in transactions.
#[alys_metric(gauge)]
pub static TXPOOL_MAX_SIZE: IntGauge;
