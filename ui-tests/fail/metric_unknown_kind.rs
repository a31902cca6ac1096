use alys_metrics::prelude::*;

/// Requests served.
#[alys_metric(countr, labels(status))]
pub static REQUESTS: Counter;

fn main() {
    REQUESTS.with(Status::Success).inc();
}
