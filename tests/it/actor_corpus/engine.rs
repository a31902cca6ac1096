//! `EngineActor` (`app/src/actors/engine/`): the engine's `MessageResult<T>` is a local alias
//! of `Result<T, EngineError>` (not actix's `MessageResult`), as sync replies and inside
//! `ResponseFuture`s with two `Box::pin` arms; a `ResponseFuture` returned by forwarding
//! `ctx.address().send(..)`; sync `()` replies, one on a path-qualified self type.

use std::collections::HashMap;
use std::time::Duration;

use actix::prelude::*;
use alys_metrics::actor::MessageOutcome;
use alys_metrics::labels::{ActorType, MessageType};
use alys_metrics::prelude::*;

use super::{before, work, work_sync};

/// `app/src/actors/engine/messages.rs`: a local alias, as in the engine.
pub type MessageResult<T> = Result<T, EngineError>;
pub type EngineResult<T> = Result<T, EngineError>;

#[derive(Debug, Clone)]
pub enum EngineError {
    PayloadNotFound(String),
    ClientError(String),
}

#[derive(Debug, Clone)]
pub struct ExecutionPayload {
    pub block_hash: u64,
}

#[derive(Debug, Clone)]
pub struct EngineStatusResponse {
    pub client_healthy: bool,
    pub pending_payloads: usize,
    pub uptime: Duration,
}

pub type PayloadId = String;

#[derive(Message)]
#[rtype(result = "MessageResult<ExecutionPayload>")]
pub struct GetPayloadMessage {
    pub payload_id: String,
}

#[derive(Message)]
#[rtype(result = "MessageResult<EngineStatusResponse>")]
pub struct GetEngineStatusMessage {
    pub include_metrics: bool,
}

#[derive(Message)]
#[rtype(result = "MessageResult<PayloadId>")]
pub struct BuildPayloadMessage {
    pub parent_hash: u64,
    pub gas_limit: Option<u64>,
}

#[derive(Message)]
#[rtype(result = "MessageResult<PayloadId>")]
pub struct ChainRequestPayloadMessage {
    pub parent_hash: u64,
}

#[derive(Message)]
#[rtype(result = "()")]
pub struct CleanupExpiredPayloadsMessage;

#[derive(Message)]
#[rtype(result = "()")]
pub struct MetricsReportMessage;

#[derive(Message)]
#[rtype(result = "EngineResult<()>")]
pub struct SetFinalizedBlockMessage {
    pub block_hash: u64,
}

#[derive(Clone)]
pub struct Engine;

impl Engine {
    async fn set_finalized(&self, block_hash: u64) -> EngineResult<()> {
        work(ActorType::Engine, "EngineActor", "SetFinalizedBlockMessage").await;
        if block_hash == 0 {
            return Err(EngineError::ClientError("unknown block".into()));
        }
        Ok(())
    }
}

pub mod actor {
    use super::*;

    pub struct EngineActor {
        pub(super) pending_payloads: HashMap<String, ExecutionPayload>,
        pub(super) engine: Engine,
        pub(super) started_at: std::time::Instant,
        pub(super) expired: u64,
    }

    impl Actor for EngineActor {
        type Context = Context<Self>;
    }
}

use actor::EngineActor;

// `app/src/actors/engine/handlers/payload_handlers.rs:90-141`: two `Box::pin` arms.
#[instrument_actor]
impl Handler<GetPayloadMessage> for EngineActor {
    type Result = ResponseFuture<MessageResult<ExecutionPayload>>;

    fn handle(&mut self, msg: GetPayloadMessage, _ctx: &mut Self::Context) -> Self::Result {
        let payload_id = msg.payload_id.clone();
        if let Some(pending_payload) = self.pending_payloads.get(&msg.payload_id) {
            let payload = pending_payload.clone();
            Box::pin(async move {
                work(ActorType::Engine, "EngineActor", "GetPayloadMessage").await;
                Ok(payload)
            })
        } else {
            Box::pin(async move { Err(EngineError::PayloadNotFound(payload_id)) })
        }
    }
}

// `app/src/actors/engine/handlers/client_handlers.rs:50-91`: sync `Result<Struct, EngineError>`.
#[instrument_actor]
impl Handler<GetEngineStatusMessage> for EngineActor {
    type Result = MessageResult<EngineStatusResponse>;

