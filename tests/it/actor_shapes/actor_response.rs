//! `ActorResponse::r#async(..)` and `ActorResponse::reply(..)`, and actix's `Response`:
//! relayed, measured when the caller's reply is sent.

use actix::prelude::*;
use alys_metrics::actor::MessageOutcome;
use alys_metrics::labels::ActorType;
use alys_metrics::prelude::*;

use super::common::{before, InFlightProbe, WORK};
use crate::serial;

static PROBE: InFlightProbe = InFlightProbe::new();

struct SupervisorActor;

impl Actor for SupervisorActor {
    type Context = Context<Self>;
}

#[derive(Message)]
#[rtype(result = "Result<u8, String>")]
struct RestartChild(bool);

#[instrument_actor]
impl Handler<RestartChild> for SupervisorActor {
    type Result = ActorResponse<Self, Result<u8, String>>;

    fn handle(&mut self, msg: RestartChild, _: &mut Context<Self>) -> Self::Result {
        if msg.0 {
            PROBE.look(ActorType::Supervisor);
            std::thread::sleep(super::common::WORK);
            return ActorResponse::reply(Err("refused".into()));
        }
        ActorResponse::r#async(
            async {
                PROBE.look(ActorType::Supervisor);
                tokio::time::sleep(WORK).await;
                Err::<u8, String>("child gone".into())
            }
            .into_actor(self),
        )
    }
}

#[derive(Message)]
#[rtype(result = "Result<u8, String>")]
struct StopChild;

#[instrument_actor]
impl Handler<StopChild> for SupervisorActor {
    type Result = Response<Result<u8, String>>;

    fn handle(&mut self, _: StopChild, _: &mut Context<Self>) -> Self::Result {
        Response::fut(async {
            PROBE.look(ActorType::Supervisor);
            tokio::time::sleep(WORK).await;
            Ok(3)
        })
    }
}

#[actix_rt::test]
async fn an_actor_response_is_measured_in_both_forms() {
    let _s = serial();
    let b = before(
        ActorType::Supervisor,
        "SupervisorActor",
        "RestartChild",
        &PROBE,
    );
    let addr = SupervisorActor.start();
    assert!(addr.send(RestartChild(false)).await.unwrap().is_err());
    assert!(addr.send(RestartChild(true)).await.unwrap().is_err());
    b.assert(2, MessageOutcome::Error);
}

#[actix_rt::test]
async fn a_response_is_measured_when_it_arrives() {
    let _s = serial();
    let b = before(
        ActorType::Supervisor,
        "SupervisorActor",
        "StopChild",
        &PROBE,
    );
    let addr = SupervisorActor.start();
    assert_eq!(addr.send(StopChild).await.unwrap(), Ok(3));
    b.assert(1, MessageOutcome::Ok);
}
