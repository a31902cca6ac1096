//! The network actor: peers that join and leave across regions with drifting quality
//! scores (a peer that leaves is forgotten, so its series goes), block and transaction
//! gossip.

use std::rc::Rc;
use std::time::Duration;

use actix::prelude::*;
use alys_metrics::catalogue::consensus::{CHAIN_DISCOVERED_PEERS, CHAIN_NETWORK_GOSSIP};
use alys_metrics::chain::{
    peer_disconnected, record_peer_connection_metrics, record_peer_request_rtt, PeerConnectionStats,
};
use alys_metrics::labels::{GossipKind, PeerDisconnectReason, Status};
use alys_metrics::prelude::*;

use super::chain::{Block, ChainActor, ChainView, ImportGossipBlock, SubmitTransactions};
use super::control::{carries_ticket, Dice, Slot, Ticket};
use super::HealthCheck;

/// Where peers connect from, and how often.
const REGIONS: [(PeerRegion, f64); 7] = [
    (PeerRegion::Europe, 34.0),
    (PeerRegion::NorthAmerica, 30.0),
    (PeerRegion::Asia, 19.0),
    (PeerRegion::SouthAmerica, 6.0),
    (PeerRegion::Oceania, 5.0),
    (PeerRegion::Africa, 2.0),
    (PeerRegion::Unknown, 4.0),
];

#[derive(Debug)]
struct Peer {
    id: String,
    region: PeerRegion,
    quality: f64,
}

/// The network actor (`actor_type="network"`).
pub struct NetworkActor {
    dice: Dice,
    view: Rc<ChainView>,
    chain: Rc<Slot<ChainActor>>,
    peers: Vec<Peer>,
    stats: PeerConnectionStats,
    /// The peer count the network drifts towards.
    target: f64,
}

impl NetworkActor {
    /// A network actor with no peers yet.
    pub fn new(dice: Dice, view: Rc<ChainView>, chain: Rc<Slot<ChainActor>>) -> Self {
        Self {
            dice,
            view,
            chain,
            peers: Vec::new(),
            stats: PeerConnectionStats::default(),
            target: 24.0,
        }
    }

    fn connect(&mut self) {
        self.stats.connection_attempts += 1;
        if self.dice.chance(0.08) {
            self.stats.failed_connections += 1;
            return;
        }
        self.stats.successful_connections += 1;
        // libp2p-style ids: a fixed prefix and random base58 characters.
        const B58: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
        let mut id = String::from("12D3KooW");
        for _ in 0..10 {
            let i = usize::try_from(self.dice.int(0, B58.len() as u64 - 1)).unwrap_or(0);
            id.push(char::from(B58[i]));
        }
        let region = *self.dice.pick(&REGIONS);
        let quality = self.dice.uniform(0.55, 0.98);
        self.peers.push(Peer {
            id,
            region,
            quality,
        });
    }

    /// A peer disconnects: counted by reason, its quality series goes, and its place under
    /// the peer-id cap is free for the next peer.
    fn disconnect(&mut self, i: usize, reason: PeerDisconnectReason) {
        if i < self.peers.len() {
            let peer = self.peers.swap_remove(i);
            peer_disconnected(&peer.id, reason);
        }
    }

    /// Why a peer leaves on its own.
    fn leave_reason(&mut self, quality: f64) -> PeerDisconnectReason {
        if quality < 0.2 {
            return PeerDisconnectReason::Banned;
        }
        *self.dice.pick(&[
            (PeerDisconnectReason::Remote, 70.0),
            (PeerDisconnectReason::Timeout, 20.0),
            (PeerDisconnectReason::ProtocolError, 7.0),
            (PeerDisconnectReason::Local, 3.0),
        ])
    }

    /// Requests to a few peers (block and header requests, pings): their round trips, slower
    /// for poor peers.
    fn request_round_trips(&mut self) {
        for _ in 0..self.dice.int(3, 8).min(self.peers.len() as u64) {
            let i = self.any_peer();
            let quality = self.peers[i].quality;
            let median = Duration::from_millis(40).mul_f64(1.0 / quality.max(0.05));
            record_peer_request_rtt(self.dice.latency(median, 0.6));
        }
    }

    /// A random connected peer's index.
    fn any_peer(&mut self) -> usize {
        let last = self.peers.len().saturating_sub(1) as u64;
        usize::try_from(self.dice.int(0, last)).unwrap_or(0)
    }

    /// One round of churn: the target drifts, peers leave and join towards it, qualities move.
    fn churn(&mut self) {
        self.target = (self.target + self.dice.normal() * 0.8).clamp(14.0, 44.0);
        // Now and then a group of peers drops at once (a relay or a region goes away).
        if self.dice.chance(0.004) && self.peers.len() > 8 {
            let n = self.dice.int(4, 8);
            for _ in 0..n {
                let i = self.any_peer();
                self.disconnect(i, PeerDisconnectReason::NetworkError);
            }
            tracing::info!(left = n, "a group of peers disconnected");
        }
        let n = self.peers.len() as f64;
        // Above the target peers leave; otherwise one leaves now and then anyway.
        if !self.peers.is_empty() {
            if n > self.target && self.dice.chance(0.6) {
                let i = self.any_peer();
                self.disconnect(i, PeerDisconnectReason::TooManyPeers);
            } else if self.dice.chance(0.3) {
                let i = self.any_peer();
                let reason = self.leave_reason(self.peers[i].quality);
                self.disconnect(i, reason);
            }
        }
        let joins = if n < self.target {
            1 + usize::from(n + 4.0 < self.target) * 2
        } else {
            0
        };
        for _ in 0..joins {
            self.connect();
        }
        for p in &mut self.peers {
            p.quality = (p.quality + self.dice.normal() * 0.02).clamp(0.05, 1.0);
        }
    }

