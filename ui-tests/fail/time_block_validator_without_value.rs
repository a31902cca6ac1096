use alys_metrics::prelude::*;

struct Validator {
    id: String,
}

impl Validator {
    #[time_block(validation, validator)]
    fn validate_block(&self) -> Result<(), String> {
        Err(self.id.clone())
    }
}

fn main() {
    let _ = Validator { id: String::new() }.validate_block();
}
