use alys_metrics::prelude::*;

struct ChainActor {
    processed: u64,
}
struct ImportBlock;

#[instrument_actor(metrics = self.processed, message = sync)]
impl ChainActor {
    fn handle(&mut self, _msg: ImportBlock) {}
}

fn main() {
    ChainActor { processed: 0 }.handle(ImportBlock);
}
