use alys_metrics::prelude::*;

/// Migration errors, by phase and error type.
#[alys_metric(counter, labels(phse, error_type))]
pub static MIGRATION_ERRORS: Counter;

fn main() {
    // The static still exists with one label per declared name: no second error here.
    MIGRATION_ERRORS
        .with(MigrationPhase::Foundation, ErrorType::Timeout)
        .inc();
}
