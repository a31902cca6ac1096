use alys_metrics::prelude::*;

/// Time to produce a block, in seconds.
#[alys_metric(histogram, native(schema = 9))]
pub static PRODUCTION: Histogram;

/// Time to validate a block, in seconds.
#[alys_metric(histogram, native(schema = -5, max_buckets = 100))]
pub static VALIDATION: Histogram;

fn main() {}
