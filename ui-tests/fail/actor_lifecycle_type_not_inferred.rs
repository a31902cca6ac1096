use actix::prelude::*;
use alys_metrics::prelude::*;

struct ExampleBlockchainActor;

// On `impl Actor` too, `Blockchain` is not the word `chain`: the actor type must be said.
#[instrument_actor]
impl Actor for ExampleBlockchainActor {
    type Context = Context<Self>;
}

fn main() {}
