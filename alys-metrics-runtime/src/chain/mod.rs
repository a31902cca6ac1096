//! The chain domain: block timing (`#[time_block]` and [`BlockTimer`]), sync, transaction
//! pool, peers and migration;
//! forks, orphan and stale blocks, missed proposals and participation ([`consensus`]); the
//! governance stream ([`governance`]); the database pool and queries ([`storage`]); the
//! bridge's peg-ins, peg-outs, UTXO set and federation signatures ([`bridge`]); the execution
//! client ([`engine`]) and the execution library's v4 -> v5 migration ([`lighthouse`]).
//!
//! # Free functions, not a handle
//!
//! Every metric here is a process-wide static of the standard catalogue, so this API is a set
//! of free functions: a handle would only wrap `&'static` references, and cloning it would
//! share nothing that is not shared already. The little configuration there is (the peer-id
//! cap, the GeoIP source) is process-wide too: [`set_peer_id_cap`], [`set_region_lookup`].
//! Pure calculations ([`sync_speed`], [`txpool_health_score`], [`network_health_score`],
//! [`BlockThroughput::compute`]) are separate from the functions that record, so they can be
//! used and tested on their own.
//!
//! # `#[time_block]`
//!
//! ```
//! # extern crate alys_metrics_runtime as alys_metrics;
//! use alys_metrics::prelude::*;
//!
//! struct Validator { id: String }
//! # struct Block;
//! # #[derive(Debug)] struct Invalid;
//!
//! impl Validator {
//!     #[time_block(production, validator = self.id)]
//!     fn produce_block(&self) -> Block {
//!         Block
//!     }
//!
//!     #[time_block(validation, validator = self.id)]
//!     async fn validate_block(&self, _block: &Block) -> Result<(), Invalid> {
//!         Ok(())
//!     }
//! }
//!
//! let v = Validator { id: "Validator-01".into() };
//! let block = v.produce_block();
//! # use std::future::Future;
//! # let fut = v.validate_block(&block);
//! # let mut fut = std::pin::pin!(fut);
//! # let _ = fut.as_mut().poll(&mut std::task::Context::from_waker(std::task::Waker::noop()));
//! let text = alys_metrics::registry().encode_to_string();
//! assert!(text.contains(
//!     "alys_block_production_duration_seconds_count{validator=\"validator-01\"} 1\n"
//! ));
//! assert!(text.contains("alys_block_validations_total{result=\"success\"} 1\n"));
//! ```
//!
//! `#[time_block(production, validator = EXPR)]` or `#[time_block(validation, validator = EXPR)]`
//! goes on a sync or async function or method with a body.
//!
//! - `EXPR` is evaluated once, when the function starts (for an async function: when its
//!   future is first polled), before the body runs; it may use the arguments and `self`. It
//!   must implement [`ValidatorLabel`] (strings and integers do). The label keeps the first 64
//!   distinct validators; later ones share the series `other`.
//! - The duration of the body is observed into `alys_block_production_duration_seconds` or
//!   `alys_block_validation_duration_seconds`, whatever way the body returns (`return`, `?`,
//!   the tail). For an async function the *future* is timed, from its first poll to its
//!   completion.
//! - A validation's return value must implement [`ValidationOutcome`] (`Result` and `bool`
//!   do): it is counted in `alys_block_validations_total{result="success"|"failure"}`, and
//!   its duration is observed either way.
//! - A body that panics, or a future dropped before it completes, records no duration; it is
//!   counted in `alys_block_timings_dropped_total{cause="panicked"|"abandoned"}`. The body can
//!   drop its own sample (a duplicate block) with [`discard_block_sample`]
//!   (`cause="discarded"`).
//! - A function returning `impl Future` without being `async` is refused: only the creation
//!   of the future would be timed. A function in the shape `#[async_trait]` produces
//!   (`Box::pin(async move { .. })`) has its inner future timed.

pub mod blocks;
pub mod bridge;
mod bridge_in_flight;
mod bridge_pegin;
mod bridge_pegout;
mod bridge_utxo;
pub mod consensus;
pub mod engine;
pub mod governance;
pub mod lighthouse;
pub mod migration;
pub mod peers;
pub mod storage;
pub mod sync;
#[doc(hidden)]
pub mod time_block;
pub mod txpool;

pub use blocks::{
    record_block_pipeline_metrics, record_block_production_time, record_block_throughput,
    record_block_validation_time, BlockThroughput, BlockTimer, BlockTimerKind, DropCause,
    ValidationOutcome, ValidationResult, ValidatorLabel,
};
pub use consensus::{
    record_fork, record_orphan_blocks, record_slot, record_stale_block, SlotAuthor,
    PARTICIPATION_WINDOW,
};
pub use migration::{
    clear_migration_data_dir, migration_data_dir, migration_phase, record_batch_failure,
    record_checkpoint_failure, record_data_integrity_error, record_migration_error,
    record_migration_phase_duration, record_migration_rollback, record_recovery_attempt,
    record_state_validation_failure, record_validation_failure, record_validation_success,
    set_migration_data_dir, set_migration_memory, set_migration_phase, set_migration_progress,
};
pub use peers::{
    admitted_peer_ids, clear_region_lookup, forget_peer, geographic_diversity, is_local_ip,
    network_health_score, peer_disconnected, peer_id_cap, record_peer_connection_metrics,
    record_peer_quality_score, record_peer_request_rtt, set_peer_id_cap, set_region_lookup,
    update_peer_count, update_peer_geographic_distribution, PeerConnectionStats, PeerScore,
    RegionLookup, ScoreRecorded, PEER_ID_CAP_MAX,
};
pub use sync::{
    record_blocks_processed, record_sync_speed, set_sync_state, sync_completion_percent,
    sync_speed, sync_state, update_sync_progress,
};
pub use time_block::discard_block_sample;
pub use txpool::{
    record_transaction_pool_metrics, record_transaction_processing_rate,
    record_transaction_rejection, record_transaction_rejections, record_transactions_received,
    set_transaction_pool_max_size, transaction_processing_rate, txpool_health_score,
    update_transaction_pool_size, TxPoolUpdate,
};
