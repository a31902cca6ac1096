use std::future::Ready;

use alys_metrics::prelude::*;

struct ChainActor;
struct Ping;

// A future that is not boxed completes after the fn returns, and its type leaves no room to
// wrap it: the error says to box it or make the fn `async`.
#[instrument_actor]
impl ChainActor {
    fn handle(&mut self, _msg: Ping) -> Ready<u8> {
        std::future::ready(1)
    }
}

fn main() {}
