use alys_metrics::prelude::*;

struct Validator {
    id: u32,
}

impl Validator {
    #[time_block(validation, validator = self.id)]
    async fn validate_block(&self, height: u64) -> Option<u64> {
        Some(height)
    }
}

fn main() {
    let _ = Validator { id: 1 }.validate_block(1);
}
