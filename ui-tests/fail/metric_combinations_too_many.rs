use alys_metrics::prelude::*;

const fn any(_phase: MigrationPhase, _error: ErrorType) -> bool {
    true
}

/// Every combination declared: 201 x 100 series, over the limit.
#[alys_metric(counter, labels(node: dynamic(max = 200), phase, error_type), combinations = any)]
pub static TOO_MANY: Counter;

fn main() {}
