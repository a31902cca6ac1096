//! Inter-actor traffic through `alys_metrics::actor_system::SendMeasured`: a chain actor asks
//! a storage actor for state roots (`send_measured` with a 50 ms timeout that the storage
//! actor's rare slow read exceeds), announces heads to network actors (`broadcast_measured`,
//! one of them stopped: a dead letter each time) and notifies the storage actor
//! (`do_send_measured`). A `DeadlockDetector` (default 30 s threshold) watches the wait-for
//! graph. With `--deadlock`, a sync actor and a bridge actor await each other once a minute
//! (each holding its mailbox with `AtomicResponse`) for 35 s until the bridge side gives up:
//! one `wait_cycle` detection per episode. The detector also watches the storage actor's
//! instrumented write queue; with `--deadlock` its consumer also pauses for 35 s once a minute
//! (a `stalled_mailbox` detection).

use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use alys_metrics::actor::{mailbox, MailboxMetrics, MessageKind};
use alys_metrics::actor_system::{
    broadcast_measured, DeadlockDetector, MeasuredRecipient, SendMeasured,
};
use alys_metrics::instrument_actor;
use alys_metrics::labels::{ActorType, MessageType};

use super::control::{every, tick, Activity, Dice};

// These messages' names say no message type (or not the one meant): each message type says
// it once, for every handler of it.
impl MessageKind for ReadRoot {
    const MESSAGE_TYPE: MessageType = MessageType::Storage;
}
impl MessageKind for PruneHint {
    const MESSAGE_TYPE: MessageType = MessageType::Storage;
}
impl MessageKind for AnnounceHead {
    const MESSAGE_TYPE: MessageType = MessageType::Network;
}
impl MessageKind for QueryRoot {
    const MESSAGE_TYPE: MessageType = MessageType::Storage;
}
impl MessageKind for Announce {
    const MESSAGE_TYPE: MessageType = MessageType::Network;
}
impl MessageKind for StartCycle {
    const MESSAGE_TYPE: MessageType = MessageType::Sync;
}
impl MessageKind for Confirm {
    const MESSAGE_TYPE: MessageType = MessageType::Sync;
}
impl MessageKind for AskSync {
    const MESSAGE_TYPE: MessageType = MessageType::Bridge;
}

/// A state-root read; slow when `.0` says so.
struct ReadRoot(bool);
impl Message for ReadRoot {
    type Result = u64;
}

/// Asks the chain actor to read a state root from storage (`.0`: a slow read).
struct QueryRoot(bool);
impl Message for QueryRoot {
    type Result = Result<u64, MailboxError>;
}

/// A new head, announced to the network actors.
#[derive(Clone)]
struct AnnounceHead(u64);
impl Message for AnnounceHead {
    type Result = ();
}

/// Tells the chain actor to announce a head.
struct Announce(u64);
impl Message for Announce {
    type Result = ();
}

/// A fire-and-forget note to storage.
struct PruneHint;
impl Message for PruneHint {
    type Result = ();
}

struct StorageIndexActor;
impl Actor for StorageIndexActor {
    type Context = Context<Self>;
}

#[instrument_actor]
impl Handler<ReadRoot> for StorageIndexActor {
    type Result = ResponseFuture<u64>;
    fn handle(&mut self, msg: ReadRoot, _: &mut Context<Self>) -> Self::Result {
        Box::pin(async move {
            let wait = if msg.0 { 80 } else { 2 };
            tokio::time::sleep(Duration::from_millis(wait)).await;
            42
        })
    }
}

#[instrument_actor]
impl Handler<PruneHint> for StorageIndexActor {
    type Result = ();
    fn handle(&mut self, _: PruneHint, _: &mut Context<Self>) {}
}

