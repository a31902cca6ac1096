use alys_metrics::prelude::*;

/// Migration errors, by phase.
#[alys_metric(counter, lables(phase))]
pub static MIGRATION_ERRORS: Counter;

fn main() {}
