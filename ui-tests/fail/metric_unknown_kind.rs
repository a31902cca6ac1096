use alys_metrics::{labels::Status, prelude::*};

/// Requests served.
#[alys_metric(countr, labels(status))]
pub static REQUESTS: Counter;

fn main() {
    REQUESTS.with(Status::Success).inc();
}
