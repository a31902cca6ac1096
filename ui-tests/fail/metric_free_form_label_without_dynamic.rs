use alys_metrics::prelude::*;

/// Blocks produced, by validator.
#[alys_metric(counter, labels(validator))]
pub static BLOCKS_PRODUCED: Counter;

fn main() {}
