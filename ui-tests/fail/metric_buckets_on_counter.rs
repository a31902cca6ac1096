use alys_metrics::prelude::*;

/// Requests served.
#[alys_metric(counter, buckets = [0.1, 1.0])]
pub static REQUESTS: Counter;

fn main() {}
