use alys_metrics::prelude::*;

/// Time to produce a block, in seconds.
#[alys_metric(histogram, native(schema = 2, max_bucket = 10))]
pub static PRODUCTION: Histogram;

fn main() {}
