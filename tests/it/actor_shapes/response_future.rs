//! `ResponseFuture<Result<..>>`: the future is measured to its completion, its `Err` counted.

use actix::prelude::*;
use alys_metrics::actor::MessageOutcome;
use alys_metrics::labels::ActorType;
use alys_metrics::prelude::*;

use super::common::{before, InFlightProbe, WORK};
use crate::serial;

static PROBE: InFlightProbe = InFlightProbe::new();

struct BridgeActor;

impl Actor for BridgeActor {
    type Context = Context<Self>;
}

#[derive(Debug)]
struct BridgeError;

#[derive(Message)]
#[rtype(result = "Result<(), BridgeError>")]
struct ProcessPegIn;

#[instrument_actor]
impl Handler<ProcessPegIn> for BridgeActor {
    type Result = ResponseFuture<Result<(), BridgeError>>;

    fn handle(&mut self, _msg: ProcessPegIn, _ctx: &mut Context<Self>) -> Self::Result {
        Box::pin(async move {
            PROBE.look(ActorType::Bridge);
            tokio::time::sleep(WORK).await;
            Err(BridgeError)
        })
    }
}

#[actix_rt::test]
async fn a_response_future_is_measured_to_completion() {
    let _s = serial();
    let b = before(ActorType::Bridge, "BridgeActor", "ProcessPegIn", &PROBE);
    let addr = BridgeActor.start();
    for _ in 0..2 {
        assert!(addr.send(ProcessPegIn).await.unwrap().is_err());
    }
    b.assert(2, MessageOutcome::Error);
}
