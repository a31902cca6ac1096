//! The chain actor: produces this node's blocks on its Aura slots and validates everyone
//! else's (both under `#[time_block]`), keeps the transaction pool, and exports the chain
//! heights and the consensus counters.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;
use alys_metrics::catalogue::consensus::{
    AURA_PRODUCED_BLOCKS, AURA_VERIFY_SIGNED_BLOCK, CHAIN_BLOCK_HEIGHT, CHAIN_BLOCK_PRODUCTION,
    CHAIN_LAST_FINALIZED_BLOCK, CHAIN_LAST_PROCESSED_BLOCK, CHAIN_PROCESS_BLOCK,
    CHAIN_PROCESS_BLOCK_ATTEMPTS, LAST_APPROVED_BLOCK,
};
use alys_metrics::chain::{
    discard_block_sample, record_block_throughput, record_fork, record_orphan_blocks,
    record_stale_block, record_transaction_pool_metrics, record_transactions_received,
    set_transaction_pool_max_size, TxPoolUpdate,
};
use alys_metrics::labels::{BlockRejectReason, ProductionStage, RejectionReason, Status};
use alys_metrics::prelude::*;

use super::control::{carries_ticket, Dice, Slot, Ticket};
use super::engine::{BuildBlock, CommitBlock, EngineActor};
use super::network::{BroadcastBlock, NetworkActor};
use super::storage::{StorageActor, StoreBlock};
use super::HealthCheck;

/// Authorities of the simulated federation; slot `s` belongs to authority `s % AUTHORITIES`.
pub const AUTHORITIES: u64 = 3;

/// Aura slot length.
pub const SLOT: Duration = Duration::from_secs(2);

/// The id of authority `index` (`validator-01` ...), which is its `validator` label.
pub fn authority_id(index: u64) -> Arc<str> {
    Arc::from(format!("validator-{:02}", index + 1))
}

/// What the actors of one node know about the chain, shared on the node's one thread.
#[derive(Debug, Default)]
pub struct ChainView {
    /// Height of the best block of the federation.
    pub network_head: Cell<u64>,
    /// Height of this node's best block.
    pub local_head: Cell<u64>,
    /// True once sync reached the head (the node then produces and follows by gossip).
    pub synced: Cell<bool>,
    /// Connected peers.
    pub peers: Cell<usize>,
}

impl ChainView {
    /// Raises the network head to at least `height`.
    pub fn saw(&self, height: u64) {
        self.network_head.set(self.network_head.get().max(height));
    }
}

/// One block, as much of it as the simulation needs.
#[derive(Clone, Debug)]
pub struct Block {
    /// Its height.
    pub height: u64,
    /// The authority that produced it.
    pub author: Arc<str>,
    /// Transactions in it.
    pub transactions: u64,
    /// Its size in bytes.
    pub size_bytes: u64,
    /// What is wrong with it, for the occasional bad block on the wire.
    pub flaw: Option<BlockRejectReason>,
    /// A valid rival of the block at its height by another authority (a fork).
    pub rival: bool,
}

impl Block {
    /// A well-formed block of `author` at `height` with `transactions` transactions.
    pub fn new(height: u64, author: Arc<str>, transactions: u64) -> Self {
        Self {
            height,
            author,
            transactions,
            size_bytes: 600 + transactions * 180,
            flaw: None,
            rival: false,
        }
    }
}

/// Why a block was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InvalidBlock(pub BlockRejectReason);

/// Why this node failed to produce a block in its slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProductionError {
    /// The execution engine did not build a payload.
    Engine,
    /// The engine actor is gone (it is being restarted).
    EngineUnavailable,
}

/// This node's authority: its id is the `validator` label of the blocks it produces.
#[derive(Clone, Debug)]
pub struct Authority {
    /// Its id.
    pub id: Arc<str>,
}

/// What producing one block will take.
struct ProductionPlan {
    height: u64,
    transactions: u64,
    prepare: Duration,
    sign: Duration,
}

