//! `Result<Result<T, NetworkError>, ActorError>` (every Alys network handler's reply):
//! `Ok(Err(..))` is an error.

use actix::prelude::*;
use alys_metrics::actor::MessageOutcome;
use alys_metrics::labels::ActorType;
use alys_metrics::prelude::*;

use super::common::{before, InFlightProbe, WORK};
use crate::serial;

static PROBE: InFlightProbe = InFlightProbe::new();

struct PeerNetworkActor;

impl Actor for PeerNetworkActor {
    type Context = Context<Self>;
}

#[derive(Debug)]
struct NetworkError;
#[derive(Debug)]
struct ActorError;

#[derive(Message)]
#[rtype(result = "Result<Result<u32, NetworkError>, ActorError>")]
struct DialPeer(bool);

#[instrument_actor]
impl Handler<DialPeer> for PeerNetworkActor {
    type Result = ResponseFuture<Result<Result<u32, NetworkError>, ActorError>>;

    fn handle(&mut self, msg: DialPeer, _: &mut Context<Self>) -> Self::Result {
        Box::pin(async move {
            PROBE.look(ActorType::Network);
            tokio::time::sleep(WORK).await;
            if msg.0 {
                Ok(Ok(1))
            } else {
                Ok(Err(NetworkError))
            }
        })
    }
}

#[actix_rt::test]
async fn an_err_inside_an_ok_is_an_error() {
    let _s = serial();
    let b = before(ActorType::Network, "PeerNetworkActor", "DialPeer", &PROBE);
    let addr = PeerNetworkActor.start();
    assert!(addr.send(DialPeer(false)).await.unwrap().unwrap().is_err());
    assert!(addr.send(DialPeer(false)).await.unwrap().unwrap().is_err());
    b.assert(2, MessageOutcome::Error);
    let b = before(ActorType::Network, "PeerNetworkActor", "DialPeer", &PROBE);
    assert_eq!(
        addr.send(DialPeer(true)).await.unwrap().unwrap().unwrap(),
        1
    );
    b.assert(1, MessageOutcome::Ok);
}
