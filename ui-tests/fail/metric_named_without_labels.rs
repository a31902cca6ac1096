use alys_metrics::prelude::*;

/// Requests served.
#[alys_metric(counter, named = RequestLabels)]
pub static REQUESTS: Counter;

fn main() {}
