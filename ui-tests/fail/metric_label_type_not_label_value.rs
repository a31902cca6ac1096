use alys_metrics::prelude::*;

/// Requests, by peer.
#[alys_metric(counter, labels(x: String))]
pub static REQUESTS: Counter;

fn main() {
    // One error, at the declaration: uses of the static add none.
    REQUESTS.with(String::from("peer")).inc();
}
