use alys_metrics::prelude::*;

struct StorageActor;
struct RestoreCheckpoint;

// `Restore` is not the word `store`: the message type must be said.
#[instrument_actor]
impl StorageActor {
    fn handle(&mut self, _msg: RestoreCheckpoint) {}
}

fn main() {
    StorageActor.handle(RestoreCheckpoint);
}
