use alys_metrics::prelude::*;

struct ChainActor;
struct SyncBlocks;

// A string is accepted (`actor = "chain"`); an unknown one says what is expected.
#[instrument_actor(actor = "chian")]
impl ChainActor {
    fn handle(&mut self, _msg: SyncBlocks) {}
}

fn main() {}
