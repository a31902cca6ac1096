//! The outside world of the simulated node: the Aura slot clock and the other authorities'
//! blocks, arriving transactions, peer rounds, sync steps and the Bitcoin side. Each driver
//! is a task that ticks at a modest rate and, while the activity runs, sends messages.

use std::rc::Rc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use alys_metrics::catalogue::consensus::{
    AURA_CURRENT_SLOT, AURA_LATEST_SLOT_AUTHOR, AURA_SLOT_AUTHOR_RETRIEVALS, AURA_SLOT_CLAIM,
};
use alys_metrics::chain::{record_slot, SlotAuthor};
use alys_metrics::labels::{BlockRejectReason, GossipKind, Status};

use super::bridge::{
    CreateAuxBlockTemplate, FederationUpdate, MonitorBitcoinBlock, ProcessPegIn, RequestPegOut,
    SubmitAuxPow,
};
use super::chain::{authority_id, Block, ProduceBlock, AUTHORITIES, SLOT};
use super::control::{every, tick, Activity, Dice};
use super::network::{GossipAnnouncement, GossipBlock, GossipTransactions, PeerTick};
use super::sync::SyncTick;
use super::Actors;

/// The Aura slot clock: on this node's slots it produces a block (once synced); on the other
/// authorities' slots their block arrives by gossip a little later, now and then twice, and
/// now and then a bad block with it. Rarely the node misses a run of blocks (a network
/// partition), which sync then catches up.
pub async fn slots(actors: Rc<Actors>, me: u64, mut dice: Dice, mut activity: Activity) {
    const BAD_BLOCKS: [(BlockRejectReason, f64); 5] = [
        (BlockRejectReason::InvalidSignature, 3.0),
        (BlockRejectReason::InvalidPayload, 2.0),
        (BlockRejectReason::WrongSlot, 2.0),
        (BlockRejectReason::InvalidAuxpow, 1.0),
        (BlockRejectReason::Execution, 1.0),
    ];
    let mut ticks = every(SLOT);
    let view = &actors.view;
    loop {
        tick(&mut ticks, &mut activity).await;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        let slot = now.as_secs() / SLOT.as_secs();
        AURA_CURRENT_SLOT.set(slot as f64);
        let author = slot % AUTHORITIES;
        // As Alys v2's `aura::slot_author`: the author is the slot modulo the authority set,
        // a look-up fails only when that set is empty (counted with index "empty"), which
        // this node's never is.
        AURA_SLOT_AUTHOR_RETRIEVALS
            .with(Status::Success, &author.to_string())
            .inc();
        AURA_LATEST_SLOT_AUTHOR.set(author as f64);
        actors.network.offer(|ticket| GossipAnnouncement {
            kind: GossipKind::Approval,
            ticket,
        });

        if author == me {
            let at_head = view.synced.get() && view.local_head.get() == view.network_head.get();
            if at_head {
                AURA_SLOT_CLAIM.with(Status::Success).inc();
                let chain = Rc::clone(&actors.chain);
                actix_rt::spawn(async move {
                    let ticket = chain.ticket();
                    let produced = chain.addr().send(ProduceBlock { slot, ticket }).await;
                    record_slot(SlotAuthor::Ours, matches!(produced, Ok(Ok(_))));
                });
            } else {
                // Not at the head (still syncing): the slot passes without our block.
                AURA_SLOT_CLAIM.with(Status::Rejected).inc();
                record_slot(SlotAuthor::Ours, false);
            }
        } else if !dice.chance(0.97) {
            record_slot(SlotAuthor::Other, false);
        } else {
            record_slot(SlotAuthor::Other, true);
            let height = view.network_head.get() + 1;
            view.network_head.set(height);
            let block = Block::new(height, authority_id(author), dice.int(20, 300));
            let mut arrivals = vec![(block.clone(), dice.latency(Duration::from_millis(150), 0.5))];
            if dice.chance(0.06) {
                // A copy relayed late; half of them after the next slot's block (stale, about
                // every 100 s).
                let median = if dice.chance(0.5) { 2_600 } else { 600 };
                let late = dice.latency(Duration::from_millis(median), 0.2);
                arrivals.push((block.clone(), late));
            }
            if dice.chance(0.01) {
                // Another authority's valid rival at the same height: a fork, about every
                // five minutes.
                let rival_author = authority_id((author + 1) % AUTHORITIES);
                let mut rival = Block::new(height, rival_author, dice.int(20, 300));
                rival.rival = true;
                arrivals.push((rival, dice.latency(Duration::from_millis(300), 0.5)));
            }
            if dice.chance(0.015) {
                let mut bad = Block::new(height, authority_id(author), dice.int(20, 300));
                bad.flaw = Some(*dice.pick(&BAD_BLOCKS));
                arrivals.push((bad, dice.latency(Duration::from_millis(100), 0.5)));
            }
            for (block, delay) in arrivals {
                let network = Rc::clone(&actors.network);
                let activity = activity.clone();
                actix_rt::spawn(async move {
                    tokio::time::sleep(delay).await;
                    // Paused meanwhile: the simulated network goes quiet too.
                    if !activity.is_paused() {
                        network.offer(|ticket| GossipBlock { block, ticket });
                    }
                });
            }
        }
        if dice.chance(1.0 / 400.0) {
            let missed = dice.int(20, 60);
            view.network_head.set(view.network_head.get() + missed);
            tracing::info!(missed, "network partition: blocks were missed");
        }
    }
}

