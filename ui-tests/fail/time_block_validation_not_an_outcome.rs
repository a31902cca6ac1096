use alys_metrics::prelude::*;

#[time_block(validation, validator = "validator-01")]
fn validate_block(height: u64) -> u64 {
    height
}

fn main() {
    let _ = validate_block(1);
}
