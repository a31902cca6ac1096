use alys_metrics::prelude::*;

#[instrument_actor(actor = chain)]
const fn handle_height() -> u64 {
    1
}

fn main() {
    let _ = handle_height();
}
