//! `error = path` says what an error is for one handler's reply.

use actix::prelude::*;
use alys_metrics::actor::MessageOutcome;
use alys_metrics::labels::ActorType;
use alys_metrics::prelude::*;

use super::common::{before, InFlightProbe, WORK};
use crate::serial;

static PROBE: InFlightProbe = InFlightProbe::new();

struct EngineActor;

impl Actor for EngineActor {
    type Context = Context<Self>;
}

/// A payload status where `INVALID` is a failure, though the reply is not a `Result`.
#[derive(Debug, PartialEq)]
struct PayloadStatus(&'static str);

fn invalid(status: &PayloadStatus) -> bool {
    status.0 == "INVALID"
}

#[derive(Message)]
#[rtype(result = "PayloadStatus")]
struct NewPayload;

#[instrument_actor(message = system, error = invalid)]
impl Handler<NewPayload> for EngineActor {
    type Result = ResponseFuture<PayloadStatus>;

    fn handle(&mut self, _: NewPayload, _: &mut Context<Self>) -> Self::Result {
        Box::pin(async {
            PROBE.look(ActorType::Engine);
            tokio::time::sleep(WORK).await;
            PayloadStatus("INVALID")
        })
    }
}

#[actix_rt::test]
async fn the_handler_says_what_an_error_is() {
    let _s = serial();
    let b = before(ActorType::Engine, "EngineActor", "NewPayload", &PROBE);
    let addr = EngineActor.start();
    assert_eq!(
        addr.send(NewPayload).await.unwrap(),
        PayloadStatus("INVALID")
    );
    b.assert(1, MessageOutcome::Error);
}
