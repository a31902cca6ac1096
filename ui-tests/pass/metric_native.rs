use alys_metrics::prelude::*;

/// Time to produce a block, in seconds.
#[alys_metric(histogram, native, labels(validator: dynamic(max = 4)))]
pub static PRODUCTION: Histogram;

/// Time to validate a block, in seconds.
#[alys_metric(histogram, buckets = [0.1, 1.0], native(schema = -4, max_buckets = 1))]
pub static VALIDATION: Histogram;

/// Time to answer a request, in seconds.
#[alys_metric(histogram, native(schema = 8))]
pub static REQUEST: Histogram;

fn main() {
    PRODUCTION.with("v1").observe(0.25);
    VALIDATION.observe(3.0);
    REQUEST.observe(0.001);
    assert_eq!(VALIDATION.native().unwrap().schema, -4);
    assert_eq!(REQUEST.native().unwrap().schema, 8);
}