impl Authority {
    /// Builds, executes and signs a block: the time is observed into
    /// `alys_block_production_duration_seconds{validator=<this authority>}`.
    #[time_block(production, validator = self.id)]
    async fn produce_block(
        &self,
        engine: Rc<Slot<EngineActor>>,
        plan: ProductionPlan,
    ) -> Result<Block, ProductionError> {
        tokio::time::sleep(plan.prepare).await;
        stage(ProductionStage::Prepare, Status::Success);
        let built = engine
            .addr()
            .send(BuildBlock {
                transactions: plan.transactions,
                ticket: engine.ticket(),
            })
            .await;
        let transactions = match built {
            Ok(Ok(included)) => {
                stage(ProductionStage::Build, Status::Success);
                included
            }
            Ok(Err(e)) => {
                stage(ProductionStage::Build, e.status());
                return Err(ProductionError::Engine);
            }
            Err(_) => {
                stage(ProductionStage::Build, Status::Failure);
                return Err(ProductionError::EngineUnavailable);
            }
        };
        tokio::time::sleep(plan.sign).await;
        stage(ProductionStage::Sign, Status::Success);
        Ok(Block::new(plan.height, Arc::clone(&self.id), transactions))
    }
}

fn stage(stage: ProductionStage, status: Status) {
    CHAIN_BLOCK_PRODUCTION.with(stage, status).inc();
}

/// Checks a block: signature, parent, payload. The time is observed into
/// `alys_block_validation_duration_seconds{validator=<the block's author>}` and the verdict
/// counted in `alys_block_validations_total`; a block we already have is not a validation
/// and its sample is discarded.
#[time_block(validation, validator = block.author)]
async fn validate_block(block: &Block, known: bool, work: Duration) -> Result<(), InvalidBlock> {
    if known {
        discard_block_sample();
        return Err(InvalidBlock(BlockRejectReason::AlreadyKnown));
    }
    tokio::time::sleep(work).await;
    let signed_ok = block.flaw != Some(BlockRejectReason::InvalidSignature);
    // Counted on entry, then with its outcome, as Alys v2's `check_signed_by_author`.
    AURA_VERIFY_SIGNED_BLOCK.with(Status::Attempted).inc();
    AURA_VERIFY_SIGNED_BLOCK
        .with(if signed_ok {
            Status::Success
        } else {
            Status::Failure
        })
        .inc();
    match block.flaw {
        Some(reason) => Err(InvalidBlock(reason)),
        None => Ok(()),
    }
}

/// The transaction pool: pending (executable) and queued (waiting for a nonce) transactions,
/// and what happened to it since the last report.
#[derive(Debug)]
struct TxPool {
    pending: u64,
    queued: u64,
    capacity: u64,
    processed: u64,
    rejections: Vec<(RejectionReason, u64)>,
    reported: Instant,
}

/// How often each rejection reason occurs among rejected transactions (pool-full aside).
const REJECTIONS: [(RejectionReason, f64); 10] = [
    (RejectionReason::InvalidNonce, 30.0),
    (RejectionReason::InsufficientFee, 22.0),
    (RejectionReason::InsufficientBalance, 14.0),
    (RejectionReason::DuplicateTransaction, 12.0),
    (RejectionReason::GasLimitExceeded, 6.0),
    (RejectionReason::InvalidSignature, 4.0),
    (RejectionReason::AccountNotFound, 4.0),
    (RejectionReason::InvalidTransaction, 4.0),
    (RejectionReason::RateLimited, 3.0),
    (RejectionReason::Other, 1.0),
];

impl TxPool {
    fn new() -> Self {
        set_transaction_pool_max_size(50_000);
        Self {
            pending: 0,
            queued: 0,
            capacity: 50_000,
            processed: 0,
            rejections: Vec::new(),
            reported: Instant::now(),
        }
    }

    fn size(&self) -> u64 {
        self.pending + self.queued
    }

    fn reject(&mut self, reason: RejectionReason) {
        match self.rejections.iter_mut().find(|(r, _)| *r == reason) {
            Some((_, n)) => *n += 1,
            None => self.rejections.push((reason, 1)),
        }
    }

    /// Admits `count` arriving transactions; returns how many were accepted.
    fn submit(&mut self, count: u64, dice: &mut Dice) -> u64 {
        record_transactions_received(count);
        let mut accepted = 0;
        for _ in 0..count {
            if self.size() >= self.capacity {
                self.reject(RejectionReason::PoolFull);
            } else if dice.chance(0.035) {
                let reason = *dice.pick(&REJECTIONS);
                self.reject(reason);
            } else if dice.chance(0.12) {
                self.queued += 1;
                accepted += 1;
            } else {
                self.pending += 1;
                accepted += 1;
            }
        }
        accepted
    }