/// Transactions arriving from the network, about 25 a second, with the odd surge that
/// arrives in many small messages and can overflow the network actor's mailbox.
pub async fn transactions(actors: Rc<Actors>, mut dice: Dice, mut activity: Activity) {
    let mut ticks = every(Duration::from_millis(500));
    let mut surge_ticks = 0u32;
    loop {
        tick(&mut ticks, &mut activity).await;
        if surge_ticks == 0 && dice.chance(1.0 / 900.0) {
            surge_ticks = 40;
            tracing::info!("transaction surge");
        }
        if surge_ticks > 0 {
            surge_ticks -= 1;
            for _ in 0..dice.int(10, 30) {
                let count = dice.int(3, 8);
                actors
                    .network
                    .offer(|ticket| GossipTransactions { count, ticket });
            }
        } else {
            let count = dice.poisson(12.0);
            if count > 0 {
                actors
                    .network
                    .offer(|ticket| GossipTransactions { count, ticket });
            }
        }
    }
}

/// A peer-management round every 2 s.
pub async fn peers(actors: Rc<Actors>, mut activity: Activity) {
    let mut ticks = every(Duration::from_secs(2));
    loop {
        tick(&mut ticks, &mut activity).await;
        let network = actors.network.addr();
        let ticket = actors.network.ticket();
        let _ = network.send(PeerTick { ticket }).await;
    }
}

/// A sync step every 250 ms.
pub async fn sync(actors: Rc<Actors>, mut activity: Activity) {
    let mut ticks = every(Duration::from_millis(250));
    loop {
        tick(&mut ticks, &mut activity).await;
        actors.sync.offer(|ticket| SyncTick { ticket });
    }
}

/// The Bitcoin side: the block monitor every 10 s, a peg-in every few seconds, a peg-out
/// every ten, a federation update every two minutes, and a merged-mining round (template,
/// then proof of work) every 15 s.
pub async fn bitcoin(actors: Rc<Actors>, mut dice: Dice, mut activity: Activity) {
    let mut ticks = every(Duration::from_secs(1));
    let mut second = 0u64;
    loop {
        tick(&mut ticks, &mut activity).await;
        second += 1;
        let bridge = &actors.bridge;
        if second % 10 == 1 {
            bridge.offer(|ticket| MonitorBitcoinBlock { ticket });
        }
        if dice.chance(0.15) {
            // Now and then a deposit below the bridge's minimum (10,000 sat).
            let amount_sat = if dice.chance(0.02) {
                dice.int(546, 9_999)
            } else {
                dice.int(100_000, 150_000_000)
            };
            bridge.offer(|ticket| ProcessPegIn { amount_sat, ticket });
            actors.network.offer(|ticket| GossipAnnouncement {
                kind: GossipKind::Pegin,
                ticket,
            });
        }
        if dice.chance(0.1) {
            let amount_sat = dice.int(1_000_000, 80_000_000);
            bridge.offer(|ticket| RequestPegOut { amount_sat, ticket });
        }
        if dice.chance(1.0 / 120.0) {
            bridge.offer(|ticket| FederationUpdate { ticket });
        }
        if second % 15 == 2 {
            let bridge = Rc::clone(&actors.bridge);
            let network = Rc::clone(&actors.network);
            // Hashes to find a merged-mining solution: 10^3 .. 10^7.5, log-uniform.
            let hashes = 10f64.powf(dice.uniform(3.0, 7.5)) as u64;
            let mining = Duration::from_millis(dice.int(500, 3000));
            let activity = activity.clone();
            actix_rt::spawn(async move {
                let template = bridge
                    .addr()
                    .send(CreateAuxBlockTemplate {
                        ticket: bridge.ticket(),
                    })
                    .await;
                if !matches!(template, Ok(Ok(h)) if h > 0) {
                    return;
                }
                tokio::time::sleep(mining).await;
                if activity.is_paused() {
                    return; // the miner gave up
                }
                bridge.offer(|ticket| SubmitAuxPow { hashes, ticket });
                network.offer(|ticket| GossipAnnouncement {
                    kind: GossipKind::Auxpow,
                    ticket,
                });
            });
        }
    }
}
