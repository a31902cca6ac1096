use alys_metrics::prelude::*;

/// Requests served.
#[alys_metric(counter)]
pub fn requests() -> u64 {
    0
}

fn main() {
    // The function is still emitted: calling it adds no error.
    let _ = requests();
}
