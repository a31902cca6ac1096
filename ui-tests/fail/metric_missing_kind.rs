use alys_metrics::prelude::*;

/// Migration errors, by phase.
#[alys_metric(labels(phase))]
pub static MIGRATION_ERRORS: Counter;

fn main() {
    MIGRATION_ERRORS.with(MigrationPhase::Foundation).inc();
}
