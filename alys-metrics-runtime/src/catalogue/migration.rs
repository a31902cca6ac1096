//! Migration progress (seed ALYS-003-01, Phase 1).

use crate::prelude::*;

/// Current migration phase, as the index of `MigrationPhase` (0-9).
#[alys_metric(gauge)]
pub static MIGRATION_PHASE: IntGauge;

/// Progress of the current migration phase, in percent (0-100).
#[alys_metric(gauge)]
pub static MIGRATION_PROGRESS_PERCENT: Gauge;

/// Migration errors, by phase and error category.
#[alys_metric(counter, labels(phase, error_type))]
pub static MIGRATION_ERRORS: Counter;

/// Migration rollbacks, by phase and reason.
#[alys_metric(counter, labels(phase, reason: RollbackReason))]
pub static MIGRATION_ROLLBACKS: Counter;

/// Time spent in each migration phase, in seconds (phases can last hours).
#[alys_metric(
    histogram,
    labels(phase),
    buckets = [1.0, 5.0, 15.0, 30.0, 60.0, 300.0, 600.0, 1800.0, 3600.0, 7200.0, 14400.0, 43200.0, 86400.0]
)]
pub static MIGRATION_PHASE_DURATION: Histogram;

/// Successful migration validations, by phase.
#[alys_metric(counter, labels(phase))]
pub static MIGRATION_VALIDATION_SUCCESS: Counter;

/// Failed migration validations, by phase.
#[alys_metric(counter, labels(phase))]
pub static MIGRATION_VALIDATION_FAILURE: Counter;
