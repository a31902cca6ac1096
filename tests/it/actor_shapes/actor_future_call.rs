//! `Box::pin(self.refresh_async().into_actor(self))` and
//! `let fut = async move { .. }; Box::pin(fut.into_actor(self))`: actor futures that are not
//! a literal `async` block in the tail, measured to completion.

use std::future::Future;

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

impl EngineActor {
    fn refresh_async(&self) -> impl Future<Output = u32> + 'static {
        async {
            PROBE.look(ActorType::Engine);
            tokio::time::sleep(WORK).await;
            7
        }
    }
}

async fn rpc() -> Result<u32, String> {
    PROBE.look(ActorType::Engine);
    tokio::time::sleep(WORK).await;
    Ok(9)
}

#[derive(Message)]
#[rtype(result = "u32")]
struct RefreshSync;

#[instrument_actor]
impl Handler<RefreshSync> for EngineActor {
    type Result = ResponseActFuture<Self, u32>;

    fn handle(&mut self, _: RefreshSync, _: &mut Context<Self>) -> Self::Result {
        Box::pin(self.refresh_async().into_actor(self))
    }
}

#[derive(Message)]
#[rtype(result = "Result<u32, String>")]
struct FetchPeers;

#[instrument_actor]
impl Handler<FetchPeers> for EngineActor {
    type Result = ResponseActFuture<Self, Result<u32, String>>;

    fn handle(&mut self, _: FetchPeers, _: &mut Context<Self>) -> Self::Result {
        let fut = async move { rpc().await };
        Box::pin(fut.into_actor(self))
    }
}

#[actix_rt::test]
async fn a_method_call_into_actor_is_measured_to_completion() {
    let _s = serial();
    let b = before(ActorType::Engine, "EngineActor", "RefreshSync", &PROBE);
    let addr = EngineActor.start();
    assert_eq!(addr.send(RefreshSync).await.unwrap(), 7);
    b.assert(1, MessageOutcome::Ok);
}

#[actix_rt::test]
async fn a_future_bound_to_a_local_is_measured_to_completion() {
    let _s = serial();
    let b = before(ActorType::Engine, "EngineActor", "FetchPeers", &PROBE);
    let addr = EngineActor.start();
    assert_eq!(addr.send(FetchPeers).await.unwrap(), Ok(9));
    assert_eq!(addr.send(FetchPeers).await.unwrap(), Ok(9));
    b.assert(2, MessageOutcome::Ok);
}
