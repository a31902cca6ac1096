//! An `#[async_trait]` method: with `#[instrument_actor]` on the impl (before `#[async_trait]`
//! expands it), and on the method of an impl `#[async_trait]` has already expanded.

use alys_metrics::actor::MessageOutcome;
use alys_metrics::labels::ActorType;
use alys_metrics::prelude::*;
use async_trait::async_trait;

use super::common::{before, InFlightProbe, WORK};
use crate::serial;

static PROBE: InFlightProbe = InFlightProbe::new();
static PROBE_INNER: InFlightProbe = InFlightProbe::new();

struct BridgeActor;

struct PegOutRequest(u64);
struct PegInRequest(u64);

#[async_trait]
trait PegHandler {
    async fn handle_peg_out(&mut self, msg: PegOutRequest) -> Result<u64, String>;
}

#[async_trait]
trait PegInHandler {
    async fn process(&mut self, msg: PegInRequest) -> Result<u64, String>;
}

#[instrument_actor]
#[async_trait]
impl PegHandler for BridgeActor {
    async fn handle_peg_out(&mut self, msg: PegOutRequest) -> Result<u64, String> {
        PROBE.look(ActorType::Bridge);
        tokio::time::sleep(WORK).await;
        if msg.0 == 0 {
            return Err("empty peg-out".into());
        }
        Ok(msg.0)
    }
}

#[async_trait]
impl PegInHandler for BridgeActor {
    #[instrument_actor(for = BridgeActor)]
    async fn process(&mut self, msg: PegInRequest) -> Result<u64, String> {
        PROBE_INNER.look(ActorType::Bridge);
        tokio::time::sleep(WORK).await;
        Ok(msg.0)
    }
}

#[actix_rt::test]
async fn an_async_trait_method_is_measured_as_its_future() {
    let _s = serial();
    let b = before(ActorType::Bridge, "BridgeActor", "PegOutRequest", &PROBE);
    let mut actor = BridgeActor;
    assert_eq!(
        actor.handle_peg_out(PegOutRequest(0)).await,
        Err("empty peg-out".into())
    );
    b.assert(1, MessageOutcome::Error);
}

#[actix_rt::test]
async fn an_expanded_async_trait_method_is_measured_as_its_boxed_future() {
    let _s = serial();
    let b = before(
        ActorType::Bridge,
        "BridgeActor",
        "PegInRequest",
        &PROBE_INNER,
    );
    let mut actor = BridgeActor;
    assert_eq!(actor.process(PegInRequest(3)).await, Ok(3));
    b.assert(1, MessageOutcome::Ok);
}
