use alys_metrics::prelude::*;

struct ChainActor;
struct ImportBlock;

#[instrument_actor(message = blocks)]
impl ChainActor {
    fn handle(&mut self, _msg: ImportBlock) {}
}

fn main() {}
