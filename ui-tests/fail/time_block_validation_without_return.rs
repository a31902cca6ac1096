use alys_metrics::prelude::*;

#[time_block(validation, validator = "validator-01")]
fn validate_block(height: u64) {
    assert!(height > 0);
}

fn main() {
    validate_block(1);
}
