//! The execution/consensus library's migration from Lighthouse v4 to v5: which version serves
//! each operation, the active version, the traffic split, comparisons of the two versions,
//! rollbacks, the migration's progress, and the library's BLS verifications and store.
//!
//! - [`operation`] counts an operation by the version that served it, in one family
//!   (`alys_lighthouse_operations_total{version}`); `ops/spellings.yml` serves the library's
//!   `lighthouse_v4_operations_total` and `lighthouse_v5_operations_total` from it.
//! - [`compare`] counts a mismatch when the two versions' results of one operation differ.
//! - [`set_active_version`], [`set_traffic_split_v5`], [`set_migration_progress`] report the
//!   migration's settings; [`rollback`] counts a rollback and sets v4 active with no traffic
//!   on v5.
//! - [`verify_bls`] times a BLS verification (every one, so the histogram's count is the
//!   verifications made) and counts the failed ones; [`storage_operation`] counts the store's
//!   operations and errors, [`set_storage_size`] its size.
//!
//! The Engine API calls the library makes are the execution client's RPC calls
//! ([`engine::rpc`](super::engine::rpc)), and its payload builds are
//! [`engine::PayloadBuild`](super::engine::PayloadBuild): they are not counted a second time
//! here.
//!
//! ```
//! # extern crate alys_metrics_runtime as alys_metrics;
//! use alys_metrics::chain::lighthouse;
//! use alys_metrics::labels::LighthouseVersion;
//!
//! lighthouse::set_active_version(LighthouseVersion::V4);
//! lighthouse::set_traffic_split_v5(10.0);
//! lighthouse::operation(LighthouseVersion::V4);
//! lighthouse::operation(LighthouseVersion::V5);
//! assert!(lighthouse::compare(&[1u8, 2], &[1u8, 2]));
//! let valid: bool = lighthouse::verify_bls(|| true);
//! assert!(valid);
//!
//! let text = alys_metrics::registry().encode_to_string();
//! assert!(text.contains("alys_lighthouse_active_version 4\n"));
//! ```

use std::time::{Duration, Instant};

use super::blocks::ValidationOutcome;
use crate::catalogue::lighthouse::{
    LIGHTHOUSE_ACTIVE_VERSION, LIGHTHOUSE_BLS_VERIFICATION_DURATION,
    LIGHTHOUSE_BLS_VERIFICATION_ERRORS, LIGHTHOUSE_MIGRATION_PROGRESS_PERCENT,
    LIGHTHOUSE_OPERATIONS, LIGHTHOUSE_ROLLBACKS, LIGHTHOUSE_STORAGE_ERRORS,
    LIGHTHOUSE_STORAGE_OPERATIONS, LIGHTHOUSE_STORAGE_SIZE, LIGHTHOUSE_TRAFFIC_SPLIT_V5_PERCENT,
    LIGHTHOUSE_VERSION_MISMATCHES,
};
use crate::labels::LighthouseVersion;

/// One operation of the library, served by `version`.
#[inline]
pub fn operation(version: LighthouseVersion) {
    LIGHTHOUSE_OPERATIONS.with(version).inc();
}

/// Compares the results of one operation run on both versions; counts
/// `alys_lighthouse_version_mismatches_total` when they differ. Returns whether they match.
pub fn compare<T: PartialEq + ?Sized>(v4: &T, v5: &T) -> bool {
    let matched = v4 == v5;
    if !matched {
        LIGHTHOUSE_VERSION_MISMATCHES.inc();
    }
    matched
}

/// The version the node runs on now (`alys_lighthouse_active_version`: 4 or 5).
pub fn set_active_version(version: LighthouseVersion) {
    LIGHTHOUSE_ACTIVE_VERSION.set(version.number());
}

/// The share of traffic routed to v5, in percent. Outside 0-100 (or NaN) it is refused, the
/// gauge keeps its value, and `false` is returned.
pub fn set_traffic_split_v5(percent: f64) -> bool {
    set_percent(&LIGHTHOUSE_TRAFFIC_SPLIT_V5_PERCENT, percent)
}

/// The migration's progress, in percent. Outside 0-100 (or NaN) it is refused, the gauge
/// keeps its value, and `false` is returned.
pub fn set_migration_progress(percent: f64) -> bool {
    set_percent(&LIGHTHOUSE_MIGRATION_PROGRESS_PERCENT, percent)
}

fn set_percent(gauge: &crate::metric::Gauge, percent: f64) -> bool {
    if !(0.0..=100.0).contains(&percent) {
        return false;
    }
    gauge.set(percent);
    true
}

/// The migration was rolled back: counts `alys_lighthouse_rollbacks_total`, sets v4 active
/// and the traffic on v5 to 0 %. The progress is left as it is (set it if the plan restarts).
pub fn rollback() {
    LIGHTHOUSE_ROLLBACKS.inc();
    set_active_version(LighthouseVersion::V4);
    LIGHTHOUSE_TRAFFIC_SPLIT_V5_PERCENT.set(0.0);
}

/// Records a BLS verification that took `took`; `ok` is false when the signature was invalid
/// or could not be verified.
pub fn record_bls_verification(took: Duration, ok: bool) {
    LIGHTHOUSE_BLS_VERIFICATION_DURATION.observe(took.as_secs_f64());
    if !ok {
        LIGHTHOUSE_BLS_VERIFICATION_ERRORS.inc();
    }
}

/// Runs `verify`, a BLS signature verification, and records it: its time, and an error when
/// it fails (`false`, `Err`, or `Ok(false)`). Returns what it returns. A panic records
/// nothing.
pub fn verify_bls<R: ValidationOutcome>(verify: impl FnOnce() -> R) -> R {
    let started = Instant::now();
    let out = verify();
    record_bls_verification(started.elapsed(), out.is_success());
    out
}

/// Records one operation on the library's store; `ok` is false when it failed.
pub fn record_storage_operation(ok: bool) {
    LIGHTHOUSE_STORAGE_OPERATIONS.inc();
    if !ok {
        LIGHTHOUSE_STORAGE_ERRORS.inc();
    }
}

/// Runs `op`, an operation on the library's store, and records it (an error when it returns
/// `Err`). Returns what it returns.
pub fn storage_operation<T, E>(op: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
    let out = op();
    record_storage_operation(out.is_ok());
    out
}

/// The size of the library's store, in bytes (`alys_lighthouse_storage_size_bytes`).
pub fn set_storage_size(bytes: u64) {
    LIGHTHOUSE_STORAGE_SIZE.set(i64::try_from(bytes).unwrap_or(i64::MAX));
}
