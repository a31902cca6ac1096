//! `crates/actor_system/`: the `Supervisor`'s enum message with a hand-written `impl Message`
//! and a sync `ActorResult<SupervisorResponse>`; the `macro_rules!` of `actor_macros.rs` that
//! writes handlers for any actor (the attribute on the macro's `impl`, unchanged, invoked for
//! two actors); the `#[async_trait]` `AlysActor::handle_supervisor_message`.

use actix::prelude::*;
use alys_metrics::actor::MessageOutcome;
use alys_metrics::labels::{ActorType, MessageType};
use alys_metrics::prelude::*;
use async_trait::async_trait;

use super::{before, work, work_sync};

/// `crates/actor_system/src/error.rs` (abridged).
#[derive(Debug, Clone)]
pub enum ActorError {
    NotFound { id: String },
    HealthCheckFailed,
}

impl std::fmt::Display for ActorError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

pub type ActorResult<T> = Result<T, ActorError>;

/// `crates/actor_system/src/supervisor.rs` (abridged): an enum message.
#[derive(Debug, Clone)]
pub enum SupervisorMessage {
    ChildFailed { child_id: String, error: String },
    GetTreeStatus,
    HealthCheck,
    RemoveChild { child_id: String },
}

impl Message for SupervisorMessage {
    type Result = ActorResult<SupervisorResponse>;
}

#[derive(Debug, Clone, PartialEq)]
pub enum SupervisorResponse {
    Success,
    TreeStatus { children_count: usize },
    HealthReport { overall_health: bool },
}

#[derive(Default)]
pub struct Supervisor {
    children: Vec<String>,
}

impl Actor for Supervisor {
    type Context = Context<Self>;
}

// `crates/actor_system/src/supervisor.rs:647-710`.
#[instrument_actor]
impl Handler<SupervisorMessage> for Supervisor {
    type Result = ActorResult<SupervisorResponse>;

    fn handle(&mut self, msg: SupervisorMessage, _ctx: &mut Self::Context) -> Self::Result {
        work_sync(ActorType::Supervisor, "Supervisor", "SupervisorMessage");
        match msg {
            SupervisorMessage::ChildFailed { child_id, error } => {
                tracing::error!("Child actor failed: {} - {}", child_id, error);
                Ok(SupervisorResponse::Success)
            }
            SupervisorMessage::GetTreeStatus => Ok(SupervisorResponse::TreeStatus {
                children_count: self.children.len(),
            }),
            SupervisorMessage::HealthCheck => Ok(SupervisorResponse::HealthReport {
                overall_health: true,
            }),
            SupervisorMessage::RemoveChild { child_id } => {
                if !self.children.contains(&child_id) {
                    return Err(ActorError::NotFound { id: child_id });
                }
                self.children.retain(|c| *c != child_id);
                Ok(SupervisorResponse::Success)
            }
        }
    }
}

/// `crates/actor_system/src/actor.rs` `HealthCheck` (abridged).
#[derive(Debug)]
pub struct HealthCheck;

impl Message for HealthCheck {
    type Result = ActorResult<bool>;
}

#[derive(Debug)]
pub struct ExampleMessage {
    pub value: u64,
}

impl Message for ExampleMessage {
    type Result = ActorResult<u64>;
}

/// `actor_macros.rs`' `impl_message_handler!`, with the attribute on its `impl`. The body keeps
/// its shape; where upstream moves `self` into the future, a clone goes in.
macro_rules! impl_message_handler {
    ($actor:ident, $message:ty => $result:ty, $handler:ident) => {
        #[instrument_actor]
        impl actix::Handler<$message> for $actor {
            type Result = actix::ResponseActFuture<Self, $result>;

            fn handle(&mut self, msg: $message, _ctx: &mut Self::Context) -> Self::Result {
                let start_time = std::time::Instant::now();
                tracing::debug!(
                    actor_type = stringify!($actor),
                    message_type = stringify!($message),
                    "Handling message"
                );
                let mut this = self.clone();
                let fut = async move {
                    let result = this.$handler(msg).await;
                    let duration = start_time.elapsed();
                    match &result {
                        Ok(_) => tracing::debug!(duration_ms = duration.as_millis(), "Message handled successfully"),
                        Err(e) => tracing::error!(error = %e, "Message handling failed"),
                    }
                    result
                };
                Box::pin(fut.into_actor(self))
            }
        }
    };
}

/// `actor_macros.rs`' `impl_health_check!`, here with `$actor:ty`: the actor arrives as a
/// type fragment (a none-delimited group), as it does in macros that take a path.
macro_rules! impl_health_check {
    ($actor:ty) => {
        #[instrument_actor]
        impl actix::Handler<HealthCheck> for $actor {
            type Result = actix::ResponseActFuture<Self, ActorResult<bool>>;

            fn handle(&mut self, _msg: HealthCheck, _ctx: &mut Self::Context) -> Self::Result {
                let this = self.clone();
                Box::pin(
                    async move { this.health_check().await.map_err(|e| e.into()) }.into_actor(self),
                )
            }
        }
    };
}

/// The only actor the macros are invoked for upstream (`enhanced_actor_example.rs`).
#[derive(Clone, Default)]
pub struct ExampleBlockchainActor {
    healthy: bool,
}

impl Actor for ExampleBlockchainActor {
    type Context = Context<Self>;
}

/// A second actor the same macros write handlers for.
#[derive(Clone, Default)]
pub struct StorageWorker {
    healthy: bool,
}

impl Actor for StorageWorker {
    type Context = Context<Self>;
}

