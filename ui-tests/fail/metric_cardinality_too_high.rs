use alys_metrics::prelude::*;

/// Messages, by every dimension at once: 10 x 10 x 9 x 9 = 8100 series, times 7 regions.
#[alys_metric(counter, labels(phase, error_type, actor_type, message_type, region))]
pub static EVERYTHING: Counter;

fn main() {}
