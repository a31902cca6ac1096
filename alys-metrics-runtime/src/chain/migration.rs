//! Migration events (seed Phase 1): phase, progress, errors, rollbacks, validations and the
//! time spent in each phase.

use std::time::Duration;

use crate::catalogue::migration::{
    MIGRATION_ERRORS, MIGRATION_PHASE, MIGRATION_PHASE_DURATION, MIGRATION_PROGRESS_PERCENT,
    MIGRATION_ROLLBACKS, MIGRATION_VALIDATION_FAILURE, MIGRATION_VALIDATION_SUCCESS,
};
use crate::labels::{ErrorType, MigrationPhase, RollbackReason};
use crate::LabelValue;

/// Sets `alys_migration_phase` to the phase's number (0-9); a change is logged at `info`.
pub fn set_migration_phase(phase: MigrationPhase) {
    let previous = MIGRATION_PHASE.get();
    MIGRATION_PHASE.set(phase.number());
    if previous != phase.number() {
        tracing::info!(phase = phase.as_str(), "migration phase updated");
    }
}

/// The phase exported by `alys_migration_phase`, or `None` if the gauge holds a value outside
/// `0..=9` (written directly).
pub fn get_migration_phase() -> Option<MigrationPhase> {
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
        assert_eq!(get_migration_phase(), Some(MigrationPhase::FederationV2));
    }
}