macro_rules! example_methods {
    ($($actor:ident => $name:literal, $t:expr),*) => {$(
        impl $actor {
            async fn handle_example(&mut self, msg: ExampleMessage) -> ActorResult<u64> {
                work($t, $name, "ExampleMessage").await;
                if msg.value == 0 {
                    return Err(ActorError::NotFound { id: "zero".into() });
                }
                Ok(msg.value * 2)
            }

            async fn health_check(&self) -> ActorResult<bool> {
                work($t, $name, "HealthCheck").await;
                if self.healthy { Ok(true) } else { Err(ActorError::HealthCheckFailed) }
            }
        }
    )*};
}

example_methods!(
    ExampleBlockchainActor => "ExampleBlockchainActor", ActorType::Unclassified,
    StorageWorker => "StorageWorker", ActorType::Storage
);

impl_message_handler!(ExampleBlockchainActor, ExampleMessage => ActorResult<u64>, handle_example);
impl_message_handler!(StorageWorker, ExampleMessage => ActorResult<u64>, handle_example);
impl_health_check!(ExampleBlockchainActor);
impl_health_check!(crate::actor_corpus::actor_system::StorageWorker);

/// `crates/actor_system/src/actor.rs`: the `#[async_trait]` trait every Alys actor
/// implements, with a `handle_*` default method (abridged to that method).
#[async_trait]
pub trait AlysActor {
    async fn handle_supervisor_message(&mut self, msg: SupervisorMessage) -> ActorResult<()>;
}

#[instrument_actor]
#[async_trait]
impl AlysActor for ExampleBlockchainActor {
    async fn handle_supervisor_message(&mut self, msg: SupervisorMessage) -> ActorResult<()> {
        match msg {
            SupervisorMessage::HealthCheck => {
                let healthy = self.health_check().await?;
                if !healthy {
                    tracing::warn!("Actor health check failed");
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }
}

#[actix_rt::test]
async fn supervisor_enum_message() {
    let _s = crate::serial();
    let b = before(
        "Supervisor",
        "SupervisorMessage",
        ActorType::Supervisor,
        MessageType::Unclassified,
    );
    let s = Supervisor {
        children: vec!["engine".into()],
    }
    .start();
    assert_eq!(
        s.send(SupervisorMessage::GetTreeStatus)
            .await
            .unwrap()
            .unwrap(),
        SupervisorResponse::TreeStatus { children_count: 1 }
    );
    let failed = SupervisorMessage::ChildFailed {
        child_id: "sync".into(),
        error: "panic".into(),
    };
    assert!(s.send(failed).await.unwrap().is_ok());
    assert!(s
        .send(SupervisorMessage::HealthCheck)
        .await
        .unwrap()
        .is_ok());
    assert!(s
        .send(SupervisorMessage::RemoveChild {
            child_id: "nope".into()
        })
        .await
        .unwrap()
        .is_err());
    b.assert(
        &[(MessageOutcome::Ok, 3), (MessageOutcome::Error, 1)],
        4,
        true,
    );
}

#[actix_rt::test]
async fn a_macro_rules_handler_for_two_actors() {
    let _s = crate::serial();
    let example = ExampleBlockchainActor { healthy: true }.start();
    let storage = StorageWorker::default().start();
    // Each actor the macro is invoked for has its own series, with its own category.
    let b = before(
        "ExampleBlockchainActor",
        "ExampleMessage",
        ActorType::Unclassified,
        MessageType::Unclassified,
    );
    assert_eq!(
        example
            .send(ExampleMessage { value: 2 })
            .await
            .unwrap()
            .unwrap(),
        4
    );
    assert!(example
        .send(ExampleMessage { value: 0 })
        .await
        .unwrap()
        .is_err());
    b.assert(
        &[(MessageOutcome::Ok, 1), (MessageOutcome::Error, 1)],
        2,
        true,
    );
    let b = before(
        "StorageWorker",
        "ExampleMessage",
        ActorType::Storage,
        MessageType::Unclassified,
    );
    assert_eq!(
        storage
            .send(ExampleMessage { value: 3 })
            .await
            .unwrap()
            .unwrap(),
        6
    );
    b.assert(&[(MessageOutcome::Ok, 1)], 1, true);
    let b = before(
        "ExampleBlockchainActor",
        "HealthCheck",
        ActorType::Unclassified,
        MessageType::Lifecycle,
    );
    assert!(example.send(HealthCheck).await.unwrap().unwrap());
    b.assert(&[(MessageOutcome::Ok, 1)], 1, true);
    let b = before(
        "StorageWorker",
        "HealthCheck",
        ActorType::Storage,
        MessageType::Lifecycle,
    );
    assert!(storage.send(HealthCheck).await.unwrap().is_err());
    b.assert(&[(MessageOutcome::Error, 1)], 1, true);
}

#[actix_rt::test]
async fn an_async_trait_handle_method() {
    let _s = crate::serial();
    let b = before(
        "ExampleBlockchainActor",
        "SupervisorMessage",
        ActorType::Unclassified,
        MessageType::Unclassified,
    );
    let mut healthy = ExampleBlockchainActor { healthy: true };
    let mut sick = ExampleBlockchainActor::default();
    assert!(healthy
        .handle_supervisor_message(SupervisorMessage::HealthCheck)
        .await
        .is_ok());
    assert!(sick
        .handle_supervisor_message(SupervisorMessage::HealthCheck)
        .await
        .is_err());
    assert!(sick
        .handle_supervisor_message(SupervisorMessage::GetTreeStatus)
        .await
        .is_ok());
    // The health check it awaits is a plain method: in flight is the trait method's message.
    b.assert(
        &[(MessageOutcome::Ok, 2), (MessageOutcome::Error, 1)],
        2,
        false,
    );
}
