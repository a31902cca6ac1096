use std::future::Future;

use alys_metrics::prelude::*;

struct ChainActor;
struct SyncBlocks;

#[instrument_actor]
impl ChainActor {
    fn handle(&mut self, _msg: SyncBlocks) -> impl Future<Output = u8> {
        async { 1 }
    }
}

fn main() {
    let _ = ChainActor.handle(SyncBlocks);
}
