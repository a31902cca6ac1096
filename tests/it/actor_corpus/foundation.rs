//! `app/src/actors/foundation/` and `app/src/actors/supervisor.rs`: the bridge's peg-in as an
//! actor future, its stats as a sync `Result<Struct, BridgeError>`, an actor future from a
//! method (`Box::pin(self.refresh_utxos_async().into_actor(self))`); the health monitor with
//! `#[tracing::instrument]` on `handle` and a plain struct reply; the root supervisor's
//! actor futures on a clone; `AlysRootSupervisor`'s `fn handle` written without a return type.

use std::collections::HashMap;

use actix::prelude::*;
use alys_metrics::actor::MessageOutcome;
use alys_metrics::labels::{ActorType, MessageType};
use alys_metrics::prelude::*;

use super::{before, work, work_sync};

#[derive(Debug, Clone)]
pub enum BridgeError {
    InsufficientConfirmations { got: u32, required: u32 },
    UtxoRefreshFailed(String),
}

#[derive(Debug, Clone)]
pub struct BridgeStats {
    pub total_pegins_processed: u64,
    pub success_rate: f64,
}

#[derive(Message)]
#[rtype(result = "Result<(), BridgeError>")]
pub struct ProcessPegin {
    pub tx: u64,
    pub confirmations: u32,
}

#[derive(Message)]
#[rtype(result = "Result<BridgeStats, BridgeError>")]
pub struct GetBridgeStats;

#[derive(Message)]
#[rtype(result = "Result<(), BridgeError>")]
pub struct RefreshUtxos;

#[derive(Clone, Default)]
pub struct BridgeActor {
    pegins: u64,
    utxo_source_up: bool,
}

impl Actor for BridgeActor {
    type Context = Context<Self>;
}

impl BridgeActor {
    async fn process_pegin_internal(
        &self,
        _tx: u64,
        confirmations: u32,
    ) -> Result<(), BridgeError> {
        work(ActorType::Bridge, "BridgeActor", "ProcessPegin").await;
        if confirmations < 6 {
            return Err(BridgeError::InsufficientConfirmations {
                got: confirmations,
                required: 6,
            });
        }
        Ok(())
    }

    fn refresh_utxos_async(
        &self,
    ) -> impl std::future::Future<Output = Result<(), BridgeError>> + 'static {
        let up = self.utxo_source_up;
        async move {
            work(ActorType::Bridge, "BridgeActor", "RefreshUtxos").await;
            if up {
                Ok(())
            } else {
                Err(BridgeError::UtxoRefreshFailed("bitcoind down".into()))
            }
        }
    }
}

// `app/src/actors/foundation/bridge/actor.rs:374-396`.
#[instrument_actor]
impl Handler<ProcessPegin> for BridgeActor {
    type Result = ResponseActFuture<Self, Result<(), BridgeError>>;

    fn handle(&mut self, msg: ProcessPegin, _: &mut Context<Self>) -> Self::Result {
        let this = self.clone();
        Box::pin(
            async move {
                let result = this.process_pegin_internal(msg.tx, msg.confirmations).await;
                match &result {
                    Ok(()) => tracing::debug!("peg-in processed"),
                    Err(e) => tracing::warn!(error = ?e, "peg-in failed"),
                }
                result
            }
            .into_actor(self),
        )
    }
}

// `bridge/actor.rs:439-467`.
#[instrument_actor]
impl Handler<GetBridgeStats> for BridgeActor {
    type Result = Result<BridgeStats, BridgeError>;

    fn handle(&mut self, _: GetBridgeStats, _: &mut Context<Self>) -> Self::Result {
        work_sync(ActorType::Bridge, "BridgeActor", "GetBridgeStats");
        let total_attempts = self.pegins + 1;
        let success_rate = self.pegins as f64 / total_attempts as f64;
        Ok(BridgeStats {
            total_pegins_processed: self.pegins,
            success_rate,
        })
    }
}

