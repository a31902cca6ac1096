//! The bridge actor: Bitcoin peg-ins and peg-outs through `alys_metrics::chain::bridge`, the
//! federation's UTXO set and fee rate, federation signatures, the Bitcoin block monitor, and
//! merged mining (AuxPoW) that finalizes the chain.
//!
//! The simulated Bitcoin is sped up: a block every 20 s or so. A deposit to the federation is
//! a [`PegIn`] from its detection until it is minted at 2 confirmations (or refused); a
//! peg-out is a [`PegOut`] from its request through UTXO selection, the transaction built,
//! five federation members asked to sign (three signatures needed, answering after a second
//! or two, one in thirty never), the broadcast (now and then refused: rebuilt with a higher
//! fee) and one confirmation. The UTXO set gains the minted deposits and the peg-outs' change,
//! loses what peg-outs spend, and is refreshed from "the node" every 30 s; the fee rate drifts.

use std::collections::HashMap;
use std::rc::Rc;
use std::time::Duration;

use actix::prelude::*;
use alys_metrics::catalogue::consensus::{
    AUXPOW_HASHES_PROCESSED, AUXPOW_SUBMIT_BLOCK_CALLS, CHAIN_BTC_BLOCK_MONITOR,
    CHAIN_BTC_BLOCK_MONITOR_HEIGHT, CHAIN_PEGIN, CHAIN_TOTAL_PEGIN_AMOUNT, CREATE_AUX_BLOCK_CALLS,
};
use alys_metrics::chain::bridge::{self, PegIn, PegOut, PegOutStage, UtxoRefresh, UtxoSelection};
use alys_metrics::labels::{BridgeErrorSeverity, BridgeLink, PegInFailure, PegOutFailure, Status};
use alys_metrics::prelude::*;

use super::chain::{AuxPowFinalized, ChainActor, ChainView};
use super::control::{carries_ticket, Activity, Dice, Slot, Ticket};
use super::HealthCheck;

/// A failed bridge operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BridgeError {
    /// The Bitcoin node did not answer.
    BitcoinRpc,
    /// The submitted proof of work was refused.
    InvalidAuxPow,
    /// The federation cannot fund the peg-out.
    InsufficientFunds,
}

/// What the bridge made of a deposit it was told about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PegInOutcome {
    /// Valid: pending until it has its confirmations.
    Accepted,
    /// Refused: an unknown federation address, or below the minimum.
    Rejected,
}

// A refused peg-in is an answer, not a failure of the handler: a plain value, so
// `#[instrument_actor]` counts it `ok` with no impl needed.

/// Confirmations a deposit needs before it is minted.
const CONFIRMATIONS: u32 = 2;
/// Federation members asked to sign a peg-out, and signatures needed.
const MEMBERS: u32 = 5;
const QUORUM: u32 = 3;
/// How long a peg-out may wait for its quorum.
const SIGNATURE_DEADLINE: Duration = Duration::from_secs(20);
/// The smallest deposit the bridge accepts, in satoshis.
const MIN_DEPOSIT_SAT: u64 = 10_000;

/// A peg-out on its way, and what its transaction spends.
struct PendingPegOut {
    pegout: PegOut,
    /// The UTXOs it spends (taken out of the set while it is pending).
    inputs: Vec<u64>,
    /// When its signatures were requested.
    signing_since: Option<tokio::time::Instant>,
}

/// The bridge actor (`actor_type="bridge"`).
pub struct BridgeActor {
    dice: Dice,
    view: Rc<ChainView>,
    chain: Rc<Slot<ChainActor>>,
    pegged_in: i64,
    btc_height: u64,
    /// The chain height the pending AuxPoW template commits to.
    template: Option<u64>,
    /// Deposits waiting for their confirmations, by id.
    pegins: HashMap<u64, PegIn>,
    /// Peg-outs on their way, by id.
    pegouts: HashMap<u64, PendingPegOut>,
    next_id: u64,
    /// The federation's spendable outputs, in satoshis.
    utxos: Vec<u64>,
    /// The fee rate paid, in sat/vB.
    fee_rate: f64,
    /// While the Bitcoin node is unreachable: until which monitor poll.
    outage_polls: u32,
    /// Paused, the bridge's own timers (fee drift, UTXO refresh, signature deadlines) rest too.
    activity: Activity,
}

