use alys_metrics::prelude::*;

/// Requests served.
#[alys_metric(counter)]
pub static mut REQUESTS: Counter;

fn main() {}
