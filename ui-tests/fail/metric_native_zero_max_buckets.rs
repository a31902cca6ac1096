use alys_metrics::prelude::*;

/// Time to produce a block, in seconds.
#[alys_metric(histogram, native(max_buckets = 0))]
pub static PRODUCTION: Histogram;

fn main() {}
