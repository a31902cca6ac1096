use alys_metrics::prelude::*;

#[time_block(production, validator = "a", validator = "b")]
fn produce_block() -> u64 {
    1
}

fn main() {
    let _ = produce_block();
}
