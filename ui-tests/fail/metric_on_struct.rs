use alys_metrics::prelude::*;

/// Requests served.
#[alys_metric(counter)]
pub struct Requests {
    pub count: u64,
}

fn main() {
    let _ = Requests { count: 0 };
}
