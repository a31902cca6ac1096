//! The bridge actor: Bitcoin peg-ins, the Bitcoin block monitor, and merged mining (AuxPoW)
//! that finalizes the chain.

use std::rc::Rc;
use std::time::Duration;

use actix::prelude::*;
use alys_metrics::catalogue::consensus::{
    AUXPOW_HASHES_PROCESSED, AUXPOW_SUBMIT_BLOCK_CALLS, CHAIN_BTC_BLOCK_MONITOR,
    CHAIN_BTC_BLOCK_MONITOR_HEIGHT, CHAIN_PEGIN, CHAIN_TOTAL_PEGIN_AMOUNT, CREATE_AUX_BLOCK_CALLS,
};
use alys_metrics::labels::Status;
use alys_metrics::prelude::*;

use super::chain::{AuxPowFinalized, ChainActor, ChainView};
use super::control::{carries_ticket, Dice, Slot, Ticket};
use super::HealthCheck;

/// A failed bridge operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BridgeError {
    /// The Bitcoin node did not answer.
    BitcoinRpc,
    /// The submitted proof of work was refused.
    InvalidAuxPow,
}

/// How a peg-in ended when the bridge handled it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PegInOutcome {
    /// Minted on the sidechain.
    Minted,
    /// Refused: too few confirmations, or an unknown federation address.
    Rejected,
}

// A refused peg-in is an answer, not a failure of the handler: a plain value, so
// `#[instrument_actor]` counts it `ok` with no impl needed.

/// The bridge actor (`actor_type="bridge"`).
pub struct BridgeActor {
    dice: Dice,
    view: Rc<ChainView>,
    chain: Rc<Slot<ChainActor>>,
    pegged_in: i64,
    btc_height: u64,
    /// The chain height the pending AuxPoW template commits to.
    template: Option<u64>,
}

impl BridgeActor {
    /// A bridge actor; Bitcoin is at `btc_height`.
    pub fn new(dice: Dice, view: Rc<ChainView>, chain: Rc<Slot<ChainActor>>) -> Self {
        Self {
            dice,
            view,
            chain,
            pegged_in: 0,
            btc_height: 871_000,
            template: None,
        }
    }
}

#[instrument_actor]
impl Actor for BridgeActor {
    type Context = Context<Self>;
}

#[instrument_actor]
impl actix::Supervised for BridgeActor {}

/// A peg-in of `amount_sat` satoshis seen on Bitcoin.
#[derive(Message)]
#[rtype(result = "Result<PegInOutcome, BridgeError>")]
pub struct ProcessPegIn {
    /// Its amount.
    pub amount_sat: i64,
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
    MonitorBitcoinBlock,
    CreateAuxBlockTemplate,
    SubmitAuxPow
);

#[instrument_actor]
impl Handler<ProcessPegIn> for BridgeActor {
    type Result = ResponseActFuture<Self, Result<PegInOutcome, BridgeError>>;

    fn handle(&mut self, msg: ProcessPegIn, _: &mut Context<Self>) -> Self::Result {
        msg.ticket.received();
        let roll = self.dice.unit();
        let work = self.dice.latency(Duration::from_millis(120), 0.6);
        let amount = msg.amount_sat;
        Box::pin(
            async move {
                tokio::time::sleep(work).await;
                if roll < 0.02 {
                    CHAIN_PEGIN.with(Status::Failure).inc();
                    Err(BridgeError::BitcoinRpc)
                } else if roll < 0.07 {
                    CHAIN_PEGIN.with(Status::Rejected).inc();
                    Ok(PegInOutcome::Rejected)
                } else {
                    CHAIN_PEGIN.with(Status::Success).inc();
                    Ok(PegInOutcome::Minted)
                }
            }
            .into_actor(self)
            .map(move |outcome, act, _| {
                if outcome == Ok(PegInOutcome::Minted) {
                    act.pegged_in = act.pegged_in.saturating_add(amount);
                    CHAIN_TOTAL_PEGIN_AMOUNT.set(act.pegged_in);
                }
                outcome
            }),
        )
    }
}

#[instrument_actor]
impl Handler<MonitorBitcoinBlock> for BridgeActor {
    type Result = Result<u64, BridgeError>;

    fn handle(&mut self, msg: MonitorBitcoinBlock, _: &mut Context<Self>) -> Self::Result {
        msg.ticket.received();
        if self.dice.chance(0.01) {
            CHAIN_BTC_BLOCK_MONITOR.with(Status::Failure).inc();
            return Err(BridgeError::BitcoinRpc);
        }
        // Polled every 10 s; Bitcoin makes a block every 10 minutes on average.
        if self.dice.chance(10.0 / 600.0) {
            self.btc_height += 1;
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
