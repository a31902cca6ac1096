use alys_metrics::prelude::*;

#[instrument_actor]
struct ChainActor {
    height: u64,
}

fn main() {
    let _ = ChainActor { height: 0 }.height;
}
