//! A reply type of the user's own, with `ReplyOutcome` saying which values are errors, and a
//! `MessageResponse` of the user's own, relayed.

use actix::dev::{MessageResponse, OneshotSender};
use actix::prelude::*;
use alys_metrics::actor::{MessageOutcome, ReplyOutcome};
use alys_metrics::labels::ActorType;
use alys_metrics::prelude::*;

use super::common::{before, InFlightProbe, WORK};
use crate::serial;

static PROBE: InFlightProbe = InFlightProbe::new();

struct StorageActor;

impl Actor for StorageActor {
    type Context = Context<Self>;
}

#[derive(Debug, PartialEq, MessageResponse)]
enum Verdict {
    Stored,
    Rejected,
}

impl ReplyOutcome for Verdict {
    fn is_error(&self) -> bool {
        *self == Verdict::Rejected
    }
}

#[derive(Message)]
#[rtype(result = "Verdict")]
struct StoreReceipt;

#[instrument_actor]
impl Handler<StoreReceipt> for StorageActor {
    type Result = Verdict;

    fn handle(&mut self, _: StoreReceipt, _: &mut Context<Self>) -> Verdict {
        PROBE.look(ActorType::Storage);
        std::thread::sleep(WORK);
        Verdict::Rejected
    }
}

/// A reply of the user's own that answers later, from a spawned task.
struct Later(u8);

impl<A: Actor, M: Message<Result = u8>> MessageResponse<A, M> for Later {
    fn handle(self, _: &mut A::Context, tx: Option<OneshotSender<u8>>) {
        actix::spawn(async move {
            PROBE.look(ActorType::Storage);
            tokio::time::sleep(WORK).await;
            if let Some(tx) = tx {
                let _ = tx.send(self.0);
            }
        });
    }
}

#[derive(Message)]
#[rtype(result = "u8")]
struct StorageStats;

#[instrument_actor]
impl Handler<StorageStats> for StorageActor {
    type Result = Later;

    fn handle(&mut self, _: StorageStats, _: &mut Context<Self>) -> Later {
        Later(4)
    }
}

#[actix_rt::test]
async fn a_user_reply_type_says_its_outcome() {
    let _s = serial();
    let b = before(ActorType::Storage, "StorageActor", "StoreReceipt", &PROBE);
    let addr = StorageActor.start();
    assert_eq!(addr.send(StoreReceipt).await.unwrap(), Verdict::Rejected);
    b.assert(1, MessageOutcome::Error);
    let _ = Verdict::Stored;
}

#[actix_rt::test]
async fn a_user_message_response_is_relayed_and_measured_when_it_answers() {
    let _s = serial();
    let b = before(ActorType::Storage, "StorageActor", "StorageStats", &PROBE);
    let addr = StorageActor.start();
    assert_eq!(addr.send(StorageStats).await.unwrap(), 4);
    b.assert(1, MessageOutcome::Ok);
}
