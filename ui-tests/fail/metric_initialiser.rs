use alys_metrics::prelude::*;

/// Requests served.
#[alys_metric(counter)]
pub static REQUESTS: Counter = Counter::new();

fn main() {
    REQUESTS.inc();
}
