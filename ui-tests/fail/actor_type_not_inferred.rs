use alys_metrics::prelude::*;

struct ExampleBlockchainActor;
struct SyncBlocks;

// `Blockchain` is not the word `chain`: the actor type must be said.
#[instrument_actor]
impl ExampleBlockchainActor {
    fn handle(&mut self, _msg: SyncBlocks) {}
}

fn main() {
    ExampleBlockchainActor.handle(SyncBlocks);
}
