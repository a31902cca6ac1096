use alys_metrics::prelude::*;

/// Requests served.
#[alys_metric(counter, name = "alys_requests")]
pub static REQUESTS: Counter;

fn main() {}