    /// Takes the transactions of a block of at most `limit`; a fifth of the queued ones
    /// become executable.
    fn take(&mut self, limit: u64) -> u64 {
        let promoted = self.queued / 5;
        self.queued -= promoted;
        self.pending += promoted;
        let n = self.pending.min(limit);
        self.pending -= n;
        n
    }

    /// Puts back the transactions of a block that was not produced.
    fn put_back(&mut self, n: u64) {
        self.pending += n;
    }

    /// Exports the pool and its activity since the previous report.
    fn report(&mut self) {
        let now = Instant::now();
        let to_usize = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        record_transaction_pool_metrics(&TxPoolUpdate {
            size: to_usize(self.size()),
            pending: to_usize(self.pending),
            queued: to_usize(self.queued),
            processed: self.processed,
            window: now.duration_since(self.reported),
            rejections: &self.rejections,
        });
        self.processed = 0;
        self.rejections.clear();
        self.reported = now;
    }
}

/// The chain actor (`actor_type="chain"`).
pub struct ChainActor {
    me: Authority,
    view: Rc<ChainView>,
    engine: Rc<Slot<EngineActor>>,
    storage: Rc<Slot<StorageActor>>,
    network: Rc<Slot<NetworkActor>>,
    pool: TxPool,
    dice: Dice,
}

impl ChainActor {
    /// A chain actor for authority `me`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        me: Authority,
        view: Rc<ChainView>,
        engine: Rc<Slot<EngineActor>>,
        storage: Rc<Slot<StorageActor>>,
        network: Rc<Slot<NetworkActor>>,
        dice: Dice,
    ) -> Self {
        Self {
            me,
            view,
            engine,
            storage,
            network,
            pool: TxPool::new(),
            dice,
        }
    }

    /// Appends `block` to the chain if it extends the head; false otherwise (it was
    /// imported meanwhile by another path, or a block is missing before it). The pool gives
    /// up the transactions of another authority's block (its own were taken when produced).
    fn append(&mut self, block: &Block, own: bool) -> bool {
        let head = self.view.local_head.get();
        if block.height != head + 1 {
            return false;
        }
        self.view.local_head.set(block.height);
        self.view.saw(block.height);
        let h = i64::try_from(block.height).unwrap_or(i64::MAX);
        CHAIN_BLOCK_HEIGHT.set(h);
        CHAIN_LAST_PROCESSED_BLOCK.set(h);
        LAST_APPROVED_BLOCK.set(h.saturating_sub(1));
        if !own {
            self.pool.take(block.transactions);
        }
        if self.view.synced.get() {
            self.pool.processed += block.transactions;
        }
        self.storage.offer(|ticket| StoreBlock {
            height: block.height,
            size_bytes: block.size_bytes,
            ticket,
        });
        true
    }

    /// Counts one import attempt of `block` with its verdict.
    fn count_import(&mut self, block: &Block, verdict: &Result<(), InvalidBlock>) -> bool {
        CHAIN_PROCESS_BLOCK_ATTEMPTS.inc();
        let appended = verdict.is_ok() && self.append(block, false);
        let (status, reason) = match verdict {
            Ok(()) if appended => (Status::Success, BlockRejectReason::None),
            Ok(()) => (Status::Rejected, BlockRejectReason::AlreadyKnown),
            Err(InvalidBlock(reason)) => (Status::Rejected, *reason),
        };
        CHAIN_PROCESS_BLOCK.with(status, reason).inc();
        appended
    }
}

#[instrument_actor]
impl Actor for ChainActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        // Over 5 s, a few blocks: the processing rate is a rate, not a 0-or-burst series.
        ctx.run_interval(Duration::from_secs(5), |act, _| act.pool.report());
    }
}

#[instrument_actor]
impl actix::Supervised for ChainActor {}

/// Produce the block of this node's slot.
#[derive(Message)]
#[rtype(result = "Result<u64, ProductionError>")]
pub struct ProduceBlock {
    /// The slot.
    pub slot: u64,
    /// Its mailbox ticket.
    pub ticket: Ticket,
}

