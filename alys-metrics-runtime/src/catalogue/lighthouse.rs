//! The execution/consensus library's migration from Lighthouse v4 to v5: which version serves
//! the node's operations, the traffic split, comparisons of the two, rollbacks, and the
//! library's BLS verification and storage. Recorded through `chain::lighthouse`.
//!
//! The Engine API calls the library makes and its payload builds are the execution client's
//! (`catalogue::engine`, `alys_engine_build_block_calls_total`): they are not counted again
//! here.

use super::prelude::*;

/// Operations of the library, by the version that served them (with both versions running
/// for a comparison, each counts one).
#[alys_metric(counter, labels(version: LighthouseVersion))]
pub static LIGHTHOUSE_OPERATIONS: Counter;

/// The library version the node runs on: 4 or 5 (0 before it is set).
#[alys_metric(gauge)]
pub static LIGHTHOUSE_ACTIVE_VERSION: IntGauge;

/// Share of the library's traffic routed to v5, in percent (0-100).
#[alys_metric(gauge)]
pub static LIGHTHOUSE_TRAFFIC_SPLIT_V5_PERCENT: Gauge;

/// Progress of the migration to v5, in percent (0-100).
#[alys_metric(gauge)]
pub static LIGHTHOUSE_MIGRATION_PROGRESS_PERCENT: Gauge;

/// Operations run on both versions whose results differed.
#[alys_metric(counter)]
pub static LIGHTHOUSE_VERSION_MISMATCHES: Counter;

/// Rollbacks of the migration to v4.
#[alys_metric(counter)]
pub static LIGHTHOUSE_ROLLBACKS: Counter;

/// Time to verify a BLS signature, in seconds; every verification is observed, so the count
/// is the verifications made.
#[alys_metric(
    histogram,
    buckets = [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25]
)]
pub static LIGHTHOUSE_BLS_VERIFICATION_DURATION: Histogram;

/// BLS verifications that failed (an invalid signature, or an error verifying it).
#[alys_metric(counter)]
pub static LIGHTHOUSE_BLS_VERIFICATION_ERRORS: Counter;

/// Operations on the library's store.
#[alys_metric(counter)]
pub static LIGHTHOUSE_STORAGE_OPERATIONS: Counter;

/// Operations on the library's store that failed.
#[alys_metric(counter)]
pub static LIGHTHOUSE_STORAGE_ERRORS: Counter;

/// Size of the library's store, in bytes.
#[alys_metric(gauge, unit = "bytes")]
pub static LIGHTHOUSE_STORAGE_SIZE: IntGauge;
