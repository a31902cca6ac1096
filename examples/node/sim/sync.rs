//! The sync actor: discovering → headers → blocks → catchup → synced, fetching blocks in
//! batches from the chain actor; it falls back to catchup when the node drops behind, and
//! very rarely fails and starts over.

use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;
use alys_metrics::actor::ActorMetrics;
use alys_metrics::catalogue::consensus::{CHAIN_SYNCING_OPERATION, CHAIN_SYNCING_START_HEIGHT};
use alys_metrics::chain::{record_sync_speed, update_sync_progress};
use alys_metrics::labels::Status;
use alys_metrics::prelude::*;

use super::chain::{ChainActor, ChainView, ImportSyncBatch};
use super::control::{carries_ticket, Dice, Slot, Ticket};
use super::HealthCheck;

/// How often sync measures its speed (synced, a block arrives every 2 s).
const SPEED_WINDOW: Duration = Duration::from_secs(3);

/// The sync actor (`actor_type="sync"`).
pub struct SyncActor {
    metrics: Arc<ActorMetrics>,
    dice: Dice,
    view: Rc<ChainView>,
    chain: Rc<Slot<ChainActor>>,
    state: SyncState,
    entered: Instant,
    /// How long the current state lasts at least.
    dwell: Duration,
    batch_in_flight: bool,
    /// Blocks per batch while downloading.
    batch: u64,
    window: (u64, Instant),
    speed: f64,
}

impl SyncActor {
    /// A sync actor, discovering.
    pub fn new(
        metrics: Arc<ActorMetrics>,
        dice: Dice,
        view: Rc<ChainView>,
        chain: Rc<Slot<ChainActor>>,
    ) -> Self {
        let now = Instant::now();
        Self {
            metrics,
            dice,
            view,
            chain,
            state: SyncState::Discovering,
            entered: now,
            dwell: Duration::from_millis(1500),
            batch_in_flight: false,
            batch: 16,
            window: (0, now),
            speed: 0.0,
        }
    }

    fn enter(&mut self, state: SyncState, dwell: Duration) {
        self.state = state;
        self.entered = Instant::now();
        self.dwell = dwell;
        self.view.synced.set(state == SyncState::Synced);
        self.metrics.record_state_transition();
        match state {
            SyncState::Blocks | SyncState::Catchup => {
                CHAIN_SYNCING_OPERATION.with(Status::Attempted).inc();
                let start = i64::try_from(self.view.local_head.get()).unwrap_or(i64::MAX);
                CHAIN_SYNCING_START_HEIGHT.set(start);
            }
            SyncState::Synced => {
                CHAIN_SYNCING_OPERATION.with(Status::Success).inc();
                tracing::info!(height = self.view.local_head.get(), "node is synced");
            }
            SyncState::Failed => {
                CHAIN_SYNCING_OPERATION.with(Status::Failure).inc();
                tracing::warn!("sync failed: no peer served the requested blocks; starting over");
            }
            _ => {}
        }
    }

    /// Advances the state machine; returns a batch to fetch, if one is due.
    fn step(&mut self) -> Option<(u64, u64)> {
        let head = self.view.local_head.get();
        let target = self.view.network_head.get();
        let dwelt = self.entered.elapsed() >= self.dwell;
        if self.state != SyncState::Failed && self.dice.chance(1.0 / 40_000.0) {
            self.enter(SyncState::Failed, Duration::from_secs(3));
            return None;
        }
        let behind = target.saturating_sub(head);
        match self.state {
            SyncState::Discovering if dwelt && self.view.peers.get() >= 3 => {
                let dwell = Duration::from_millis(self.dice.int(1500, 3000));
                self.enter(SyncState::Headers, dwell);
            }
            SyncState::Headers if dwelt => {
                self.batch = self.dice.int(10, 20);
                self.enter(SyncState::Blocks, Duration::ZERO);
            }
            SyncState::Blocks if behind <= 16 => {
                self.enter(SyncState::Catchup, Duration::ZERO);
            }
            SyncState::Catchup if behind == 0 => {
                self.enter(SyncState::Synced, Duration::ZERO);
            }
            SyncState::Synced if behind > 4 => {
                tracing::info!(behind, "node fell behind; catching up");
                self.enter(SyncState::Catchup, Duration::ZERO);
            }
            SyncState::Failed if dwelt => {
                self.enter(SyncState::Discovering, Duration::from_secs(1));
            }
            _ => {}
        }
        let fetching = matches!(self.state, SyncState::Blocks | SyncState::Catchup);
        if !fetching || self.batch_in_flight || behind == 0 {
            return None;
        }
        // Catching up runs at the pace of the tip, a few blocks at a time.
        let size = if self.state == SyncState::Blocks {
            self.batch
        } else {
            self.dice.int(1, 4)
        };
        Some((head + 1, size.min(behind)))
    }

    fn measure(&mut self) {
        let head = self.view.local_head.get();
        let (previous, since) = self.window;
        let elapsed = since.elapsed();
        if elapsed >= SPEED_WINDOW {
            self.speed = record_sync_speed(previous, head, elapsed);
            self.window = (head, Instant::now());
        }
        update_sync_progress(head, self.view.network_head.get(), self.speed, self.state);
    }
}

#[instrument_actor]
impl Actor for SyncActor {
    type Context = Context<Self>;

    fn started(&mut self, _: &mut Context<Self>) {
        self.window = (self.view.local_head.get(), Instant::now());
        update_sync_progress(
            self.view.local_head.get(),
            self.view.network_head.get(),
            0.0,
            self.state,
        );
    }
}

#[instrument_actor]
impl actix::Supervised for SyncActor {}

/// One step of the sync state machine.
#[derive(Message)]
#[rtype(result = "()")]
pub struct SyncTick {
    /// Its mailbox ticket.
    pub ticket: Ticket,
}

carries_ticket!(SyncTick);

#[instrument_actor]
impl Handler<SyncTick> for SyncActor {
    type Result = ResponseActFuture<Self, ()>;

    fn handle(&mut self, msg: SyncTick, _: &mut Context<Self>) -> Self::Result {
        msg.ticket.received();
        let batch = self.step();
        self.measure();
        let chain = Rc::clone(&self.chain);
        if batch.is_some() {
            self.batch_in_flight = true;
        }
        Box::pin(
            async move {
                if let Some((first, count)) = batch {
                    let _ = chain
                        .addr()
                        .send(ImportSyncBatch {
                            first,
                            count,
                            ticket: chain.ticket(),
                        })
                        .await;
                }
            }
            .into_actor(self)
            .map(move |(), act, _| {
                if batch.is_some() {
                    act.batch_in_flight = false;
                }
            }),
        )
    }
}

#[instrument_actor]
impl Handler<HealthCheck> for SyncActor {
    type Result = bool;

    fn handle(&mut self, msg: HealthCheck, _: &mut Context<Self>) -> bool {
        msg.ticket.received();
        true
    }
}
