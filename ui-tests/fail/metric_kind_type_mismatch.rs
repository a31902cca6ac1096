use alys_metrics::prelude::*;

/// Connected peers.
#[alys_metric(counter)]
pub static PEERS: Gauge;

fn main() {
    // The static keeps its declared type: `set` adds no error.
    PEERS.set(1.0);
}
