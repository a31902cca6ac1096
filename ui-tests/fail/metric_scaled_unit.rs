use alys_metrics::prelude::*;

/// Time to import a block.
#[alys_metric(histogram, unit = "milliseconds")]
pub static BLOCK_IMPORT: Histogram;

fn main() {}
