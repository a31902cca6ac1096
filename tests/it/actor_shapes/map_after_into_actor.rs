//! `async {..}.into_actor(self).map(|r, _, _| r.and(Err(..)))`: the outcome is read on the
//! value after the `map`, the one the caller receives.

use actix::prelude::*;
use alys_metrics::actor::MessageOutcome;
use alys_metrics::labels::ActorType;
use alys_metrics::prelude::*;

use super::common::{before, InFlightProbe, WORK};
use crate::serial;

static PROBE: InFlightProbe = InFlightProbe::new();

struct SyncActor;

impl Actor for SyncActor {
    type Context = Context<Self>;
}

#[derive(Message)]
#[rtype(result = "Result<u64, String>")]
struct SyncHeaders;

#[instrument_actor]
impl Handler<SyncHeaders> for SyncActor {
    type Result = ResponseActFuture<Self, Result<u64, String>>;

    fn handle(&mut self, _: SyncHeaders, _: &mut Context<Self>) -> Self::Result {
        Box::pin(
            async {
                PROBE.look(ActorType::Sync);
                tokio::time::sleep(WORK).await;
                Ok::<u64, String>(5)
            }
            .into_actor(self)
            .map(|r, _, _| r.and(Err("stale headers".to_string()))),
        )
    }
}

#[actix_rt::test]
async fn the_outcome_is_read_after_every_combinator() {
    let _s = serial();
    let b = before(ActorType::Sync, "SyncActor", "SyncHeaders", &PROBE);
    let addr = SyncActor.start();
    assert!(addr.send(SyncHeaders).await.unwrap().is_err());
    b.assert(1, MessageOutcome::Error);
}