impl BridgeActor {
    /// A bridge actor; its timers rest while `activity` is paused.
    pub fn new(
        mut dice: Dice,
        view: Rc<ChainView>,
        chain: Rc<Slot<ChainActor>>,
        activity: Activity,
    ) -> Self {
        // The federation starts with some forty outputs of 0.1 to 5 BTC.
        let utxos = (0..40).map(|_| dice.int(10_000_000, 500_000_000)).collect();
        Self {
            dice,
            view,
            chain,
            pegged_in: 0,
            btc_height: 871_000,
            template: None,
            pegins: HashMap::new(),
            pegouts: HashMap::new(),
            next_id: 0,
            utxos,
            fee_rate: 12.0,
            outage_polls: 0,
            activity,
        }
    }

    fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// The UTXO set as the bridge knows it now.
    fn report_utxos(&self) {
        bridge::set_utxo_set(self.utxos.len() as u64, self.utxos.iter().sum());
    }

    /// A new Bitcoin block: confirmations for the pending deposits (minted at
    /// [`CONFIRMATIONS`]) and for the broadcast peg-outs (confirmed at one).
    fn on_bitcoin_block(&mut self) {
        let ready: Vec<u64> = self
            .pegins
            .iter_mut()
            .filter_map(|(id, p)| {
                p.confirmations(p.confirmations_observed() + 1);
                (p.confirmations_observed() >= CONFIRMATIONS).then_some(*id)
            })
            .collect();
        for id in ready {
            let Some(pegin) = self.pegins.remove(&id) else {
                continue;
            };
            let roll = self.dice.unit();
            if roll < 0.01 {
                CHAIN_PEGIN.with(Status::Failure).inc();
                pegin.failed(PegInFailure::MintFailed);
            } else if roll < 0.015 {
                CHAIN_PEGIN.with(Status::Failure).inc();
                pegin.failed(PegInFailure::Reorg);
            } else {
                CHAIN_PEGIN.with(Status::Success).inc();
                let amount = pegin.amount_sat();
                self.pegged_in = self
                    .pegged_in
                    .saturating_add(i64::try_from(amount).unwrap_or(i64::MAX));
                CHAIN_TOTAL_PEGIN_AMOUNT.set(self.pegged_in);
                self.utxos.push(amount);
                pegin.minted();
            }
        }
        let confirmed: Vec<u64> = self
            .pegouts
            .iter()
            .filter(|(_, p)| p.pegout.stage() == PegOutStage::Broadcast)
            .map(|(id, _)| *id)
            .collect();
        for id in confirmed {
            if let Some(p) = self.pegouts.remove(&id) {
                if self.dice.chance(0.01) {
                    // The transaction left the chain: its inputs are back.
                    self.utxos.extend(p.inputs);
                    p.pegout.failed(PegOutFailure::Reorg);
                } else {
                    p.pegout.confirmed();
                }
            }
        }
        self.report_utxos();
    }

    /// Picks the largest outputs until they cover `amount` and a fee; `None` if the set
    /// cannot.
    fn select(&mut self, amount: u64) -> Option<Vec<u64>> {
        let selection = UtxoSelection::start();
        self.utxos.sort_unstable();
        let fee = (self.fee_rate * 250.0) as u64;
        let mut picked = Vec::new();
        let mut sum = 0u64;
        while sum < amount + fee {
            match self.utxos.pop() {
                Some(v) => {
                    sum += v;
                    picked.push(v);
                }
                None => break,
            }
        }
        let _ = selection.finished();
        if sum < amount + fee {
            self.utxos.extend(picked);
            return None;
        }
        // The change comes back as a new output once the peg-out is built.
        let change = sum - amount - fee;
        if change > 0 {
            self.utxos.push(change);
        }
        Some(picked)
    }

