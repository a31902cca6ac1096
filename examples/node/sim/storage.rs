//! The storage actor: stores blocks and reads them back for RPC. Now and then a write hits a
//! simulated corrupted page and the handler panics; the node's supervisor notices the dead
//! actor and starts a new one (reason `panic`), and the node goes on.
//!
//! Blocks really are written, to a scratch file in the temporary directory, so the
//! collector's `alys_disk_io_bytes_total{operation="write"}` moves. The file is unlinked as
//! soon as it is open (it goes away with the process however it ends) and starts over at
//! 8 MiB.

use std::fs::File;
use std::io::{Seek as _, SeekFrom, Write as _};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use alys_metrics::actor::ActorMetrics;
use alys_metrics::chain::storage::query;
use alys_metrics::labels::DbOperation;
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

/// The block file starts over at this size.
const BLOCK_FILE_LIMIT: u64 = 8 << 20;

/// The storage actor (`actor_type="storage"`).
pub struct StorageActor {
    metrics: Arc<ActorMetrics>,
    dice: Dice,
    /// The block file; `None` when it could not be created (blocks are then only counted).
    file: Option<File>,
    written: u64,
    cache_bytes: u64,
}

/// Creates an unlinked scratch file for the blocks.
fn scratch_file() -> std::io::Result<File> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!(
        "alys-example-node-{}-{n}.blocks",
        std::process::id()
    ));
    let file = File::options()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)?;
    // On Unix the open file outlives its name; elsewhere the name stays until exit.
    let _ = std::fs::remove_file(&path);
    Ok(file)
}

impl StorageActor {
    /// A storage actor with a fresh block file.
    pub fn new(metrics: Arc<ActorMetrics>, dice: Dice) -> Self {
        let file = match scratch_file() {
            Ok(f) => Some(f),
            Err(e) => {
                tracing::warn!(error = %e, dir = %std::env::temp_dir().display(),
                    "cannot create the block file in the temporary directory; blocks are not written");
                None
            }
        };
        Self {
            metrics,
            dice,
            file,
            written: 0,
            cache_bytes: 0,
        }
    }

    /// Appends `size` bytes of block data to the block file.
    fn write_block(&mut self, height: u64, size: u64) -> std::io::Result<()> {
        let Some(file) = self.file.as_mut() else {
            return Ok(());
        };
        if self.written + size > BLOCK_FILE_LIMIT {
            file.set_len(0)?;
            file.seek(SeekFrom::Start(0))?;
            self.written = 0;
        }
        let mut record = height
            .to_le_bytes()
            .repeat(usize::try_from(size / 8).unwrap_or(0) + 1);
        record.truncate(usize::try_from(size).unwrap_or(record.len()));
        file.write_all(&record)?;
        self.written += size;
        Ok(())
    }
}

#[instrument_actor]
impl Actor for StorageActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        // Sync stores blocks in batches: room for several.
        ctx.set_mailbox_capacity(256);
    }
}

#[instrument_actor]
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

#[instrument_actor]
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
        // The write is a database put, timed by the library's query wrapper.
        let (height, size) = (msg.height, msg.size_bytes);
        if let Err(e) = query(DbOperation::Put, || self.write_block(height, size)) {
            tracing::warn!(height = msg.height, error = %e, "block write failed");
            return Err(StorageError::WriteRefused);
        }
        // A write-back cache of the last 256 blocks.
        self.cache_bytes = (self.cache_bytes + msg.size_bytes).min(256 * 48_000);
        self.metrics.record_memory_usage(self.cache_bytes);
        Ok(())
    }
}

#[instrument_actor]
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

#[instrument_actor]
impl Handler<HealthCheck> for StorageActor {
    type Result = bool;

    fn handle(&mut self, msg: HealthCheck, _: &mut Context<Self>) -> bool {
        msg.ticket.received();
        true
    }
}
