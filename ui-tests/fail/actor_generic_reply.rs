use alys_metrics::prelude::*;

struct ChainActor;
struct SyncBlocks;

// A type parameter may be a future or a value: it cannot be measured by its type.
#[instrument_actor]
impl ChainActor {
    fn handle<T: Default>(&mut self, _msg: SyncBlocks) -> T {
        T::default()
    }
}

fn main() {
    let _: u8 = ChainActor.handle(SyncBlocks);
}
