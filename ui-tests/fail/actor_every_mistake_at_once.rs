use std::future::Future;

use actix::prelude::*;
use alys_metrics::prelude::*;

struct ChainActor;
impl Actor for ChainActor {
    type Context = Context<Self>;
}
struct Ping;

// Four mistakes in one impl: each is reported at its own token, all in one round.
#[instrument_actor]
impl ChainActor {
    const fn handle_const(&self, _msg: Ping) {}

    fn handle_future(&self, _msg: Ping) -> impl Future<Output = u8> {
        async { 1 }
    }

    fn handle_vec(&self, _msg: Ping) -> Vec<_> {
        vec![1u8]
    }

    fn handle_generic<T: Default>(&self, _msg: Ping) -> Result<T, String> {
        Ok(T::default())
    }
}

fn main() {}
