use alys_metrics::prelude::*;

struct ChainActor;

#[instrument_actor]
impl ChainActor {
    fn import_block(&mut self) {}
}

fn main() {
    ChainActor.import_block();
}
