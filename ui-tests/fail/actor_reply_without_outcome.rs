use alys_metrics::prelude::*;

struct ChainActor;
struct SyncBlocks;
struct SyncReport {
    _blocks: u64,
}

#[instrument_actor]
impl ChainActor {
    fn handle(&mut self, _msg: SyncBlocks) -> SyncReport {
        SyncReport { _blocks: 1 }
    }
}

fn main() {
    let _ = ChainActor.handle(SyncBlocks);
}
