//! An inherent `async fn handle_*`: measured as its future, its site the one record of the
//! message (count, outcome, latency, last activity; once `metrics = self.metrics` also wrote
//! the actor's `ActorMetrics`, a second count of the same message).

use alys_metrics::actor::{sites, MessageOutcome};
use alys_metrics::labels::ActorType;
use alys_metrics::prelude::*;

use super::common::{before, InFlightProbe, WORK};
use crate::serial;

static PROBE: InFlightProbe = InFlightProbe::new();

struct SyncActor;

struct PeerStatus(u32);

#[instrument_actor]
impl SyncActor {
    async fn handle_peer_status(&mut self, msg: PeerStatus) -> Result<u32, String> {
        PROBE.look(ActorType::Sync);
        tokio::time::sleep(WORK).await;
        if msg.0 == 0 {
            Err("unknown peer".into())
        } else {
            Ok(msg.0)
        }
    }
}

#[actix_rt::test]
async fn an_inherent_async_handler_is_measured_at_its_site() {
    let _s = serial();
    let b = before(ActorType::Sync, "SyncActor", "PeerStatus", &PROBE);
    let mut actor = SyncActor;
    assert_eq!(
        actor.handle_peer_status(PeerStatus(0)).await,
        Err("unknown peer".into())
    );
    b.assert(1, MessageOutcome::Error);
    let site = sites()
        .find(|s| s.actor == "SyncActor" && s.message == "PeerStatus")
        .expect("the site is registered");
    assert!(site.latency().sample_sum() >= WORK.as_secs_f64());
    assert!(site.last_activity_unix_seconds().is_some());
}
