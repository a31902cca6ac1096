//! `ChainActor` (`app/src/actors/chain/`): block import and production as
//! `ResponseActFuture<Self, Result<Struct, ChainError>>`, the sync health check with a plain
//! struct; the orphan `actors/sync` `SyncActor::ProcessBlocks` (`?` inside the actor future)
//! and `ValidationWorker::ValidateBlockMessage` (`.into_actor(self).boxed_local()`).

use actix::prelude::*;
use alys_metrics::actor::{MessageOutcome, ReplyOutcome};
use alys_metrics::labels::{ActorType, MessageType};
use alys_metrics::prelude::*;

use super::{before, work, work_sync};

/// `app/src/types/errors.rs:21` (abridged).
#[derive(Debug, Clone)]
pub enum ChainError {
    InvalidBlock { reason: String },
    NoParentBlock,
}

#[derive(Debug, Clone, Default)]
pub struct SignedConsensusBlock {
    pub height: u64,
}

/// `app/src/actors/chain/messages.rs:42` (abridged).
#[derive(Debug, Clone)]
pub struct ImportBlockResult {
    pub imported: bool,
    pub triggered_reorg: bool,
}

// The optional refinement: an import that did not import is a failure of the handler, though
// not an `Err`. (Without this impl the reply is classified all the same: `Err` is an error,
// any `Ok` is `ok`.)
impl ReplyOutcome for ImportBlockResult {
    fn is_error(&self) -> bool {
        !self.imported
    }
}

#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<ImportBlockResult, ChainError>")]
pub struct ImportBlock {
    pub block: SignedConsensusBlock,
    pub broadcast: bool,
}

#[derive(Message, Debug, Clone)]
#[rtype(result = "Result<SignedConsensusBlock, ChainError>")]
pub struct ProduceBlock {
    pub slot: u64,
}

#[derive(Message)]
#[rtype(result = "HealthCheckResult")]
pub struct HealthCheck;

#[derive(Debug, Clone, MessageResponse)]
pub struct HealthCheckResult {
    pub healthy: bool,
    pub score: u8,
    pub details: String,
}

#[derive(Clone, Default)]
pub struct ChainActor {
    height: u64,
}

impl Actor for ChainActor {
    type Context = Context<Self>;
}

impl ChainActor {
    /// Stands for `handle_import_block` (`block_handlers.rs:195`).
    pub async fn handle_import_block(
        &mut self,
        msg: ImportBlock,
    ) -> Result<ImportBlockResult, ChainError> {
        work(ActorType::Chain, "ChainActor", "ImportBlock").await;
        match msg.block.height {
            0 => Err(ChainError::NoParentBlock),
            h if h <= self.height => Ok(ImportBlockResult {
                imported: false,
                triggered_reorg: false,
            }),
            h => {
                self.height = h;
                Ok(ImportBlockResult {
                    imported: true,
                    triggered_reorg: msg.broadcast,
                })
            }
        }
    }

    pub async fn handle_produce_block(
        &mut self,
        msg: ProduceBlock,
    ) -> Result<SignedConsensusBlock, ChainError> {
        work(ActorType::Chain, "ChainActor", "ProduceBlock").await;
        if msg.slot % 2 == 1 {
            return Err(ChainError::InvalidBlock {
                reason: "not our slot".into(),
            });
        }
        Ok(SignedConsensusBlock {
            height: self.height + 1,
        })
    }
}

// `app/src/actors/chain/handlers/block_handlers.rs:900-908`
#[instrument_actor]
impl Handler<ImportBlock> for ChainActor {
    type Result = ResponseActFuture<Self, Result<ImportBlockResult, ChainError>>;

    fn handle(&mut self, msg: ImportBlock, _: &mut Context<Self>) -> Self::Result {
        let mut this = self.clone();
        Box::pin(async move { this.handle_import_block(msg).await }.into_actor(self))
    }
}

