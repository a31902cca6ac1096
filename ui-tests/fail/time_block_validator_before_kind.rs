use alys_metrics::prelude::*;

#[time_block(validator = "validator-01", production)]
fn produce_block() -> u64 {
    1
}

fn main() {
    let _ = produce_block();
}