/// A block of another authority, received by gossip.
#[derive(Message)]
#[rtype(result = "bool")]
pub struct ImportGossipBlock {
    /// The block.
    pub block: Block,
    /// Its mailbox ticket.
    pub ticket: Ticket,
}

/// Blocks fetched by sync, from `first` on.
#[derive(Message)]
#[rtype(result = "u64")]
pub struct ImportSyncBatch {
    /// Height of the first block.
    pub first: u64,
    /// Number of blocks.
    pub count: u64,
    /// Its mailbox ticket.
    pub ticket: Ticket,
}

/// Transactions arriving at the pool.
#[derive(Message)]
#[rtype(result = "u64")]
pub struct SubmitTransactions {
    /// How many.
    pub count: u64,
    /// Its mailbox ticket.
    pub ticket: Ticket,
}

/// The height of the best block (what RPC's `eth_blockNumber` asks).
#[derive(Message)]
#[rtype(result = "u64")]
pub struct GetChainHead {
    /// Its mailbox ticket.
    pub ticket: Ticket,
}

/// A merged-mined AuxPoW finalized the chain up to `height`.
#[derive(Message)]
#[rtype(result = "()")]
pub struct AuxPowFinalized {
    /// The last finalized height.
    pub height: u64,
    /// Its mailbox ticket.
    pub ticket: Ticket,
}

carries_ticket!(
    ProduceBlock,
    ImportGossipBlock,
    ImportSyncBatch,
    SubmitTransactions,
    GetChainHead,
    AuxPowFinalized,
);

// Block production is "mining" work (template, build, submit).
#[instrument_actor]
impl Handler<ProduceBlock> for ChainActor {
    type Result = ResponseActFuture<Self, Result<u64, ProductionError>>;

    fn handle(&mut self, msg: ProduceBlock, _: &mut Context<Self>) -> Self::Result {
        msg.ticket.received();
        let limit = self.dice.int(80, 400);
        let plan = ProductionPlan {
            height: self.view.local_head.get() + 1,
            transactions: self.pool.take(limit),
            prepare: self.dice.latency(Duration::from_millis(30), 0.5),
            sign: self.dice.latency(Duration::from_millis(8), 0.4),
        };
        let me = self.me.clone();
        let engine = Rc::clone(&self.engine);
        let started = Instant::now();
        let slot = msg.slot;
        Box::pin(
            async move {
                // A failed production is a failed message; its transactions go back.
                let transactions = plan.transactions;
                // In a span, so that the timing's exemplar carries its id as `trace_id`.
                let span = tracing::info_span!("produce_block", slot);
                tracing::Instrument::instrument(me.produce_block(engine, plan), span)
                    .await
                    .map_err(|e| (e, transactions))
            }
            .into_actor(self)
            .map(move |produced, act, _| match produced {
                Ok(block) if act.append(&block, true) => {
                    AURA_PRODUCED_BLOCKS.with(Status::Success).inc();
                    let sent = act.network.offer(|ticket| BroadcastBlock {
                        height: block.height,
                        ticket,
                    });
                    stage(
                        ProductionStage::Broadcast,
                        if sent {
                            Status::Success
                        } else {
                            Status::Failure
                        },
                    );
                    let committed = act.engine.offer(|ticket| CommitBlock {
                        height: block.height,
                        ticket,
                    });
                    stage(
                        ProductionStage::Commit,
                        if committed {
                            Status::Success
                        } else {
                            Status::Failure
                        },
                    );
                    record_block_throughput(
                        started.elapsed(),
                        block.size_bytes,
                        block.transactions,
                    );
                    tracing::debug!(slot, height = block.height, "produced a block");
                    Ok(block.height)
                }
                Ok(block) => {
                    // Another path imported this height first: the slot is lost, which
                    // Alys v2's Aura counts as a production `error`.
                    act.pool.put_back(block.transactions);
                    AURA_PRODUCED_BLOCKS.with(Status::Failure).inc();
                    Ok(act.view.local_head.get())
                }
                Err((e, transactions)) => {
                    act.pool.put_back(transactions);
                    AURA_PRODUCED_BLOCKS.with(Status::Failure).inc();
                    tracing::warn!(slot, error = ?e, "block production failed");
                    Err(e)
                }
            }),
        )
    }
}

