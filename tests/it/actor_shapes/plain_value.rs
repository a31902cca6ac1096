//! A sync handler returning a plain value.

use actix::prelude::*;
use alys_metrics::actor::MessageOutcome;
use alys_metrics::labels::ActorType;
use alys_metrics::prelude::*;

use super::common::{before, InFlightProbe, WORK};
use crate::serial;

static PROBE: InFlightProbe = InFlightProbe::new();

struct ChainActor;

impl Actor for ChainActor {
    type Context = Context<Self>;
}

#[derive(Message)]
#[rtype(result = "u64")]
struct SyncBlocks(u64);

#[instrument_actor]
impl Handler<SyncBlocks> for ChainActor {
    type Result = u64;

    fn handle(&mut self, msg: SyncBlocks, _ctx: &mut Context<Self>) -> u64 {
        PROBE.look(ActorType::Chain);
        std::thread::sleep(WORK);
        msg.0 + 1
    }
}

#[actix_rt::test]
async fn a_plain_reply_is_measured_when_it_is_returned() {
    let _s = serial();
    let b = before(ActorType::Chain, "ChainActor", "SyncBlocks", &PROBE);
    let addr = ChainActor.start();
    for i in 0..3 {
        assert_eq!(addr.send(SyncBlocks(i)).await.unwrap(), i + 1);
    }
    b.assert(3, MessageOutcome::Ok);
}
