use alys_metrics::prelude::*;

/// Blocks produced, by validator.
#[alys_metric(counter, labels(validator: dynamic))]
pub static BLOCKS_PRODUCED: Counter;

fn main() {
    BLOCKS_PRODUCED.with("validator-1").inc();
}