    fn record(&mut self) {
        let mut regions = REGIONS.map(|(region, _)| (region, 0usize));
        for p in &self.peers {
            if let Some(r) = regions.iter_mut().find(|(r, _)| *r == p.region) {
                r.1 += 1;
            }
        }
        self.stats.active_connections = self.peers.len();
        self.stats.max_concurrent_connections =
            self.stats.max_concurrent_connections.max(self.peers.len());
        self.stats.avg_connection_time = self.dice.latency(Duration::from_millis(180), 0.3);
        record_peer_connection_metrics(
            self.peers.len(),
            self.peers.iter().map(|p| (p.id.as_str(), p.quality)),
            &regions,
            &self.stats,
        );
        self.view.peers.set(self.peers.len());
        let discovered = self.peers.len() as f64 * 3.0 + self.dice.int(0, 12) as f64;
        CHAIN_DISCOVERED_PEERS.set(discovered);
    }

    fn gossip(kind: GossipKind, ok: bool) {
        let status = if ok { Status::Success } else { Status::Failure };
        CHAIN_NETWORK_GOSSIP.with(kind, status).inc();
    }
}

#[instrument_actor]
impl Actor for NetworkActor {
    type Context = Context<Self>;
}

#[instrument_actor]
impl actix::Supervised for NetworkActor {}

/// One round of peer management.
#[derive(Message)]
#[rtype(result = "usize")]
pub struct PeerTick {
    /// Its mailbox ticket.
    pub ticket: Ticket,
}

/// A block of another authority arriving by gossip.
#[derive(Message)]
#[rtype(result = "()")]
pub struct GossipBlock {
    /// The block.
    pub block: Block,
    /// Its mailbox ticket.
    pub ticket: Ticket,
}

/// Transactions arriving by gossip.
#[derive(Message)]
#[rtype(result = "()")]
pub struct GossipTransactions {
    /// How many.
    pub count: u64,
    /// Its mailbox ticket.
    pub ticket: Ticket,
}

/// Other gossip: approvals, AuxPoW and peg-in announcements.
#[derive(Message)]
#[rtype(result = "()")]
pub struct GossipAnnouncement {
    /// Its kind.
    pub kind: GossipKind,
    /// Its mailbox ticket.
    pub ticket: Ticket,
}

/// Broadcast this node's block at `height`.
#[derive(Message)]
#[rtype(result = "()")]
pub struct BroadcastBlock {
    /// Its height.
    pub height: u64,
    /// Its mailbox ticket.
    pub ticket: Ticket,
}

carries_ticket!(
    PeerTick,
    GossipBlock,
    GossipTransactions,
    GossipAnnouncement,
    BroadcastBlock
);

#[instrument_actor]
impl Handler<PeerTick> for NetworkActor {
    type Result = usize;

    fn handle(&mut self, msg: PeerTick, _: &mut Context<Self>) -> usize {
        msg.ticket.received();
        self.churn();
        self.request_round_trips();
        self.record();
        self.peers.len()
    }
}

#[instrument_actor]
impl Handler<GossipBlock> for NetworkActor {
    type Result = ();

    fn handle(&mut self, msg: GossipBlock, _: &mut Context<Self>) {
        msg.ticket.received();
        let block = msg.block;
        // While syncing, gossip is not followed: sync fetches the blocks in order.
        let forwarded = self.view.synced.get()
            && self
                .chain
                .offer(|ticket| ImportGossipBlock { block, ticket });
        Self::gossip(GossipKind::Block, forwarded || !self.view.synced.get());
    }
}

#[instrument_actor]
impl Handler<GossipTransactions> for NetworkActor {
    type Result = ();

    fn handle(&mut self, msg: GossipTransactions, _: &mut Context<Self>) {
        msg.ticket.received();
        let count = msg.count;
        let forwarded = self
            .chain
            .offer(|ticket| SubmitTransactions { count, ticket });
        Self::gossip(GossipKind::Transaction, forwarded);
    }
}

#[instrument_actor]
impl Handler<GossipAnnouncement> for NetworkActor {
    type Result = ();

    fn handle(&mut self, msg: GossipAnnouncement, _: &mut Context<Self>) {
        msg.ticket.received();
        Self::gossip(msg.kind, !self.dice.chance(0.01));
    }
}

#[instrument_actor]
impl Handler<BroadcastBlock> for NetworkActor {
    type Result = ResponseFuture<()>;

    fn handle(&mut self, msg: BroadcastBlock, _: &mut Context<Self>) -> Self::Result {
        msg.ticket.received();
        let fanout = self.peers.len();
        let work = self.dice.latency(Duration::from_millis(15), 0.5);
        let height = msg.height;
        Box::pin(async move {
            tokio::time::sleep(work).await;
            Self::gossip(GossipKind::Block, fanout > 0);
            tracing::trace!(height, fanout, "block broadcast");
        })
    }
}

#[instrument_actor]
impl Handler<HealthCheck> for NetworkActor {
    type Result = bool;

    fn handle(&mut self, msg: HealthCheck, _: &mut Context<Self>) -> bool {
        msg.ticket.received();
        true
    }
}
