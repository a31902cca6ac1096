use alys_metrics::prelude::*;

#[alys_metric(counter)]
pub static REQUESTS: Counter;

fn main() {
    REQUESTS.inc();
}
