//! A bare `#[instrument_actor]` compiles whatever the names say and whatever the reply type:
//! categories fall back to `unclassified`, a type says its category once (`ActorKind`,
//! `MessageKind`, `actor = ..` on `impl Actor`), and any `Result<T, E>` counts its `Err`
//! with no impl of the user's. What each case once refused, and the answer it now gets.

#![deny(warnings)]

use actix::prelude::*;
use alys_metrics::actor::{sites, ActorKind, HandlerSite, MessageKind, MessageOutcome};
use alys_metrics::labels::{ActorType, MessageType};
use alys_metrics::prelude::*;

#[derive(Debug)]
struct ChainError;
#[derive(Debug)]
struct NetworkError;
#[derive(Debug)]
struct ActorError;

/// A user struct with no `ReplyOutcome`.
#[derive(Debug)]
struct SyncReport {
    _blocks: u64,
}
#[derive(Debug)]
struct BroadcastResponse;

// `Blockchain` is not the word `chain`, and no word of `RestoreCheckpointless` says a type:
// both are `unclassified`.
struct ExampleBlockchainActor;
struct RestoreCheckpointless;

#[instrument_actor]
impl ExampleBlockchainActor {
    fn handle(&mut self, _msg: RestoreCheckpointless) -> Result<SyncReport, ChainError> {
        Ok(SyncReport { _blocks: 1 })
    }
}

// On `impl Actor` too: `unclassified`, never a compile error.
#[instrument_actor]
impl Actor for ExampleBlockchainActor {
    type Context = Context<Self>;
}

// Said once per type: the actor by `actor = ..` on its `impl Actor` (which writes its
// `ActorKind`), the message by `MessageKind`; every handler of them picks it up.
struct ValidationWorker;
#[instrument_actor(actor = chain)]
impl Actor for ValidationWorker {
    type Context = Context<Self>;
}

struct ImportBlock;
impl Message for ImportBlock {
    type Result = Result<Result<BroadcastResponse, NetworkError>, ActorError>;
}
impl MessageKind for ImportBlock {
    const MESSAGE_TYPE: MessageType = MessageType::Sync;
}

#[instrument_actor]
impl Handler<ImportBlock> for ValidationWorker {
    type Result = Result<Result<BroadcastResponse, NetworkError>, ActorError>;

    fn handle(&mut self, _: ImportBlock, _: &mut Context<Self>) -> Self::Result {
        Ok(Err(NetworkError))
    }
}

// A plain struct reply: `ok`, with no impl.
struct GetReport;
impl Message for GetReport {
    type Result = SyncReport;
}

#[instrument_actor]
impl Handler<GetReport> for ValidationWorker {
    type Result = MessageResult<GetReport>;

    fn handle(&mut self, _: GetReport, _: &mut Context<Self>) -> Self::Result {
        MessageResult(SyncReport { _blocks: 2 })
    }
}

fn site(actor: &str, message: &str) -> &'static HandlerSite {
    sites()
        .find(|s| s.actor == actor && s.message == message)
        .expect("registered")
}

fn main() {
    let mut a = ExampleBlockchainActor;
    assert!(a.handle(RestoreCheckpointless).is_ok());
    let s = site("ExampleBlockchainActor", "RestoreCheckpointless");
    assert_eq!(s.actor_type(), ActorType::Unclassified);
    assert_eq!(s.message_type(), MessageType::Unclassified);
    assert_eq!(s.outcome(MessageOutcome::Ok), 1);

    assert_eq!(<ValidationWorker as ActorKind>::ACTOR_TYPE, ActorType::Chain);
    let mut w = ValidationWorker;
    let mut ctx = Context::new();
    assert!(matches!(
        w.handle(ImportBlock, &mut ctx).into_inner(),
        Ok(Err(NetworkError))
    ));
    let s = site("ValidationWorker", "ImportBlock");
    assert_eq!(s.actor_type(), ActorType::Chain);
    assert_eq!(s.message_type(), MessageType::Sync);
    // `Ok(Err(NetworkError))` is an error: an `Err` at any depth.
    assert_eq!(s.outcome(MessageOutcome::Error), 1);

    let _ = w.handle(GetReport, &mut ctx).into_inner();
    let s = site("ValidationWorker", "GetReport");
    assert_eq!(s.outcome(MessageOutcome::Ok), 1);
    assert_eq!(s.message_type(), MessageType::Unclassified);
}
