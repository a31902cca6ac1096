use alys_metrics::prelude::*;

#[time_block(prodution, validator = "validator-01")]
fn produce_block() -> u64 {
    1
}

fn main() {
    let _ = produce_block();
}
