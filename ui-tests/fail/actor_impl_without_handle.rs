use alys_metrics::prelude::*;

// Not actix's `Actor` (no `type Context`): the attribute says so instead of guessing.
trait Actor {
    fn started(&mut self);
}

struct ChainActor;

#[instrument_actor]
impl Actor for ChainActor {
    fn started(&mut self) {}
}

fn main() {}
