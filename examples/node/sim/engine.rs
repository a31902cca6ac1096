//! The engine actor: the execution client that builds and commits payloads, through
//! `alys_metrics::chain::engine` (each build a `PayloadBuild`, each commit a
//! `PayloadExecution`, each call to the client an Engine API RPC) and routed to Lighthouse v4
//! or v5 by the migration's traffic split. A build that times out makes it stop; its actix
//! supervisor restarts it (reason `timeout`). While the client is unhealthy, builds fail.

use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use alys_metrics::actor::ActorMetrics;
use alys_metrics::catalogue::consensus::ENGINE_COMMIT_BLOCK_CALLS;
use alys_metrics::chain::engine::{self, PayloadBuild, PayloadExecution};
use alys_metrics::labels::{BuildBlockReason, EngineMethod, RestartReason, Status};
use alys_metrics::prelude::*;

use super::control::{carries_ticket, Dice, Ticket};
use super::lighthouse::{client_healthy, route};
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
        let build = PayloadBuild::start();
        let _version = route(&mut self.dice);
        let outcome = if client_healthy() {
            *self.dice.pick(&BUILD_OUTCOMES)
        } else {
            Some(EngineError::Engine)
        };
        let work = match outcome {
            Some(EngineError::Timeout) => Duration::from_millis(1500),
            _ => self.dice.latency(Duration::from_millis(60), 0.5),
        };
        let transactions = msg.transactions;
        Box::pin(
            async move {
                // forkchoiceUpdated starts the build, getPayload fetches it.
                let started = engine::rpc_async(EngineMethod::EngineForkchoiceUpdated, async {
                    tokio::time::sleep(work / 4).await;
                    match outcome {
                        Some(EngineError::NoPayloadId | EngineError::Engine) => Err(()),
                        _ => Ok(()),
                    }
                })
                .await;
                if started.is_ok() {
                    let _ = engine::rpc_async(EngineMethod::EngineGetPayload, async {
                        tokio::time::sleep(work - work / 4).await;
                        match outcome {
                            Some(EngineError::Timeout) => Err(()),
                            _ => Ok(()),
                        }
                    })
                    .await;
                }
                match outcome {
                    None => {
                        build.succeeded();
                        Ok(transactions)
                    }
                    Some(e) => {
                        build.failed(e.reason());
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
        let _version = route(&mut self.dice);
        let fails = !client_healthy() || self.dice.chance(0.004);
        let execute = self.dice.latency(Duration::from_millis(9), 0.4);
        let commit = self.dice.latency(Duration::from_millis(3), 0.4);
        let height = msg.height;
        Box::pin(async move {
            // newPayload: the client executes the block; forkchoiceUpdated makes it the head.
            let execution = PayloadExecution::start();
            let executed = engine::rpc_async(EngineMethod::EngineNewPayload, async {
                tokio::time::sleep(execute).await;
                if fails {
                    Err(())
                } else {
                    Ok(())
                }
            })
            .await;
            let _ = execution.finished();
            if executed.is_err() {
                ENGINE_COMMIT_BLOCK_CALLS.with(Status::Failure).inc();
                tracing::warn!(height, "engine refused to commit a block");
                return Err(EngineError::Engine);
            }
            let _ = engine::rpc_async(EngineMethod::EngineForkchoiceUpdated, async {
                tokio::time::sleep(commit).await;
                Ok::<_, ()>(())
            })
            .await;
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
