use actix::prelude::*;
use alys_metrics::prelude::*;

struct ChainActor;

// Lifecycle hooks handle no message: `message = ..` belongs on a `Handler` impl.
#[instrument_actor(message = sync)]
impl Actor for ChainActor {
    type Context = Context<Self>;
}

#[instrument_actor(metrics = self.metrics)]
impl Supervised for ChainActor {}

fn main() {}
