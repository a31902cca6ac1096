use alys_metrics::prelude::*;

/// Time to import a block.
#[alys_metric(histogram, buckets = [0.1, 0.5, 0.25, 1.0])]
pub static BLOCK_IMPORT_DURATION: Histogram;

fn main() {}
