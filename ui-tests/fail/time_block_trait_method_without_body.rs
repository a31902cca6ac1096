use alys_metrics::prelude::*;

trait Produce {
    #[time_block(production, validator = self.id())]
    fn produce_block(&self) -> u64;

    fn id(&self) -> u32;
}

fn main() {}
