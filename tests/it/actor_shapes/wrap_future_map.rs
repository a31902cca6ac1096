//! `Box::pin(actix::fut::wrap_future::<_, Self>(rpc()).map(|r, _, _| r))`.

use actix::prelude::*;
use alys_metrics::actor::MessageOutcome;
use alys_metrics::labels::ActorType;
use alys_metrics::prelude::*;

use super::common::{before, InFlightProbe, WORK};
use crate::serial;

static PROBE: InFlightProbe = InFlightProbe::new();

struct NetworkActor;

impl Actor for NetworkActor {
    type Context = Context<Self>;
}

async fn rpc() -> Result<u8, String> {
    PROBE.look(ActorType::Network);
    tokio::time::sleep(WORK).await;
    Ok(1)
}

#[derive(Message)]
#[rtype(result = "Result<u8, String>")]
struct GossipBlock;

#[instrument_actor]
impl Handler<GossipBlock> for NetworkActor {
    type Result = ResponseActFuture<Self, Result<u8, String>>;

    fn handle(&mut self, _: GossipBlock, _: &mut Context<Self>) -> Self::Result {
        Box::pin(actix::fut::wrap_future::<_, Self>(rpc()).map(|r, _, _| r))
    }
}

#[actix_rt::test]
async fn a_wrapped_future_with_a_map_is_measured_to_completion() {
    let _s = serial();
    let b = before(ActorType::Network, "NetworkActor", "GossipBlock", &PROBE);
    let addr = NetworkActor.start();
    assert_eq!(addr.send(GossipBlock).await.unwrap(), Ok(1));
    b.assert(1, MessageOutcome::Ok);
}
