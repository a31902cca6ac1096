use actix::prelude::*;
use alys_metrics::prelude::*;

struct ChainActor;

impl Actor for ChainActor {
    type Context = Context<Self>;
}

#[instrument_actor]
impl<M: Message<Result = ()>> Handler<M> for ChainActor {
    type Result = ();

    fn handle(&mut self, _msg: M, _ctx: &mut Context<Self>) {}
}

fn main() {}
