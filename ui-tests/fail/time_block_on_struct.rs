use alys_metrics::prelude::*;

#[time_block(production, validator = "validator-01")]
struct BlockProducer {
    id: u32,
}

fn main() {
    let _ = BlockProducer { id: 1 }.id;
}
