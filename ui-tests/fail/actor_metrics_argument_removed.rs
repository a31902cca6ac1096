use alys_metrics::prelude::*;

struct ChainActor {
    processed: u64,
}
struct ImportBlock;

// `metrics = ..` is gone: the handler counts every message itself. The error says what to do.
#[instrument_actor(metrics = self.processed)]
impl ChainActor {
    fn handle(&mut self, _msg: ImportBlock) {}
}

fn main() {
    ChainActor { processed: 0 }.handle(ImportBlock);
}
