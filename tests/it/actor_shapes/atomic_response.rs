//! `AtomicResponse::new(Box::pin(async { .. }.into_actor(self)))`: relayed, measured when the
//! caller's reply is sent.

use actix::prelude::*;
use alys_metrics::actor::MessageOutcome;
use alys_metrics::labels::ActorType;
use alys_metrics::prelude::*;

use super::common::{before, InFlightProbe, WORK};
use crate::serial;

static PROBE: InFlightProbe = InFlightProbe::new();

struct StorageActor {
    writes: u32,
}

impl Actor for StorageActor {
    type Context = Context<Self>;
}

#[derive(Message)]
#[rtype(result = "Result<u32, String>")]
struct StoreBlock;

#[instrument_actor]
impl Handler<StoreBlock> for StorageActor {
    type Result = AtomicResponse<Self, Result<u32, String>>;

    fn handle(&mut self, _: StoreBlock, _: &mut Context<Self>) -> Self::Result {
        AtomicResponse::new(Box::pin(
            async {
                PROBE.look(ActorType::Storage);
                tokio::time::sleep(WORK).await;
            }
            .into_actor(self)
            .map(|_, act, _| {
                act.writes += 1;
                if act.writes > 2 {
                    Err("disk full".to_string())
                } else {
                    Ok(act.writes)
                }
            }),
        ))
    }
}

#[actix_rt::test]
async fn an_atomic_response_is_measured_when_its_reply_is_sent() {
    let _s = serial();
    let b = before(ActorType::Storage, "StorageActor", "StoreBlock", &PROBE);
    let addr = StorageActor { writes: 1 }.start();
    // The first write is `Ok(2)`, then the disk is full.
    assert_eq!(addr.send(StoreBlock).await.unwrap(), Ok(2));
    assert!(addr.send(StoreBlock).await.unwrap().is_err());
    b.assert_mixed(2, &[(MessageOutcome::Ok, 1), (MessageOutcome::Error, 1)]);
}
