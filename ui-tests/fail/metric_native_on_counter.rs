use alys_metrics::prelude::*;

/// Requests served.
#[alys_metric(counter, native)]
pub static REQUESTS: Counter;

fn main() {}