#[instrument_actor]
impl Handler<ImportGossipBlock> for ChainActor {
    type Result = ResponseActFuture<Self, bool>;

    fn handle(&mut self, msg: ImportGossipBlock, _: &mut Context<Self>) -> Self::Result {
        msg.ticket.received();
        let block = msg.block;
        let head = self.view.local_head.get();
        let known = block.height <= head;
        if known && block.rival {
            // A valid rival at a height we have: a fork, resolved by first-seen; the rival's
            // branch is orphaned.
            record_fork(block.height);
            record_orphan_blocks(1);
        } else if known && block.flaw.is_none() && block.height < head {
            // A copy arriving after a newer block was imported: stale.
            record_stale_block();
        }
        let work = self.dice.latency(Duration::from_millis(35), 0.6)
            + Duration::from_micros(block.transactions * 40);
        Box::pin(
            async move {
                let verdict = validate_block(&block, known, work).await;
                (block, verdict)
            }
            .into_actor(self)
            .map(|(block, verdict), act, _| {
                // A gap before it: sync fetches the missing blocks first.
                let verdict = match verdict {
                    Ok(()) if block.height > act.view.local_head.get() + 1 => {
                        Err(InvalidBlock(BlockRejectReason::UnknownParent))
                    }
                    v => v,
                };
                act.count_import(&block, &verdict)
            }),
        )
    }
}

// Fetched by sync: `sync` messages.
#[instrument_actor]
impl Handler<ImportSyncBatch> for ChainActor {
    type Result = ResponseActFuture<Self, u64>;

    fn handle(&mut self, msg: ImportSyncBatch, _: &mut Context<Self>) -> Self::Result {
        msg.ticket.received();
        let blocks: Vec<(Block, Duration)> = (msg.first..msg.first + msg.count)
            .map(|h| {
                let author = authority_id(h % AUTHORITIES);
                let txs = self.dice.int(20, 260);
                let work = self.dice.latency(Duration::from_millis(4), 0.5);
                (Block::new(h, author, txs), work)
            })
            .collect();
        Box::pin(
            async move {
                let mut checked = Vec::with_capacity(blocks.len());
                for (block, work) in blocks {
                    let verdict = validate_block(&block, false, work).await;
                    checked.push((block, verdict));
                }
                checked
            }
            .into_actor(self)
            .map(|checked, act, _| {
                let mut imported = 0;
                for (block, verdict) in &checked {
                    if act.view.local_head.get() >= block.height {
                        continue; // arrived by gossip meanwhile
                    }
                    if act.count_import(block, verdict) {
                        imported += 1;
                    }
                }
                imported
            }),
        )
    }
}

#[instrument_actor]
impl Handler<SubmitTransactions> for ChainActor {
    type Result = u64;

    // In a span, so that the message's latency exemplar carries its id as `trace_id`.
    #[tracing::instrument(level = "info", name = "submit_transactions", skip_all)]
    fn handle(&mut self, msg: SubmitTransactions, _: &mut Context<Self>) -> u64 {
        msg.ticket.received();
        self.pool.submit(msg.count, &mut self.dice)
    }
}

#[instrument_actor]
impl Handler<GetChainHead> for ChainActor {
    type Result = u64;

    fn handle(&mut self, msg: GetChainHead, _: &mut Context<Self>) -> u64 {
        msg.ticket.received();
        self.view.local_head.get()
    }
}

#[instrument_actor]
impl Handler<AuxPowFinalized> for ChainActor {
    type Result = ();

    fn handle(&mut self, msg: AuxPowFinalized, _: &mut Context<Self>) {
        msg.ticket.received();
        let h = msg.height.min(self.view.local_head.get());
        CHAIN_LAST_FINALIZED_BLOCK.set(i64::try_from(h).unwrap_or(i64::MAX));
    }
}

#[instrument_actor]
impl Handler<HealthCheck> for ChainActor {
    type Result = bool;

    fn handle(&mut self, msg: HealthCheck, _: &mut Context<Self>) -> bool {
        msg.ticket.received();
        true
    }
}
