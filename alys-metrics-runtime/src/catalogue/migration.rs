//! Migration progress.

use super::prelude::*;

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

/// When the current migration phase started, in seconds since the Unix epoch.
#[alys_metric(gauge)]
pub static MIGRATION_PHASE_START_TIMESTAMP: Gauge;

/// Data-integrity errors found while migrating (a record whose checksum or content differs
/// between source and target).
#[alys_metric(counter)]
pub static MIGRATION_DATA_INTEGRITY_ERRORS: Counter;

/// Failed checks of the migrated state against the source state (a state root or account
/// mismatch); failed end-of-phase validations are alys_migration_validation_failure_total.
#[alys_metric(counter)]
pub static MIGRATION_STATE_VALIDATION_FAILURES: Counter;

/// Migration batches that failed to apply.
#[alys_metric(counter)]
pub static MIGRATION_BATCH_FAILURES: Counter;

/// Migration checkpoints that failed to be written.
#[alys_metric(counter)]
pub static MIGRATION_CHECKPOINT_FAILURES: Counter;

/// Attempts to recover the migration (resuming from a checkpoint after a failure).
#[alys_metric(counter)]
pub static MIGRATION_RECOVERY_ATTEMPTS: Counter;

/// Memory used by the migration (its buffers and caches), in bytes.
#[alys_metric(gauge, unit = "bytes")]
pub static MIGRATION_MEMORY_USAGE: IntGauge;

/// Memory the migration may use, in bytes.
#[alys_metric(gauge, unit = "bytes")]
pub static MIGRATION_MEMORY_LIMIT: IntGauge;

/// Free space for unprivileged users on the filesystem of the migration's data directory, in
/// bytes (read by the resource collector with statvfs; 0 until a directory is named with
/// `chain::set_migration_data_dir` and read).
#[alys_metric(gauge, unit = "bytes")]
pub static MIGRATION_DISK_FREE: IntGauge;

/// Size of the filesystem of the migration's data directory, in bytes (read by the resource
/// collector with statvfs; 0 until a directory is named and read).
#[alys_metric(gauge, unit = "bytes")]
pub static MIGRATION_DISK_TOTAL: IntGauge;