    /// Builds peg-out `id`'s transaction and asks the federation to sign it; each member
    /// answers after a while, one in thirty never.
    fn build_and_sign(&mut self, id: u64, ctx: &mut Context<Self>) {
        let build = self.dice.latency(Duration::from_millis(80), 0.6);
        let answers: Vec<Option<Duration>> = (0..MEMBERS)
            .map(|_| {
                (!self.dice.chance(1.0 / 30.0))
                    .then(|| self.dice.latency(Duration::from_millis(1500), 0.6))
            })
            .collect();
        ctx.run_later(build, move |act, ctx| {
            if act.activity.is_paused() {
                return; // paused: the peg-out stays pending, no new work starts
            }
            let Some(p) = act.pegouts.get_mut(&id) else {
                return;
            };
            if p.pegout.tx_built().is_err() {
                return;
            }
            if p.pegout.signatures_requested(MEMBERS, QUORUM).is_err() {
                return;
            }
            p.signing_since = Some(tokio::time::Instant::now());
            bridge::governance_request();
            for answer in answers.into_iter().flatten() {
                ctx.run_later(answer, move |act, ctx| act.signature(id, ctx));
            }
        });
    }

    /// A federation member's signature for peg-out `id`.
    fn signature(&mut self, id: u64, ctx: &mut Context<Self>) {
        let Some(p) = self.pegouts.get_mut(&id) else {
            return;
        };
        if !p.pegout.signature_received() {
            return;
        }
        // The quorum: broadcast, refused now and then (rebuilt with a higher fee).
        let wait = self.dice.latency(Duration::from_millis(250), 0.5);
        let refused = self.dice.chance(0.04);
        ctx.run_later(wait, move |act, ctx| {
            let Some(p) = act.pegouts.get_mut(&id) else {
                return;
            };
            if refused {
                p.pegout.retry();
                p.signing_since = None;
                act.fee_rate = (act.fee_rate * 1.25).min(150.0);
                act.build_and_sign(id, ctx);
            } else if p.pegout.broadcast().is_err() {
                tracing::warn!(id, "peg-out broadcast out of order");
            }
        });
    }

    /// Peg-outs whose quorum did not come in time fail; their inputs are spendable again.
    fn expire_signatures(&mut self) {
        let now = tokio::time::Instant::now();
        let late: Vec<u64> = self
            .pegouts
            .iter()
            .filter(|(_, p)| {
                p.pegout.stage() == PegOutStage::Signing
                    && p.signing_since
                        .is_some_and(|t| now.duration_since(t) > SIGNATURE_DEADLINE)
            })
            .map(|(id, _)| *id)
            .collect();
        for id in late {
            if let Some(p) = self.pegouts.remove(&id) {
                self.utxos.extend(p.inputs);
                p.pegout.failed(PegOutFailure::SignatureTimeout);
            }
        }
    }
}

#[instrument_actor]
impl Actor for BridgeActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        bridge::started();
        bridge::set_connected(BridgeLink::BitcoinNode, true);
        bridge::set_connected(BridgeLink::Governance, true);
        bridge::set_fee_rate(self.fee_rate);
        self.report_utxos();
        // The fee market drifts; the UTXO set is refreshed from the node; late quorums expire.
        ctx.run_interval(Duration::from_secs(10), |act, _| {
            if act.activity.is_paused() {
                return;
            }
            act.fee_rate = (act.fee_rate * (0.15 * act.dice.normal()).exp()).clamp(1.0, 150.0);
            bridge::set_fee_rate((act.fee_rate * 10.0).round() / 10.0);
        });
        ctx.run_interval(Duration::from_secs(30), |act, ctx| {
            if act.activity.is_paused() {
                return;
            }
            let refresh = UtxoRefresh::start();
            let wait = act.dice.latency(Duration::from_millis(120), 0.6);
            ctx.run_later(wait, move |act, _| {
                let _ = refresh.finished(act.utxos.len() as u64, act.utxos.iter().sum());
            });
        });
        ctx.run_interval(Duration::from_secs(2), |act, _| {
            if !act.activity.is_paused() {
                act.expire_signatures();
            }
        });
    }
}

#[instrument_actor]
impl actix::Supervised for BridgeActor {}

