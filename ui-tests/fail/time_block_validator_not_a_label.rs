use alys_metrics::prelude::*;

struct PublicKey([u8; 4]);

struct Validator {
    key: PublicKey,
}

impl Validator {
    #[time_block(production, validator = self.key)]
    fn produce_block(&self) -> u8 {
        self.key.0[0]
    }
}

fn main() {
    let _ = Validator {
        key: PublicKey([1; 4]),
    }
    .produce_block();
}