    fn handle(&mut self, msg: GetEngineStatusMessage, _ctx: &mut Self::Context) -> Self::Result {
        work_sync(ActorType::Engine, "EngineActor", "GetEngineStatusMessage");
        let _ = msg.include_metrics;
        Ok(EngineStatusResponse {
            client_healthy: true,
            pending_payloads: self.pending_payloads.len(),
            uptime: self.started_at.elapsed(),
        })
    }
}

// The handler the chain's request is forwarded to (`payload_handlers.rs`, abridged).
#[instrument_actor]
impl Handler<BuildPayloadMessage> for EngineActor {
    type Result = ResponseFuture<MessageResult<PayloadId>>;

    fn handle(&mut self, msg: BuildPayloadMessage, _ctx: &mut Self::Context) -> Self::Result {
        Box::pin(async move {
            work(ActorType::Engine, "EngineActor", "BuildPayloadMessage").await;
            match msg.gas_limit {
                Some(0) => Err(EngineError::ClientError("gas limit 0".into())),
                _ => Ok(format!("payload-{}", msg.parent_hash)),
            }
        })
    }
}

// `payload_handlers.rs:224-256`: the reply is `ctx.address().send(..)` itself, a future whose
// output is `Result<MessageResult<PayloadId>, MailboxError>`... in Alys; actix's `Request`
// is not a `ResponseFuture`, so it is boxed here, and a mailbox error becomes an engine error.
#[instrument_actor]
impl Handler<ChainRequestPayloadMessage> for EngineActor {
    type Result = ResponseFuture<MessageResult<PayloadId>>;

    fn handle(&mut self, msg: ChainRequestPayloadMessage, ctx: &mut Self::Context) -> Self::Result {
        let build_msg = BuildPayloadMessage {
            parent_hash: msg.parent_hash,
            gas_limit: None,
        };
        let request = ctx.address().send(build_msg);
        Box::pin(async move {
            request
                .await
                .map_err(|e| EngineError::ClientError(e.to_string()))?
        })
    }
}

// `client_handlers.rs:373-401`: sync `()`.
#[instrument_actor]
impl Handler<CleanupExpiredPayloadsMessage> for EngineActor {
    type Result = ();

    fn handle(
        &mut self,
        _msg: CleanupExpiredPayloadsMessage,
        _ctx: &mut Self::Context,
    ) -> Self::Result {
        work_sync(
            ActorType::Engine,
            "EngineActor",
            "CleanupExpiredPayloadsMessage",
        );
        let expired: Vec<String> = self
            .pending_payloads
            .keys()
            .filter(|k| k.starts_with("old"))
            .cloned()
            .collect();
        for payload_id in expired {
            self.pending_payloads.remove(&payload_id);
            self.expired += 1;
        }
    }
}

// `app/src/actors/engine/metrics.rs:603-634`: the self type path-qualified.
#[instrument_actor]
impl Handler<MetricsReportMessage> for self::actor::EngineActor {
    type Result = ();

    fn handle(&mut self, _msg: MetricsReportMessage, _ctx: &mut Self::Context) -> Self::Result {
        work_sync(ActorType::Engine, "EngineActor", "MetricsReportMessage");
        tracing::debug!(
            expired = self.expired,
            "All engine performance metrics within normal bounds"
        );
    }
}

// `app/src/actors/engine/handlers/forkchoice_handlers.rs:118-144`.
#[instrument_actor]
impl Handler<SetFinalizedBlockMessage> for EngineActor {
    type Result = ResponseFuture<EngineResult<()>>;

    fn handle(&mut self, msg: SetFinalizedBlockMessage, _ctx: &mut Self::Context) -> Self::Result {
        let engine = self.engine.clone();
        let block_hash = msg.block_hash;
        Box::pin(async move {
            engine.set_finalized(block_hash).await?;
            Ok(())
        })
    }
}

fn engine() -> Addr<EngineActor> {
    let mut pending_payloads = HashMap::new();
    pending_payloads.insert("p1".to_string(), ExecutionPayload { block_hash: 7 });
    pending_payloads.insert("old-1".to_string(), ExecutionPayload { block_hash: 1 });
    EngineActor {
        pending_payloads,
        engine: Engine,
        started_at: std::time::Instant::now(),
        expired: 0,
    }
    .start()
}