// `bridge/actor.rs:469-475`: the actor future comes from a method.
#[instrument_actor]
impl Handler<RefreshUtxos> for BridgeActor {
    type Result = ResponseActFuture<Self, Result<(), BridgeError>>;

    fn handle(&mut self, _: RefreshUtxos, _: &mut Context<Self>) -> Self::Result {
        Box::pin(self.refresh_utxos_async().into_actor(self))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HealthMonitorError {
    ActorAlreadyRegistered { actor_name: String },
}

#[derive(Debug, Clone)]
pub enum ActorPriority {
    Critical,
    Normal,
}

/// `app/src/actors/foundation/health.rs` (orphan module, real code).
#[derive(Message, Debug)]
#[rtype(result = "Result<(), HealthMonitorError>")]
pub struct RegisterActor {
    pub name: String,
    pub priority: ActorPriority,
}

#[derive(Message)]
#[rtype(result = "SystemHealthState")]
pub struct GetSystemHealth;

#[derive(Debug, Clone, Default, MessageResponse)]
pub struct SystemHealthState {
    pub healthy_actors: usize,
}

#[derive(Default)]
pub struct HealthMonitor {
    monitored_actors: HashMap<String, ActorPriority>,
    system_health: SystemHealthState,
}

impl Actor for HealthMonitor {
    type Context = Context<Self>;
}

// `health.rs:804-847`: `#[instrument(skip(self))]` from tracing on `handle`, under ours.
#[instrument_actor]
impl Handler<RegisterActor> for HealthMonitor {
    type Result = Result<(), HealthMonitorError>;

    #[tracing::instrument(skip(self))]
    fn handle(&mut self, msg: RegisterActor, _ctx: &mut Self::Context) -> Self::Result {
        work_sync(ActorType::System, "HealthMonitor", "RegisterActor");
        if self.monitored_actors.contains_key(&msg.name) {
            return Err(HealthMonitorError::ActorAlreadyRegistered {
                actor_name: msg.name,
            });
        }
        self.monitored_actors.insert(msg.name.clone(), msg.priority);
        self.system_health.healthy_actors = self.monitored_actors.len();
        Ok(())
    }
}

// `health.rs:881-887`: a plain struct.
#[instrument_actor]
impl Handler<GetSystemHealth> for HealthMonitor {
    type Result = SystemHealthState;

    fn handle(&mut self, _msg: GetSystemHealth, _ctx: &mut Self::Context) -> Self::Result {
        work_sync(ActorType::System, "HealthMonitor", "GetSystemHealth");
        self.system_health.clone()
    }
}

#[derive(Debug, Clone)]
pub enum RootSupervisorError {
    ActorNotFound(String),
}

#[derive(Debug, Clone)]
pub struct RestartAttemptRecord {
    pub attempt: u32,
}

#[derive(Message)]
#[rtype(result = "Result<(), RootSupervisorError>")]
pub struct RegisterSupervised {
    pub actor_info: String,
}

#[derive(Message)]
#[rtype(result = "Result<RestartAttemptRecord, RootSupervisorError>")]
pub struct RestartActor {
    pub actor_type: String,
    pub reason: String,
}

#[derive(Clone, Default)]
pub struct RootSupervisor {
    registered: Vec<String>,
}

impl Actor for RootSupervisor {
    type Context = Context<Self>;
}

impl RootSupervisor {
    async fn register_actor(&mut self, actor_info: String) -> Result<(), RootSupervisorError> {
        work(
            ActorType::Supervisor,
            "RootSupervisor",
            "RegisterSupervised",
        )
        .await;
        self.registered.push(actor_info);
        Ok(())
    }

    async fn restart_actor(
        &mut self,
        actor_type: &str,
        _reason: String,
    ) -> Result<RestartAttemptRecord, RootSupervisorError> {
        work(ActorType::Supervisor, "RootSupervisor", "RestartActor").await;
        if actor_type.is_empty() {
            return Err(RootSupervisorError::ActorNotFound(actor_type.into()));
        }
        Ok(RestartAttemptRecord { attempt: 1 })
    }
}

// `app/src/actors/foundation/root_supervisor.rs:778-790` (its message is also named
// `RegisterActor` upstream; renamed here, beside the health monitor's).
#[instrument_actor]
impl Handler<RegisterSupervised> for RootSupervisor {
    type Result = ResponseActFuture<Self, Result<(), RootSupervisorError>>;

    fn handle(&mut self, msg: RegisterSupervised, _ctx: &mut Self::Context) -> Self::Result {
        let mut supervisor = self.clone();
        Box::pin(async move { supervisor.register_actor(msg.actor_info).await }.into_actor(self))
    }
}

// `root_supervisor.rs:792-804`.
#[instrument_actor]
impl Handler<RestartActor> for RootSupervisor {
    type Result = ResponseActFuture<Self, Result<RestartAttemptRecord, RootSupervisorError>>;

    fn handle(&mut self, msg: RestartActor, _ctx: &mut Self::Context) -> Self::Result {
        let mut supervisor = self.clone();
        Box::pin(
            async move { supervisor.restart_actor(&msg.actor_type, msg.reason).await }
                .into_actor(self),
        )
    }
}

#[derive(Message)]
#[rtype(result = "()")]
pub struct RegisterRestartable {
    pub name: String,
}

#[derive(Message)]
#[rtype(result = "HashMap<String, bool>")]
pub struct GetHealthStatus;

#[derive(Default)]
pub struct AlysRootSupervisor {
    health_status: HashMap<String, bool>,
}

impl Actor for AlysRootSupervisor {
    type Context = Context<Self>;
}

// `app/src/actors/supervisor.rs:167-173`: `fn handle` without `-> Self::Result`.
#[instrument_actor]
impl Handler<RegisterRestartable> for AlysRootSupervisor {
    type Result = ();

    fn handle(&mut self, msg: RegisterRestartable, _ctx: &mut Self::Context) {
        work_sync(
            ActorType::Supervisor,
            "AlysRootSupervisor",
            "RegisterRestartable",
        );
        self.health_status.insert(msg.name, true);
    }
}

// `supervisor.rs:196-202`: a `HashMap` (upstream as `type Result = HashMap<..>`, which actix
// does not accept as a reply; actix's `MessageResult` carries it).
#[instrument_actor]
impl Handler<GetHealthStatus> for AlysRootSupervisor {
    type Result = MessageResult<GetHealthStatus>;

    fn handle(&mut self, _msg: GetHealthStatus, _ctx: &mut Self::Context) -> Self::Result {
        work_sync(
            ActorType::Supervisor,
            "AlysRootSupervisor",
            "GetHealthStatus",
        );
        MessageResult(self.health_status.clone())
    }
}

#[actix_rt::test]
async fn process_pegin_actor_future() {
    let _s = crate::serial();
    let b = before(
        "BridgeActor",
        "ProcessPegin",
        ActorType::Bridge,
        MessageType::Bridge,
    );
    let a = BridgeActor::default().start();
    assert!(a
        .send(ProcessPegin {
            tx: 1,
            confirmations: 6
        })
        .await
        .unwrap()
        .is_ok());
    assert!(a
        .send(ProcessPegin {
            tx: 2,
            confirmations: 1
        })
        .await
        .unwrap()
        .is_err());
    b.assert(
        &[(MessageOutcome::Ok, 1), (MessageOutcome::Error, 1)],
        2,
        true,
    );
}

#[actix_rt::test]
async fn bridge_stats_result_struct() {
    let _s = crate::serial();
    let b = before(
        "BridgeActor",
        "GetBridgeStats",
        ActorType::Bridge,
        MessageType::Bridge,
    );
    let a = BridgeActor::default().start();
    assert_eq!(
        a.send(GetBridgeStats)
            .await
            .unwrap()
            .unwrap()
            .total_pegins_processed,
        0
    );
    b.assert(&[(MessageOutcome::Ok, 1)], 1, true);
}

#[actix_rt::test]
async fn refresh_utxos_actor_future_from_a_method() {
    let _s = crate::serial();
    let b = before(
        "BridgeActor",
        "RefreshUtxos",
        ActorType::Bridge,
        MessageType::Unclassified,
    );
    let up = BridgeActor {
        utxo_source_up: true,
        ..Default::default()
    }
    .start();
    let down = BridgeActor::default().start();
    assert!(up.send(RefreshUtxos).await.unwrap().is_ok());
    assert!(down.send(RefreshUtxos).await.unwrap().is_err());
    b.assert(
        &[(MessageOutcome::Ok, 1), (MessageOutcome::Error, 1)],
        2,
        true,
    );
}

#[actix_rt::test]
async fn health_monitor_register_actor_under_tracing_instrument() {
    let _s = crate::serial();
    let b = before(
        "HealthMonitor",
        "RegisterActor",
        ActorType::System,
        MessageType::Unclassified,
    );
    let m = HealthMonitor::default().start();
    let reg = |name: &str| RegisterActor {
        name: name.into(),
        priority: ActorPriority::Critical,
    };
    assert!(m.send(reg("chain")).await.unwrap().is_ok());
    assert_eq!(
        m.send(reg("chain")).await.unwrap(),
        Err(HealthMonitorError::ActorAlreadyRegistered {
            actor_name: "chain".into()
        })
    );
    let _ = ActorPriority::Normal;
    b.assert(
        &[(MessageOutcome::Ok, 1), (MessageOutcome::Error, 1)],
        2,
        true,
    );
}

#[actix_rt::test]
async fn system_health_plain_struct() {
    let _s = crate::serial();
    let b = before(
        "HealthMonitor",
        "GetSystemHealth",
        ActorType::System,
        MessageType::Lifecycle,
    );
    let m = HealthMonitor::default().start();
    assert_eq!(m.send(GetSystemHealth).await.unwrap().healthy_actors, 0);
    b.assert(&[(MessageOutcome::Ok, 1)], 1, true);
}

#[actix_rt::test]
async fn root_supervisor_actor_futures_on_a_clone() {
    let _s = crate::serial();
    let s = RootSupervisor::default().start();
    let b = before(
        "RootSupervisor",
        "RegisterSupervised",
        ActorType::Supervisor,
        MessageType::Unclassified,
    );
    assert!(s
        .send(RegisterSupervised {
            actor_info: "engine".into()
        })
        .await
        .unwrap()
        .is_ok());
    b.assert(&[(MessageOutcome::Ok, 1)], 1, true);
    let b = before(
        "RootSupervisor",
        "RestartActor",
        ActorType::Supervisor,
        MessageType::Lifecycle,
    );
    let restart = |t: &str| RestartActor {
        actor_type: t.into(),
        reason: "panic".into(),
    };
    assert_eq!(s.send(restart("engine")).await.unwrap().unwrap().attempt, 1);
    assert!(s.send(restart("")).await.unwrap().is_err());
    b.assert(
        &[(MessageOutcome::Ok, 1), (MessageOutcome::Error, 1)],
        2,
        true,
    );
}

#[actix_rt::test]
async fn alys_root_supervisor_handle_without_return_type() {
    let _s = crate::serial();
    let s = AlysRootSupervisor::default().start();
    let b = before(
        "AlysRootSupervisor",
        "RegisterRestartable",
        ActorType::Supervisor,
        MessageType::Unclassified,
    );
    s.send(RegisterRestartable {
        name: "sync".into(),
    })
    .await
    .unwrap();
    b.assert(&[(MessageOutcome::Ok, 1)], 1, true);
    let b = before(
        "AlysRootSupervisor",
        "GetHealthStatus",
        ActorType::Supervisor,
        MessageType::Lifecycle,
    );
    assert_eq!(s.send(GetHealthStatus).await.unwrap().len(), 1);
    b.assert(&[(MessageOutcome::Ok, 1)], 1, true);
}
