//! The engine actor: the execution client that builds and commits payloads. A build that
//! times out makes it stop; its actix supervisor restarts it (reason `timeout`).

use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use alys_metrics::actor::ActorMetrics;
use alys_metrics::catalogue::consensus::{ENGINE_BUILD_BLOCK_CALLS, ENGINE_COMMIT_BLOCK_CALLS};
use alys_metrics::labels::{BuildBlockReason, RestartReason, Status};
use alys_metrics::prelude::*;

use super::control::{carries_ticket, Dice, Ticket};
use super::HealthCheck;

/// Why the engine failed a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EngineError {
    /// No answer in time.
    Timeout,
    /// The engine answered with an error.
    Engine,
    /// The engine accepted the request but returned no payload id.
    NoPayloadId,
}

impl EngineError {
    /// The `status` this error is counted under.
    pub fn status(self) -> Status {
        match self {
            EngineError::Timeout => Status::Timeout,
            EngineError::Engine | EngineError::NoPayloadId => Status::Failure,
        }
    }

    fn reason(self) -> BuildBlockReason {
        match self {
            EngineError::Timeout => BuildBlockReason::Timeout,
            EngineError::Engine => BuildBlockReason::EngineError,
            EngineError::NoPayloadId => BuildBlockReason::NoPayloadId,
        }
    }
}

/// The engine actor (`actor_type="engine"`).
pub struct EngineActor {
    metrics: Arc<ActorMetrics>,
    dice: Dice,
}

impl EngineActor {
    /// An engine actor.
    pub fn new(metrics: Arc<ActorMetrics>, dice: Dice) -> Self {
        Self { metrics, dice }
    }
}

#[instrument_actor]
impl Actor for EngineActor {
    type Context = Context<Self>;
}

#[instrument_actor]
impl actix::Supervised for EngineActor {
    fn restarting(&mut self, _: &mut Context<Self>) {
        self.metrics.record_restart(RestartReason::Timeout);
        tracing::warn!("engine actor restarted after a timed-out build");
    }
}

/// Build a payload with up to `transactions` transactions; answers how many it holds.
#[derive(Message)]
#[rtype(result = "Result<u64, EngineError>")]
pub struct BuildBlock {
    /// Transactions to include.
    pub transactions: u64,
    /// Its mailbox ticket.
    pub ticket: Ticket,
}

/// Commit the block at `height` (fork choice update).
#[derive(Message)]
#[rtype(result = "Result<(), EngineError>")]
pub struct CommitBlock {
    /// The block's height.
    pub height: u64,
    /// Its mailbox ticket.
    pub ticket: Ticket,
}

carries_ticket!(BuildBlock, CommitBlock);

const BUILD_OUTCOMES: [(Option<EngineError>, f64); 4] = [
    (None, 975.0),
    (Some(EngineError::Timeout), 10.0),
    (Some(EngineError::Engine), 10.0),
    (Some(EngineError::NoPayloadId), 5.0),
];

#[instrument_actor]
impl Handler<BuildBlock> for EngineActor {
    type Result = ResponseActFuture<Self, Result<u64, EngineError>>;

    fn handle(&mut self, msg: BuildBlock, _: &mut Context<Self>) -> Self::Result {
        msg.ticket.received();
        let outcome = *self.dice.pick(&BUILD_OUTCOMES);
        let work = match outcome {
            Some(EngineError::Timeout) => Duration::from_millis(1500),
            _ => self.dice.latency(Duration::from_millis(60), 0.5),
        };
        let transactions = msg.transactions;
        Box::pin(
            async move {
                tokio::time::sleep(work).await;
                match outcome {
                    None => {
                        ENGINE_BUILD_BLOCK_CALLS
                            .with(Status::Success, BuildBlockReason::None)
                            .inc();
                        Ok(transactions)
                    }
                    Some(e) => {
                        ENGINE_BUILD_BLOCK_CALLS.with(e.status(), e.reason()).inc();
                        Err(e)
                    }
                }
            }
            .into_actor(self)
            .map(|result, _act, ctx| {
                if matches!(result, Err(EngineError::Timeout)) {
                    // The supervisor's restart is counted with this reason.
                    alys_metrics::actor::supervision::stop_reason(RestartReason::Timeout);
                    ctx.stop();
                }
                result
            }),
        )
    }
}

#[instrument_actor]
impl Handler<CommitBlock> for EngineActor {
    type Result = ResponseFuture<Result<(), EngineError>>;

    fn handle(&mut self, msg: CommitBlock, _: &mut Context<Self>) -> Self::Result {
        msg.ticket.received();
        let fails = self.dice.chance(0.004);
        let work = self.dice.latency(Duration::from_millis(12), 0.4);
        let height = msg.height;
        Box::pin(async move {
            tokio::time::sleep(work).await;
            if fails {
                ENGINE_COMMIT_BLOCK_CALLS.with(Status::Failure).inc();
                tracing::warn!(height, "engine refused to commit a block");
                return Err(EngineError::Engine);
            }
            ENGINE_COMMIT_BLOCK_CALLS.with(Status::Success).inc();
            Ok(())
        })
    }
}

#[instrument_actor]
impl Handler<HealthCheck> for EngineActor {
    type Result = bool;

    fn handle(&mut self, msg: HealthCheck, _: &mut Context<Self>) -> bool {
        msg.ticket.received();
        true
    }
}
