//! Both `impl Handler<M> for ChainActor` and the inherent `handle_*` helper it calls are
//! instrumented: one message is counted once. The helper called on its own is counted.

use actix::prelude::*;
use alys_metrics::actor::MessageOutcome;
use alys_metrics::labels::ActorType;
use alys_metrics::prelude::*;

use super::common::{before, InFlightProbe, WORK};
use crate::serial;

static PROBE: InFlightProbe = InFlightProbe::new();

struct ChainActor {
    imported: u64,
}

impl Actor for ChainActor {
    type Context = Context<Self>;
}

#[derive(Message)]
#[rtype(result = "Result<u64, String>")]
struct ImportBlock(u64);

#[instrument_actor(message = sync)]
impl ChainActor {
    fn handle_import(&mut self, msg: ImportBlock) -> Result<u64, String> {
        PROBE.look(ActorType::Chain);
        std::thread::sleep(WORK);
        self.imported += msg.0;
        Ok(self.imported)
    }
}

#[instrument_actor(message = sync)]
impl Handler<ImportBlock> for ChainActor {
    type Result = Result<u64, String>;

    fn handle(&mut self, msg: ImportBlock, _: &mut Context<Self>) -> Self::Result {
        self.handle_import(msg)
    }
}

#[actix_rt::test]
async fn a_helper_of_the_same_message_is_not_counted_again() {
    let _s = serial();
    let b = before(ActorType::Chain, "ChainActor", "ImportBlock", &PROBE);
    let addr = ChainActor { imported: 0 }.start();
    assert_eq!(addr.send(ImportBlock(2)).await.unwrap(), Ok(2));
    assert_eq!(addr.send(ImportBlock(3)).await.unwrap(), Ok(5));
    b.assert(2, MessageOutcome::Ok);
}

#[actix_rt::test]
async fn the_helper_on_its_own_is_counted() {
    let _s = serial();
    let b = before(ActorType::Chain, "ChainActor", "ImportBlock", &PROBE);
    let mut actor = ChainActor { imported: 0 };
    assert_eq!(actor.handle_import(ImportBlock(1)), Ok(1));
    b.assert(1, MessageOutcome::Ok);
}
