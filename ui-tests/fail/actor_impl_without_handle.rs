use alys_metrics::prelude::*;

trait Actor {
    fn started(&mut self);
}

struct ChainActor;

#[instrument_actor]
impl Actor for ChainActor {
    fn started(&mut self) {}
}

fn main() {}
