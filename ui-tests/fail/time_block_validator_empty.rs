use alys_metrics::prelude::*;

#[time_block(validation, validator = )]
fn validate_block() -> Result<(), String> {
    Ok(())
}

fn main() {
    let _ = validate_block();
}
