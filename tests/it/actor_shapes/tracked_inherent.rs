//! An inherent `async fn handle_*` with `metrics = self.metrics`: measured as its future, and
//! recorded into the actor's own `ActorMetrics` (processed, last activity).

use std::sync::Arc;

use alys_metrics::actor::{ActorMetrics, MessageOutcome};
use alys_metrics::labels::ActorType;
use alys_metrics::prelude::*;

use super::common::{before, InFlightProbe, WORK};
use crate::serial;

static PROBE: InFlightProbe = InFlightProbe::new();

struct SyncActor {
    metrics: Arc<ActorMetrics>,
}

struct PeerStatus(u32);

#[instrument_actor(metrics = self.metrics)]
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
async fn an_inherent_async_handler_is_measured_and_tracked() {
    let _s = serial();
    let b = before(ActorType::Sync, "SyncActor", "PeerStatus", &PROBE);
    let mut actor = SyncActor {
        metrics: Arc::new(ActorMetrics::new()),
    };
    assert_eq!(
        actor.handle_peer_status(PeerStatus(0)).await,
        Err("unknown peer".into())
    );
    b.assert(1, MessageOutcome::Error);
    let s = actor.metrics.snapshot();
    assert_eq!((s.messages_processed, s.messages_failed), (0, 1));
    assert!(s.total_processing_time >= WORK);
    assert!(s.last_activity.is_some());
}