/// A deposit of `amount_sat` satoshis to the federation, seen on Bitcoin.
#[derive(Message)]
#[rtype(result = "Result<PegInOutcome, BridgeError>")]
pub struct ProcessPegIn {
    /// Its amount.
    pub amount_sat: u64,
    /// Its mailbox ticket.
    pub ticket: Ticket,
}

/// A burn on the sidechain: pay `amount_sat` satoshis out on Bitcoin.
#[derive(Message)]
#[rtype(result = "Result<(), BridgeError>")]
pub struct RequestPegOut {
    /// Its amount.
    pub amount_sat: u64,
    /// Its mailbox ticket.
    pub ticket: Ticket,
}

/// Poll the Bitcoin node for a new block.
#[derive(Message)]
#[rtype(result = "Result<u64, BridgeError>")]
pub struct MonitorBitcoinBlock {
    /// Its mailbox ticket.
    pub ticket: Ticket,
}

/// The governance nodes changed the federation.
#[derive(Message)]
#[rtype(result = "()")]
pub struct FederationUpdate {
    /// Its mailbox ticket.
    pub ticket: Ticket,
}

/// A miner asks for a block template to merge-mine (`createauxblock`).
#[derive(Message)]
#[rtype(result = "Result<u64, BridgeError>")]
pub struct CreateAuxBlockTemplate {
    /// Its mailbox ticket.
    pub ticket: Ticket,
}

/// A miner submits the proof of work of the template (`submitauxblock`).
#[derive(Message)]
#[rtype(result = "Result<(), BridgeError>")]
pub struct SubmitAuxPow {
    /// Hashes the miner processed.
    pub hashes: u64,
    /// Its mailbox ticket.
    pub ticket: Ticket,
}

carries_ticket!(
    ProcessPegIn,
    RequestPegOut,
    MonitorBitcoinBlock,
    FederationUpdate,
    CreateAuxBlockTemplate,
    SubmitAuxPow
);

#[instrument_actor]
impl Handler<ProcessPegIn> for BridgeActor {
    type Result = ResponseActFuture<Self, Result<PegInOutcome, BridgeError>>;

    fn handle(&mut self, msg: ProcessPegIn, _: &mut Context<Self>) -> Self::Result {
        msg.ticket.received();
        let pegin = PegIn::detected(msg.amount_sat);
        let roll = self.dice.unit();
        let work = self.dice.latency(Duration::from_millis(120), 0.6);
        let id = self.id();
        Box::pin(
            async move {
                // Looking the deposit up on the Bitcoin node.
                tokio::time::sleep(work).await;
            }
            .into_actor(self)
            .map(move |(), act, _| {
                let mut pegin = pegin;
                if pegin.amount_sat() < MIN_DEPOSIT_SAT {
                    CHAIN_PEGIN.with(Status::Rejected).inc();
                    pegin.failed(PegInFailure::BelowMinimum);
                    return Ok(PegInOutcome::Rejected);
                }
                if roll < 0.03 {
                    CHAIN_PEGIN.with(Status::Rejected).inc();
                    pegin.failed(PegInFailure::InvalidDeposit);
                    return Ok(PegInOutcome::Rejected);
                }
                let outcome = if roll < 0.05 {
                    // The node did not answer: looked up again at the next block.
                    pegin.retry();
                    bridge::record_error(BridgeErrorSeverity::Error);
                    Err(BridgeError::BitcoinRpc)
                } else {
                    Ok(PegInOutcome::Accepted)
                };
                act.pegins.insert(id, pegin);
                outcome
            }),
        )
    }
}

#[instrument_actor]
impl Handler<RequestPegOut> for BridgeActor {
    type Result = Result<(), BridgeError>;

    fn handle(&mut self, msg: RequestPegOut, ctx: &mut Context<Self>) -> Self::Result {
        msg.ticket.received();
        let pegout = PegOut::requested(msg.amount_sat);
        let Some(inputs) = self.select(msg.amount_sat) else {
            pegout.failed(PegOutFailure::InsufficientFunds);
            self.report_utxos();
            return Err(BridgeError::InsufficientFunds);
        };
        self.report_utxos();
        let id = self.id();
        self.pegouts.insert(
            id,
            PendingPegOut {
                pegout,
                inputs,
                signing_since: None,
            },
        );
        self.build_and_sign(id, ctx);
        Ok(())
    }
}

