//! `MessageResult<M>`: the outcome of the value inside.

use actix::prelude::*;
use alys_metrics::actor::MessageOutcome;
use alys_metrics::labels::ActorType;
use alys_metrics::prelude::*;

use super::common::{before, InFlightProbe, WORK};
use crate::serial;

static PROBE: InFlightProbe = InFlightProbe::new();

struct StreamActor;

impl Actor for StreamActor {
    type Context = Context<Self>;
}

#[derive(Message)]
#[rtype(result = "Result<Vec<u8>, String>")]
struct GetTemplate;

#[instrument_actor]
impl Handler<GetTemplate> for StreamActor {
    type Result = MessageResult<GetTemplate>;

    fn handle(&mut self, _: GetTemplate, _: &mut Context<Self>) -> Self::Result {
        PROBE.look(ActorType::Stream);
        std::thread::sleep(WORK);
        MessageResult(Err("no template".into()))
    }
}

#[actix_rt::test]
async fn a_message_result_is_read_inside() {
    let _s = serial();
    let b = before(ActorType::Stream, "StreamActor", "GetTemplate", &PROBE);
    let addr = StreamActor.start();
    assert!(addr.send(GetTemplate).await.unwrap().is_err());
    b.assert(1, MessageOutcome::Error);
}
