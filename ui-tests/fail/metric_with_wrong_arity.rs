use alys_metrics::prelude::*;

/// Migration errors, by phase and error type.
#[alys_metric(counter, labels(phase, error_type))]
pub static MIGRATION_ERRORS: Counter;

fn main() {
    MIGRATION_ERRORS.with(MigrationPhase::Foundation).inc();
}
