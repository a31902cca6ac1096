//! Migration events: phase and when it started, progress, errors, rollbacks,
//! validations and the time spent in each phase; the failure kinds operators alert on
//! (data-integrity errors, state-validation failures, batch and checkpoint failures, recovery
//! attempts); the migration's memory use and limit; and the data directory whose filesystem's
//! free and total space the resource collector reads ([`set_migration_data_dir`]).

use std::path::PathBuf;
use std::sync::{PoisonError, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::catalogue::migration::{
    MIGRATION_BATCH_FAILURES, MIGRATION_CHECKPOINT_FAILURES, MIGRATION_DATA_INTEGRITY_ERRORS,
    MIGRATION_ERRORS, MIGRATION_MEMORY_LIMIT, MIGRATION_MEMORY_USAGE, MIGRATION_PHASE,
    MIGRATION_PHASE_DURATION, MIGRATION_PHASE_START_TIMESTAMP, MIGRATION_PROGRESS_PERCENT,
    MIGRATION_RECOVERY_ATTEMPTS, MIGRATION_ROLLBACKS, MIGRATION_STATE_VALIDATION_FAILURES,
    MIGRATION_VALIDATION_FAILURE, MIGRATION_VALIDATION_SUCCESS,
};
use crate::labels::{ErrorType, MigrationPhase, RollbackReason};
use crate::LabelValue;

/// Sets `alys_migration_phase` to the phase's number (0-9). When the phase changes (and on
/// the first call) `alys_migration_phase_start_timestamp` is set to now; a change is logged at
/// `info`. The phase's labelled series exist from here on ([`MigrationPhase`] is gated).
pub fn set_migration_phase(phase: MigrationPhase) {
    // Entering a phase makes its series (errors, rollbacks, duration, validations) exist, at
    // 0, before anything in the phase can move them.
    phase.mark_live();
    let previous = MIGRATION_PHASE.get();
    MIGRATION_PHASE.set(phase.number());
    if previous != phase.number() || MIGRATION_PHASE_START_TIMESTAMP.get() == 0.0 {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        MIGRATION_PHASE_START_TIMESTAMP.set(now.as_secs_f64());
    }
    if previous != phase.number() {
        tracing::info!(phase = phase.as_str(), "migration phase updated");
    }
}

/// The phase exported by `alys_migration_phase`, or `None` if the gauge holds a value outside
/// `0..=9` (written directly).
pub fn migration_phase() -> Option<MigrationPhase> {
    MigrationPhase::from_number(MIGRATION_PHASE.get())
}

/// Sets `alys_migration_progress_percent`, clamped to `0..=100`; a NaN is ignored. Returns
/// the value set, or `None` when ignored.
pub fn set_migration_progress(percent: f64) -> Option<f64> {
    if percent.is_nan() {
        return None;
    }
    let p = percent.clamp(0.0, 100.0);
    MIGRATION_PROGRESS_PERCENT.set(p);
    Some(p)
}

/// Counts a migration error in `phase`, by category.
pub fn record_migration_error(phase: MigrationPhase, error_type: ErrorType) {
    MIGRATION_ERRORS.with(phase, error_type).inc();
    tracing::warn!(
        phase = phase.as_str(),
        error_type = error_type.as_str(),
        "migration error recorded"
    );
}

/// Counts a rollback of `phase`, by reason.
pub fn record_migration_rollback(phase: MigrationPhase, reason: RollbackReason) {
    MIGRATION_ROLLBACKS.with(phase, reason).inc();
    tracing::error!(
        phase = phase.as_str(),
        reason = reason.as_str(),
        "migration rollback recorded"
    );
}

/// Counts a successful validation of `phase`.
pub fn record_validation_success(phase: MigrationPhase) {
    MIGRATION_VALIDATION_SUCCESS.with(phase).inc();
}

/// Counts a failed validation of `phase`.
pub fn record_validation_failure(phase: MigrationPhase) {
    MIGRATION_VALIDATION_FAILURE.with(phase).inc();
    tracing::warn!(phase = phase.as_str(), "migration validation failed");
}

/// Observes the time spent in `phase` into `alys_migration_phase_duration_seconds`, whose
/// buckets run from 1 s to 24 h (1, 5, 15, 30, 60, 300, 600, 1800, 3600, 7200, 14400, 43200,
/// 86400 s).
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use std::time::Duration;
/// use alys_metrics::chain::record_migration_phase_duration;
/// use alys_metrics::labels::MigrationPhase;
///
/// record_migration_phase_duration(MigrationPhase::SyncEngine, Duration::from_secs(2 * 3600));
/// let text = alys_metrics::registry().encode_to_string();
/// assert!(text.contains(
///     "alys_migration_phase_duration_seconds_bucket{phase=\"sync_engine\",le=\"3600\"} 0\n"
/// ));
/// assert!(text.contains(
///     "alys_migration_phase_duration_seconds_bucket{phase=\"sync_engine\",le=\"7200\"} 1\n"
/// ));
/// ```
pub fn record_migration_phase_duration(phase: MigrationPhase, duration: Duration) {
    MIGRATION_PHASE_DURATION
        .with(phase)
        .observe(duration.as_secs_f64());
    tracing::info!(
        phase = phase.as_str(),
        duration_secs = duration.as_secs_f64(),
        "migration phase duration recorded"
    );
}

/// Counts a data-integrity error: a migrated record whose checksum or content differs from
/// its source.
pub fn record_data_integrity_error() {
    MIGRATION_DATA_INTEGRITY_ERRORS.inc();
    tracing::error!("migration data-integrity error");
}

/// Counts a failed check of the migrated state against the source state (a state root or an
/// account that differs). End-of-phase validations are [`record_validation_failure`].
pub fn record_state_validation_failure() {
    MIGRATION_STATE_VALIDATION_FAILURES.inc();
    tracing::error!("migration state validation failed");
}

/// Counts a migration batch that failed to apply.
pub fn record_batch_failure() {
    MIGRATION_BATCH_FAILURES.inc();
    tracing::warn!("migration batch failed");
}

/// Counts a checkpoint that failed to be written.
pub fn record_checkpoint_failure() {
    MIGRATION_CHECKPOINT_FAILURES.inc();
    tracing::warn!("migration checkpoint failed");
}

/// Counts an attempt to recover the migration (resuming from a checkpoint after a failure).
pub fn record_recovery_attempt() {
    MIGRATION_RECOVERY_ATTEMPTS.inc();
    tracing::warn!("migration recovery attempted");
}

/// Sets the memory the migration uses now and the most it may use, in bytes.
pub fn set_migration_memory(usage_bytes: u64, limit_bytes: u64) {
    MIGRATION_MEMORY_USAGE.set(i64::try_from(usage_bytes).unwrap_or(i64::MAX));
    MIGRATION_MEMORY_LIMIT.set(i64::try_from(limit_bytes).unwrap_or(i64::MAX));
}

static DATA_DIR: RwLock<Option<PathBuf>> = RwLock::new(None);

/// Names the migration's data directory: from the next tick on, the resource collector reads
/// the free and total space of its filesystem (`statvfs`) into
/// `alys_migration_disk_free_bytes` and `alys_migration_disk_total_bytes`.
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use alys_metrics::chain::{clear_migration_data_dir, migration_data_dir, set_migration_data_dir};
///
/// set_migration_data_dir(std::env::temp_dir());
/// assert_eq!(migration_data_dir(), Some(std::env::temp_dir()));
/// clear_migration_data_dir();
/// assert_eq!(migration_data_dir(), None);
/// ```
pub fn set_migration_data_dir(dir: impl Into<PathBuf>) {
    let dir = dir.into();
    tracing::info!(dir = %dir.display(), "migration data directory set");
    *DATA_DIR.write().unwrap_or_else(PoisonError::into_inner) = Some(dir);
}

/// Stops the collector's reads of the migration data directory's space (the gauges keep
/// their last values).
pub fn clear_migration_data_dir() {
    *DATA_DIR.write().unwrap_or_else(PoisonError::into_inner) = None;
}

/// The migration's data directory, if one is named.
pub fn migration_data_dir() -> Option<PathBuf> {
    DATA_DIR
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_is_clamped_and_nan_ignored() {
        assert_eq!(set_migration_progress(f64::NAN), None);
        assert_eq!(set_migration_progress(-5.0), Some(0.0));
        assert_eq!(set_migration_progress(140.0), Some(100.0));
        assert_eq!(set_migration_progress(67.8), Some(67.8));
        assert_eq!(MIGRATION_PROGRESS_PERCENT.get(), 67.8);
    }

    #[test]
    fn phase_round_trips_through_the_gauge() {
        set_migration_phase(MigrationPhase::FederationV2);
        assert_eq!(migration_phase(), Some(MigrationPhase::FederationV2));
    }
}