#[actix_rt::test]
async fn get_payload_two_box_pin_arms() {
    let _s = crate::serial();
    let b = before(
        "EngineActor",
        "GetPayloadMessage",
        ActorType::Engine,
        MessageType::Unclassified,
    );
    let e = engine();
    assert_eq!(
        e.send(GetPayloadMessage {
            payload_id: "p1".into()
        })
        .await
        .unwrap()
        .unwrap()
        .block_hash,
        7
    );
    assert!(e
        .send(GetPayloadMessage {
            payload_id: "nope".into()
        })
        .await
        .unwrap()
        .is_err());
    b.assert(
        &[(MessageOutcome::Ok, 1), (MessageOutcome::Error, 1)],
        1,
        true,
    );
}

#[actix_rt::test]
async fn engine_status_local_message_result_alias() {
    let _s = crate::serial();
    let b = before(
        "EngineActor",
        "GetEngineStatusMessage",
        ActorType::Engine,
        MessageType::Unclassified,
    );
    let e = engine();
    assert!(
        e.send(GetEngineStatusMessage {
            include_metrics: true
        })
        .await
        .unwrap()
        .unwrap()
        .client_healthy
    );
    b.assert(&[(MessageOutcome::Ok, 1)], 1, true);
}

#[actix_rt::test]
async fn chain_request_forwarded_to_build_payload() {
    let _s = crate::serial();
    let e = engine();
    let build = before(
        "EngineActor",
        "BuildPayloadMessage",
        ActorType::Engine,
        MessageType::Unclassified,
    );
    assert_eq!(
        e.send(BuildPayloadMessage {
            parent_hash: 5,
            gas_limit: None
        })
        .await
        .unwrap()
        .unwrap(),
        "payload-5"
    );
    assert!(e
        .send(BuildPayloadMessage {
            parent_hash: 5,
            gas_limit: Some(0)
        })
        .await
        .unwrap()
        .is_err());
    build.assert(
        &[(MessageOutcome::Ok, 1), (MessageOutcome::Error, 1)],
        2,
        true,
    );
    // The forwarding handler and the one it forwards to are each measured once: while the
    // build runs, both are in flight.
    let build = before(
        "EngineActor",
        "BuildPayloadMessage",
        ActorType::Engine,
        MessageType::Unclassified,
    );
    let b = before(
        "EngineActor",
        "ChainRequestPayloadMessage",
        ActorType::Engine,
        MessageType::Unclassified,
    );
    assert_eq!(
        e.send(ChainRequestPayloadMessage { parent_hash: 6 })
            .await
            .unwrap()
            .unwrap(),
        "payload-6"
    );
    assert_eq!(
        super::seen_in_flight(),
        2,
        "the request and its build, in flight together"
    );
    build.assert_beside(
        &[(MessageOutcome::Ok, 1)],
        1,
        false,
        &[(MessageOutcome::Ok, 1)],
    );
    b.assert_beside(
        &[(MessageOutcome::Ok, 1)],
        1,
        false,
        &[(MessageOutcome::Ok, 1)],
    );
}

#[actix_rt::test]
async fn cleanup_and_metrics_report_unit_replies() {
    let _s = crate::serial();
    let e = engine();
    let b = before(
        "EngineActor",
        "CleanupExpiredPayloadsMessage",
        ActorType::Engine,
        MessageType::Unclassified,
    );
    e.send(CleanupExpiredPayloadsMessage).await.unwrap();
    b.assert(&[(MessageOutcome::Ok, 1)], 1, true);
    let b = before(
        "EngineActor",
        "MetricsReportMessage",
        ActorType::Engine,
        MessageType::Unclassified,
    );
    e.send(MetricsReportMessage).await.unwrap();
    e.send(MetricsReportMessage).await.unwrap();
    b.assert(&[(MessageOutcome::Ok, 2)], 2, true);
}

#[actix_rt::test]
async fn set_finalized_block_engine_result() {
    let _s = crate::serial();
    let b = before(
        "EngineActor",
        "SetFinalizedBlockMessage",
        ActorType::Engine,
        MessageType::Unclassified,
    );
    let e = engine();
    assert!(e
        .send(SetFinalizedBlockMessage { block_hash: 9 })
        .await
        .unwrap()
        .is_ok());
    assert!(e
        .send(SetFinalizedBlockMessage { block_hash: 0 })
        .await
        .unwrap()
        .is_err());
    b.assert(
        &[(MessageOutcome::Ok, 1), (MessageOutcome::Error, 1)],
        2,
        true,
    );
}
