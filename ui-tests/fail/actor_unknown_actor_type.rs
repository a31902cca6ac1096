use alys_metrics::prelude::*;

struct Relay;
struct Forward;

#[instrument_actor(actor = chian)]
impl Relay {
    fn handle(&mut self, _msg: Forward) {}
}

fn main() {}
