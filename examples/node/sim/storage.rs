//! The storage actor: stores blocks and reads them back for RPC. Now and then a write hits a
//! simulated corrupted page and the handler panics; the node's supervisor notices the dead
//! actor and starts a new one (reason `panic`), and the node goes on.

use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use alys_metrics::actor::ActorMetrics;
use alys_metrics::prelude::*;

use super::control::{carries_ticket, Dice, Ticket};
use super::HealthCheck;

/// A storage failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StorageError {
    /// The write was refused (a full disk, a locked file).
    WriteRefused,
    /// The block is not stored.
    NotFound,
}

/// The storage actor (`actor_type="storage"`).
pub struct StorageActor {
    metrics: Arc<ActorMetrics>,
    dice: Dice,
    stored: u64,
    cache_bytes: u64,
}

impl StorageActor {
    /// A storage actor.
    pub fn new(metrics: Arc<ActorMetrics>, dice: Dice) -> Self {
        Self {
            metrics,
            dice,
            stored: 0,
            cache_bytes: 0,
        }
    }
}

impl Actor for StorageActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        // Sync stores blocks in batches: room for several.
        ctx.set_mailbox_capacity(256);
    }
}

impl actix::Supervised for StorageActor {}

/// Store the block at `height`.
#[derive(Message)]
#[rtype(result = "Result<(), StorageError>")]
pub struct StoreBlock {
    /// Its height.
    pub height: u64,
    /// Its size.
    pub size_bytes: u64,
    /// Its mailbox ticket.
    pub ticket: Ticket,
}

/// Read the block at `height`; answers its size.
#[derive(Message)]
#[rtype(result = "Result<u64, StorageError>")]
pub struct ReadStoredBlock {
    /// Its height.
    pub height: u64,
    /// Its mailbox ticket.
    pub ticket: Ticket,
}

carries_ticket!(StoreBlock, ReadStoredBlock);

#[instrument_actor(metrics = self.metrics)]
impl Handler<StoreBlock> for StorageActor {
    type Result = Result<(), StorageError>;

    fn handle(&mut self, msg: StoreBlock, _: &mut Context<Self>) -> Self::Result {
        msg.ticket.received();
        if self.dice.chance(1.0 / 1000.0) {
            panic!(
                "simulated storage fault: corrupted page while writing block {} (the supervisor \
                 restarts the storage actor)",
                msg.height
            );
        }
        if self.dice.chance(0.004) {
            return Err(StorageError::WriteRefused);
        }
        self.stored += 1;
        // A write-back cache of the last 256 blocks.
        self.cache_bytes = (self.cache_bytes + msg.size_bytes).min(256 * 48_000);
        self.metrics.record_memory_usage(self.cache_bytes);
        Ok(())
    }
}

#[instrument_actor(metrics = self.metrics)]
impl Handler<ReadStoredBlock> for StorageActor {
    type Result = ResponseFuture<Result<u64, StorageError>>;

    fn handle(&mut self, msg: ReadStoredBlock, _: &mut Context<Self>) -> Self::Result {
        msg.ticket.received();
        // Pruned or not yet stored, now and then.
        let found = !self.dice.chance(0.01);
        let height = msg.height;
        let work = self.dice.latency(Duration::from_millis(3), 0.7);
        let size = 600 + self.dice.int(0, 40_000);
        Box::pin(async move {
            tokio::time::sleep(work).await;
            if found {
                Ok(size)
            } else {
                tracing::debug!(height, "block not in storage");
                Err(StorageError::NotFound)
            }
        })
    }
}

#[instrument_actor(metrics = self.metrics)]
impl Handler<HealthCheck> for StorageActor {
    type Result = bool;

    fn handle(&mut self, msg: HealthCheck, _: &mut Context<Self>) -> bool {
        msg.ticket.received();
        true
    }
}
