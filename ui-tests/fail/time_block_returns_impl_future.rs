use std::future::Future;

use alys_metrics::prelude::*;

#[time_block(production, validator = "validator-01")]
fn produce_block() -> impl Future<Output = u64> {
    async { 1 }
}

fn main() {
    let _ = produce_block();
}