// `block_handlers.rs:910-918`
#[instrument_actor]
impl Handler<ProduceBlock> for ChainActor {
    type Result = ResponseActFuture<Self, Result<SignedConsensusBlock, ChainError>>;

    fn handle(&mut self, msg: ProduceBlock, _: &mut Context<Self>) -> Self::Result {
        let mut this = self.clone();
        Box::pin(async move { this.handle_produce_block(msg).await }.into_actor(self))
    }
}

// `app/src/actors/chain/actor.rs:748-780`
#[instrument_actor]
impl Handler<HealthCheck> for ChainActor {
    type Result = HealthCheckResult;

    fn handle(&mut self, _msg: HealthCheck, _ctx: &mut Context<Self>) -> Self::Result {
        work_sync(ActorType::Chain, "ChainActor", "HealthCheck");
        let score = 80;
        let healthy = score >= 50;
        let details = format!("Chain height: {}, health score: {}", self.height, score);
        HealthCheckResult {
            healthy,
            score,
            details,
        }
    }
}

/// `app/src/actors/sync/messages.rs` (abridged).
#[derive(Debug, Clone)]
pub struct ValidationResult {
    pub is_valid: bool,
}

#[derive(Debug, Clone)]
pub enum SyncError {
    ValidationFailed { reason: String },
}

pub type SyncResult<T> = Result<T, SyncError>;

#[derive(Message)]
#[rtype(result = "SyncResult<Vec<ValidationResult>>")]
pub struct ProcessBlocks {
    pub blocks: Vec<SignedConsensusBlock>,
    pub source_peer: Option<String>,
}

#[derive(Clone, Default)]
pub struct BlockProcessor;

impl BlockProcessor {
    async fn process_blocks(
        &self,
        blocks: Vec<SignedConsensusBlock>,
    ) -> SyncResult<Vec<ValidationResult>> {
        work(ActorType::Sync, "SyncActor", "ProcessBlocks").await;
        if blocks.is_empty() {
            return Err(SyncError::ValidationFailed {
                reason: "no blocks".into(),
            });
        }
        Ok(blocks
            .iter()
            .map(|b| ValidationResult {
                is_valid: b.height > 0,
            })
            .collect())
    }
}

#[derive(Default)]
pub struct SyncActor {
    block_processor: std::sync::Arc<tokio::sync::RwLock<BlockProcessor>>,
}

impl Actor for SyncActor {
    type Context = Context<Self>;
}

// `app/src/actors/sync/actor.rs:1225-1284` (orphan module, real code), `?` inside.
#[instrument_actor]
impl Handler<ProcessBlocks> for SyncActor {
    type Result = ResponseActFuture<Self, SyncResult<Vec<ValidationResult>>>;

    fn handle(&mut self, msg: ProcessBlocks, _ctx: &mut Self::Context) -> Self::Result {
        let block_processor = self.block_processor.clone();
        Box::pin(
            async move {
                let processor = block_processor.read().await;
                let results = processor.process_blocks(msg.blocks).await?;
                let _ = msg.source_peer;
                Ok(results)
            }
            .into_actor(self),
        )
    }
}

#[derive(Message)]
#[rtype(result = "()")]
pub struct ValidateBlockMessage {
    pub request: SignedConsensusBlock,
}

pub struct ValidationWorker {
    id: usize,
}

impl Actor for ValidationWorker {
    type Context = Context<Self>;
}

// `app/src/actors/sync/processor.rs:716-733`: no `Box::pin`, `.boxed_local()`. Neither
// `ValidationWorker` nor `ValidateBlockMessage` says a category: both `unclassified`.
#[instrument_actor]
impl Handler<ValidateBlockMessage> for ValidationWorker {
    type Result = ResponseActFuture<Self, ()>;

    fn handle(&mut self, msg: ValidateBlockMessage, _ctx: &mut Self::Context) -> Self::Result {
        let request = msg.request;
        let worker_id = self.id;
        async move {
            work(
                ActorType::Unclassified,
                "ValidationWorker",
                "ValidateBlockMessage",
            )
            .await;
            let is_valid = request.height > 0;
            tracing::debug!("Worker {} completed validation: {:?}", worker_id, is_valid);
        }
        .into_actor(self)
        .boxed_local()
    }
}

