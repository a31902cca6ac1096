use alys_metrics::prelude::*;

/// Migration errors, by phase.
#[alys_metric(counter, labels(phase, error_type, phase))]
pub static MIGRATION_ERRORS: Counter;

fn main() {}
