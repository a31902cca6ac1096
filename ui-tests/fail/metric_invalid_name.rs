use alys_metrics::prelude::*;

/// Requests served.
#[alys_metric(counter, name = "alys-requests_total")]
pub static REQUESTS: Counter;

fn main() {}