#[derive(Default)]
struct NetworkGossipActor {
    head: u64,
}
impl Actor for NetworkGossipActor {
    type Context = Context<Self>;
}
/// Stops a network actor: a peer that went away.
struct Leave;
impl Message for Leave {
    type Result = ();
}
impl Handler<Leave> for NetworkGossipActor {
    type Result = ();
    fn handle(&mut self, _: Leave, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

#[instrument_actor]
impl Handler<AnnounceHead> for NetworkGossipActor {
    type Result = ();
    fn handle(&mut self, msg: AnnounceHead, _: &mut Context<Self>) {
        self.head = self.head.max(msg.0);
    }
}

struct ChainQueryActor {
    storage: Addr<StorageIndexActor>,
    peers: Vec<MeasuredRecipient<AnnounceHead>>,
}
impl Actor for ChainQueryActor {
    type Context = Context<Self>;
}

#[instrument_actor]
impl Handler<QueryRoot> for ChainQueryActor {
    type Result = ResponseFuture<Result<u64, MailboxError>>;
    fn handle(&mut self, msg: QueryRoot, _: &mut Context<Self>) -> Self::Result {
        self.storage.do_send_measured(PruneHint);
        let request = self
            .storage
            .send_measured(ReadRoot(msg.0))
            .timeout(Duration::from_millis(50));
        Box::pin(request)
    }
}

#[instrument_actor]
impl Handler<Announce> for ChainQueryActor {
    type Result = ();
    fn handle(&mut self, msg: Announce, _: &mut Context<Self>) {
        broadcast_measured(&self.peers, AnnounceHead(msg.0));
    }
}

/// Five requests a second, a broadcast every second; the detector checks once a second.
pub async fn traffic(mut dice: Dice, mut activity: Activity, deadlock: bool) {
    let queue = Arc::new(MailboxMetrics::new());
    let (writes, pending) = mailbox::bounded::<u64>(1024, Arc::clone(&queue));
    let mut detector = DeadlockDetector::default();
    detector.watch_mailbox(ActorType::Storage, queue);
    let _detector = AbortOnDrop(detector.spawn(Duration::from_secs(1)));
    let _writer = AbortOnDrop(actix_rt::spawn(write_queue(pending, deadlock)));
    let storage = StorageIndexActor.start();
    let live = NetworkGossipActor::default().start();
    let stopped = NetworkGossipActor::default().start();
    let peers = vec![
        live.measured_recipient::<AnnounceHead>(),
        stopped.measured_recipient::<AnnounceHead>(),
    ];
    // A peer that went away: every broadcast to it is a dead letter.
    stopped.do_send(Leave);
    let chain = ChainQueryActor { storage, peers }.start();
    let _cycle = deadlock.then(|| AbortOnDrop(actix_rt::spawn(wait_cycles())));
    let mut ticks = every(Duration::from_millis(200));
    let mut round = 0u64;
    loop {
        tick(&mut ticks, &mut activity).await;
        round += 1;
        let slow = dice.chance(0.05);
        let _ = chain.send_measured(QueryRoot(slow)).await;
        if round.is_multiple_of(5) {
            chain.do_send_measured(Announce(round));
        }
        let _ = writes.try_send(round);
    }
}

/// Drains the storage write queue; with `--deadlock`, pauses for 35 s once a minute.
async fn write_queue(mut pending: mailbox::MailboxReceiver<u64>, stall: bool) {
    let started = tokio::time::Instant::now();
    while pending.recv().await.is_some() {
        if stall && started.elapsed().as_secs() % 60 == 5 {
            tracing::warn!("--deadlock: the storage write queue stops draining for 35 s");
            tokio::time::sleep(Duration::from_secs(35)).await;
        }
    }
}

/// Ends a task when the traffic task ends.
struct AbortOnDrop(tokio::task::JoinHandle<()>);
impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

// The deliberate wait cycle (`--deadlock`).

struct SyncWaitActor {
    bridge: Option<Addr<BridgeWaitActor>>,
}
impl Actor for SyncWaitActor {
    type Context = Context<Self>;
}
struct BridgeWaitActor {
    sync: Addr<SyncWaitActor>,
}
impl Actor for BridgeWaitActor {
    type Context = Context<Self>;
}

struct Link(Addr<BridgeWaitActor>);
impl Message for Link {
    type Result = ();
}
struct StartCycle;
impl Message for StartCycle {
    type Result = Result<(), MailboxError>;
}
struct AskSync;
impl Message for AskSync {
    type Result = Result<(), MailboxError>;
}
struct Confirm;
impl Message for Confirm {
    type Result = ();
}

impl Handler<Link> for SyncWaitActor {
    type Result = ();
    fn handle(&mut self, msg: Link, _: &mut Context<Self>) {
        self.bridge = Some(msg.0);
    }
}

#[instrument_actor]
impl Handler<StartCycle> for SyncWaitActor {
    type Result = AtomicResponse<Self, Result<(), MailboxError>>;
    fn handle(&mut self, _: StartCycle, _: &mut Context<Self>) -> Self::Result {
        let request = self.bridge.as_ref().map(|b| b.send_measured(AskSync));
        AtomicResponse::new(Box::pin(
            async move {
                match request {
                    Some(r) => r.await.and_then(|r| r),
                    None => Ok(()),
                }
            }
            .into_actor(self),
        ))
    }
}

#[instrument_actor]
impl Handler<Confirm> for SyncWaitActor {
    type Result = ();
    fn handle(&mut self, _: Confirm, _: &mut Context<Self>) {}
}

#[instrument_actor]
impl Handler<AskSync> for BridgeWaitActor {
    type Result = AtomicResponse<Self, Result<(), MailboxError>>;
    fn handle(&mut self, _: AskSync, _: &mut Context<Self>) -> Self::Result {
        // The sync actor's mailbox is held by `StartCycle`: this waits until it gives up.
        let request = self
            .sync
            .send_measured(Confirm)
            .timeout(Duration::from_secs(35));
        AtomicResponse::new(Box::pin(request.into_actor(self)))
    }
}

/// Starts a wait cycle once a minute.
async fn wait_cycles() {
    let sync = SyncWaitActor { bridge: None }.start();
    let bridge = BridgeWaitActor { sync: sync.clone() }.start();
    sync.do_send(Link(bridge));
    let mut ticks = every(Duration::from_secs(60));
    loop {
        ticks.tick().await;
        tracing::warn!("--deadlock: the sync and bridge wait actors now await each other for 35 s");
        let _ = sync.send(StartCycle).await;
    }
}
