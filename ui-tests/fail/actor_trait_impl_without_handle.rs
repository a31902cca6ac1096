use alys_metrics::prelude::*;

trait PegHandler {
    fn process(&mut self, amount: u64) -> u64;
}

struct BridgeActor;

// An impl of a trait whose methods are not `handle`/`handle_*` (an `#[async_trait]` one, say):
// the error names the attribute to put on each method instead.
#[instrument_actor]
impl PegHandler for BridgeActor {
    fn process(&mut self, amount: u64) -> u64 {
        amount
    }
}

fn main() {
    let _ = BridgeActor.process(1);
}
