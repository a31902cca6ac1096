// `#[instrument_actor]` on `impl Actor` (hooks written or not) and `impl Supervised`, with the
// prelude shadowed: the generated code names everything by absolute path.
use actix::prelude::*;
use alys_metrics::instrument_actor;

#[allow(dead_code)]
mod std {}
#[allow(dead_code)]
type Result = ();

struct ChainActor {
    started: u32,
}

#[instrument_actor]
impl Actor for ChainActor {
    type Context = Context<Self>;

    fn started(&mut self, _ctx: &mut Self::Context) {
        self.started += 1;
        if self.started > 100 {
            return;
        }
    }

    fn stopping(&mut self, _: &mut Self::Context) -> Running {
        Running::Continue
    }
}

#[instrument_actor]
impl Supervised for ChainActor {
    fn restarting(&mut self, _: &mut Context<Self>) {
        self.started = 0;
    }
}

struct Metronome;

#[instrument_actor(actor = system)]
impl actix::Actor for Metronome {
    type Context = Context<Self>;
}

#[instrument_actor(actor = "system")]
impl actix::Supervised for Metronome {}

fn main() {
    let _ = ChainActor { started: 0 };
    let _ = Metronome;
}