fn block(height: u64) -> SignedConsensusBlock {
    SignedConsensusBlock { height }
}

#[actix_rt::test]
async fn import_block_result_struct_or_chain_error() {
    let _s = crate::serial();
    let b = before(
        "ChainActor",
        "ImportBlock",
        ActorType::Chain,
        MessageType::Unclassified,
    );
    let addr = ChainActor { height: 10 }.start();
    let imported = addr
        .send(ImportBlock {
            block: block(12),
            broadcast: true,
        })
        .await
        .unwrap();
    assert!(imported.unwrap().imported);
    assert!(addr
        .send(ImportBlock {
            block: block(0),
            broadcast: false
        })
        .await
        .unwrap()
        .is_err());
    // At or below the head (10; each message works on a clone, as in Alys): `Ok` with
    // `imported: false`, an error by the optional `ReplyOutcome` refinement.
    let stale = addr
        .send(ImportBlock {
            block: block(5),
            broadcast: false,
        })
        .await
        .unwrap();
    assert!(!stale.unwrap().imported);
    b.assert(
        &[(MessageOutcome::Ok, 1), (MessageOutcome::Error, 2)],
        3,
        true,
    );
}

#[actix_rt::test]
async fn produce_block_struct_or_chain_error() {
    let _s = crate::serial();
    let b = before(
        "ChainActor",
        "ProduceBlock",
        ActorType::Chain,
        MessageType::Mining,
    );
    let addr = ChainActor::default().start();
    assert_eq!(
        addr.send(ProduceBlock { slot: 2 })
            .await
            .unwrap()
            .unwrap()
            .height,
        1
    );
    assert!(addr.send(ProduceBlock { slot: 3 }).await.unwrap().is_err());
    b.assert(
        &[(MessageOutcome::Ok, 1), (MessageOutcome::Error, 1)],
        2,
        true,
    );
}

#[actix_rt::test]
async fn health_check_plain_struct_is_ok() {
    let _s = crate::serial();
    let b = before(
        "ChainActor",
        "HealthCheck",
        ActorType::Chain,
        MessageType::Lifecycle,
    );
    let addr = ChainActor::default().start();
    assert!(addr.send(HealthCheck).await.unwrap().healthy);
    b.assert(&[(MessageOutcome::Ok, 1)], 1, true);
}

#[actix_rt::test]
async fn process_blocks_with_question_mark_inside() {
    let _s = crate::serial();
    let b = before(
        "SyncActor",
        "ProcessBlocks",
        ActorType::Sync,
        MessageType::Unclassified,
    );
    let addr = SyncActor::default().start();
    let ok = addr.send(ProcessBlocks {
        blocks: vec![block(1), block(0)],
        source_peer: None,
    });
    assert_eq!(ok.await.unwrap().unwrap().len(), 2);
    let empty = addr.send(ProcessBlocks {
        blocks: vec![],
        source_peer: Some("peer".into()),
    });
    assert!(empty.await.unwrap().is_err());
    b.assert(
        &[(MessageOutcome::Ok, 1), (MessageOutcome::Error, 1)],
        2,
        true,
    );
}

#[actix_rt::test]
async fn validate_block_boxed_local_unit_reply() {
    let _s = crate::serial();
    let b = before(
        "ValidationWorker",
        "ValidateBlockMessage",
        ActorType::Unclassified,
        MessageType::Unclassified,
    );
    let addr = ValidationWorker { id: 3 }.start();
    addr.send(ValidateBlockMessage { request: block(9) })
        .await
        .unwrap();
    addr.send(ValidateBlockMessage { request: block(0) })
        .await
        .unwrap();
    b.assert(&[(MessageOutcome::Ok, 2)], 2, true);
}
