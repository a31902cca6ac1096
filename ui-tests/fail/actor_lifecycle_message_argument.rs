use actix::prelude::*;
use alys_metrics::prelude::*;

struct ChainActor;

// Lifecycle hooks handle no message: `message = ..` belongs on a `Handler` impl.
#[instrument_actor(message = sync)]
impl Actor for ChainActor {
    type Context = Context<Self>;
}

#[instrument_actor(error = is_error)]
impl Supervised for ChainActor {}

fn is_error(_: &()) -> bool {
    false
}

fn main() {}
