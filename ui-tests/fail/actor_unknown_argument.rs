use alys_metrics::prelude::*;

struct ChainActor;
struct ImportBlock;

#[instrument_actor(actr = chain)]
impl ChainActor {
    fn handle(&mut self, _msg: ImportBlock) {}
}

fn main() {}
