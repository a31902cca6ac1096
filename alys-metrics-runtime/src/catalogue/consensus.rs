//! Chain, consensus (Aura, AuxPoW), engine and RPC metrics of the existing node, with the
//! `_total` renames listed in the [catalogue](super) docs.

use super::prelude::*;

/// Blocks produced by this authority under Aura, by status (`success` or `failure`:
/// [`succeeds_or_fails`]).
#[alys_metric(counter, labels(status), combinations = succeeds_or_fails)]
pub static AURA_PRODUCED_BLOCKS: Counter;

/// Current Aura slot.
#[alys_metric(gauge)]
pub static AURA_CURRENT_SLOT: Gauge;

/// Slot author look-ups, by status (`success` or `failure`: [`succeeds_or_fails`]) and
/// authority index.
#[alys_metric(
    counter,
    labels(status, authority_index: dynamic(max = 64)),
    combinations = succeeds_or_fails
)]
pub static AURA_SLOT_AUTHOR_RETRIEVALS: Counter;

/// Authority index of the latest slot author.
#[alys_metric(gauge)]
pub static AURA_LATEST_SLOT_AUTHOR: Gauge;

/// Signed-block verifications, by status (`attempted` on entry, then `success` or
/// `failure`: [`is_verification_status`]).
#[alys_metric(counter, labels(status), combinations = is_verification_status)]
pub static AURA_VERIFY_SIGNED_BLOCK: Counter;

/// Slot claims, by status.
#[alys_metric(counter, labels(status), name = "alys_aura_slot_claim_total")]
pub static AURA_SLOT_CLAIM: Counter;

/// `createauxblock` RPC calls, by status.
#[alys_metric(counter, labels(status))]
pub static CREATE_AUX_BLOCK_CALLS: Counter;

/// `submitauxblock` RPC calls, by status.
#[alys_metric(counter, labels(status))]
pub static AUXPOW_SUBMIT_BLOCK_CALLS: Counter;

/// Hashes processed per AuxPoW submission (a count, not seconds).
#[alys_metric(histogram, buckets = exponential(1, 10, 8))]
pub static AUXPOW_HASHES_PROCESSED: Histogram;

/// Peg-ins processed, by status.
#[alys_metric(counter, labels(status), name = "alys_chain_pegin_total")]
pub static CHAIN_PEGIN: Counter;

/// Total amount pegged in, in satoshis.
#[alys_metric(gauge)]
pub static CHAIN_TOTAL_PEGIN_AMOUNT: IntGauge;

/// Block processing attempts.
#[alys_metric(counter)]
pub static CHAIN_PROCESS_BLOCK_ATTEMPTS: Counter;

/// Blocks processed, by status and reason.
#[alys_metric(
    counter,
    labels(status, reason: BlockRejectReason),
    name = "alys_chain_process_block_total",
    combinations = is_block_outcome
)]
pub static CHAIN_PROCESS_BLOCK: Counter;

/// Gossip messages, by kind and status (`success` or `failure`: [`is_gossip_outcome`]).
#[alys_metric(
    counter,
    labels(message_type: GossipKind, status),
    name = "alys_chain_network_gossip_total",
    combinations = is_gossip_outcome
)]
pub static CHAIN_NETWORK_GOSSIP: Counter;

/// Height of the last approved block.
#[alys_metric(gauge)]
pub static LAST_APPROVED_BLOCK: IntGauge;

/// Height of the chain head.
#[alys_metric(gauge)]
pub static CHAIN_BLOCK_HEIGHT: IntGauge;

/// Bitcoin block monitor events, by status.
#[alys_metric(counter, labels(status), name = "alys_chain_btc_block_monitor_total")]
pub static CHAIN_BTC_BLOCK_MONITOR: Counter;

/// Height of the last Bitcoin block the monitor saw (was the unbounded `block_height` label).
#[alys_metric(gauge)]
pub static CHAIN_BTC_BLOCK_MONITOR_HEIGHT: IntGauge;

/// Peers discovered by the chain's network layer.
#[alys_metric(gauge)]
pub static CHAIN_DISCOVERED_PEERS: Gauge;

/// Syncing operations, by status.
#[alys_metric(counter, labels(status), name = "alys_chain_syncing_operation_total")]
pub static CHAIN_SYNCING_OPERATION: Counter;

/// Start height of the last syncing operation (was the unbounded `start_height` label).
#[alys_metric(gauge)]
pub static CHAIN_SYNCING_START_HEIGHT: IntGauge;

/// Block production steps, by stage and status ([`is_production_outcome`]: `success` or
/// `failure`, and `timeout` for the build).
#[alys_metric(
    counter,
    labels(message_type: ProductionStage, status),
    name = "alys_chain_block_production_total",
    combinations = is_production_outcome
)]
pub static CHAIN_BLOCK_PRODUCTION: Counter;

/// Height of the last finalized block.
#[alys_metric(gauge)]
pub static CHAIN_LAST_FINALIZED_BLOCK: IntGauge;

/// Height of the last processed block.
#[alys_metric(gauge)]
pub static CHAIN_LAST_PROCESSED_BLOCK: IntGauge;

/// Engine `build_block` calls, by status and reason.
#[alys_metric(counter, labels(status, reason: BuildBlockReason), combinations = is_build_outcome)]
pub static ENGINE_BUILD_BLOCK_CALLS: Counter;

/// Engine `commit_block` calls, by status.
#[alys_metric(counter, labels(status))]
pub static ENGINE_COMMIT_BLOCK_CALLS: Counter;

/// RPC requests, by method and status.
#[alys_metric(counter, labels(method: dynamic(max = 128), status))]
pub static RPC_REQUESTS: Counter;

/// RPC request duration, in seconds, by method.
#[alys_metric(histogram, native, labels(method: dynamic(max = 128)), name = "alys_rpc_request_duration_seconds")]
pub static RPC_REQUEST_DURATION: Histogram;
