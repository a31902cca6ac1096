use alys_metrics::prelude::*;

struct SyncActor;
struct SyncBlocks;

// One error for the unknown actor type, and nothing after it.
#[instrument_actor(for = SyncActor, actor = peer)]
fn handle_sync(_msg: SyncBlocks) {}

fn main() {
    let _ = SyncActor;
    handle_sync(SyncBlocks);
}
