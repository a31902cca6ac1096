use alys_metrics::prelude::*;

/// Transactions rejected, by reason.
#[alys_metric(counter, labels(reason))]
pub static TXPOOL_REJECTIONS: Counter;

fn main() {}
