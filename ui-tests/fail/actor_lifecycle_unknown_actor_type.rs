use actix::prelude::*;
use alys_metrics::prelude::*;

struct Metronome;

#[instrument_actor(actor = metronome)]
impl Actor for Metronome {
    type Context = Context<Self>;
}

fn main() {}