#[instrument_actor]
impl Handler<FederationUpdate> for BridgeActor {
    type Result = ();

    fn handle(&mut self, msg: FederationUpdate, _: &mut Context<Self>) {
        msg.ticket.received();
        bridge::federation_updated();
    }
}

#[instrument_actor]
impl Handler<MonitorBitcoinBlock> for BridgeActor {
    type Result = Result<u64, BridgeError>;

    fn handle(&mut self, msg: MonitorBitcoinBlock, _: &mut Context<Self>) -> Self::Result {
        msg.ticket.received();
        // Now and then the Bitcoin node is unreachable for a poll or three; the governance
        // link blips too; rarely an error is critical (a signing key unavailable for a while).
        if self.outage_polls == 0 && self.dice.chance(0.03) {
            self.outage_polls = u32::try_from(self.dice.int(1, 3)).unwrap_or(1);
            bridge::set_connected(BridgeLink::BitcoinNode, false);
        }
        let governance_up = !self.dice.chance(0.02);
        bridge::set_connected(BridgeLink::Governance, governance_up);
        if self.dice.chance(0.002) {
            bridge::record_error(BridgeErrorSeverity::Critical);
        }
        if self.outage_polls > 0 {
            self.outage_polls -= 1;
            if self.outage_polls == 0 {
                bridge::set_connected(BridgeLink::BitcoinNode, true);
            }
            CHAIN_BTC_BLOCK_MONITOR.with(Status::Failure).inc();
            bridge::record_error(BridgeErrorSeverity::Error);
            return Err(BridgeError::BitcoinRpc);
        }
        // Polled every 10 s; the simulated Bitcoin makes a block every 20 s on average.
        if self.dice.chance(0.5) {
            self.btc_height += 1;
            self.on_bitcoin_block();
        }
        CHAIN_BTC_BLOCK_MONITOR.with(Status::Success).inc();
        CHAIN_BTC_BLOCK_MONITOR_HEIGHT.set(i64::try_from(self.btc_height).unwrap_or(i64::MAX));
        Ok(self.btc_height)
    }
}

#[instrument_actor]
impl Handler<CreateAuxBlockTemplate> for BridgeActor {
    type Result = Result<u64, BridgeError>;

    fn handle(&mut self, msg: CreateAuxBlockTemplate, _: &mut Context<Self>) -> Self::Result {
        msg.ticket.received();
        let head = self.view.local_head.get();
        if head == 0 {
            CREATE_AUX_BLOCK_CALLS.with(Status::Rejected).inc();
            return Ok(0);
        }
        CREATE_AUX_BLOCK_CALLS.with(Status::Success).inc();
        self.template = Some(head);
        Ok(head)
    }
}

#[instrument_actor]
impl Handler<SubmitAuxPow> for BridgeActor {
    type Result = Result<(), BridgeError>;

    fn handle(&mut self, msg: SubmitAuxPow, _: &mut Context<Self>) -> Self::Result {
        msg.ticket.received();
        AUXPOW_HASHES_PROCESSED.observe(msg.hashes as f64);
        let Some(height) = self.template.take() else {
            AUXPOW_SUBMIT_BLOCK_CALLS.with(Status::Rejected).inc();
            return Ok(());
        };
        if self.dice.chance(0.02) {
            AUXPOW_SUBMIT_BLOCK_CALLS.with(Status::Failure).inc();
            return Err(BridgeError::InvalidAuxPow);
        }
        AUXPOW_SUBMIT_BLOCK_CALLS.with(Status::Success).inc();
        self.chain
            .offer(|ticket| AuxPowFinalized { height, ticket });
        Ok(())
    }
}

#[instrument_actor]
impl Handler<HealthCheck> for BridgeActor {
    type Result = bool;

    fn handle(&mut self, msg: HealthCheck, _: &mut Context<Self>) -> bool {
        msg.ticket.received();
        true
    }
}
