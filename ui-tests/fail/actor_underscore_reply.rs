use alys_metrics::prelude::*;

struct ChainActor;
struct Ping;

// `_` in a reply: the handler is left as written; rustc names the type to write, once.
#[instrument_actor]
impl ChainActor {
    fn handle(&mut self, _msg: Ping) -> Option<_> {
        Some(1u8)
    }
}

fn main() {}
