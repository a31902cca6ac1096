//! A metric declared inside a function body.

use alys_metrics::{labels::Status, prelude::*};

fn handle() -> u64 {
    /// Calls of `handle`, declared next to the code that updates it.
    #[alys_metric(counter, labels(status))]
    static HANDLE_CALLS: Counter;

    HANDLE_CALLS.with(Status::Attempted).inc();
    HANDLE_CALLS.with(Status::Attempted).get()
}

fn main() {
    handle();
}
