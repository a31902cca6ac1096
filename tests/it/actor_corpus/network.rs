//! `app/src/actors/network/`: every handler replies `NetworkActorResult<T>` =
//! `Result<Result<T, NetworkError>, ActorError>`, sync or in `actix::ResponseFuture`; an
//! `Ok(Err(NetworkError::..))` is an error. `PeerActor` says `network` by its word `Peer`.

use actix::prelude::*;
use alys_metrics::actor::MessageOutcome;
use alys_metrics::labels::{ActorType, MessageType};
use alys_metrics::prelude::*;

use super::{before, work, work_sync};

/// `app/src/actors/network/messages/mod.rs`.
#[derive(Debug, Clone)]
pub enum NetworkError {
    ProtocolError { message: String },
    ActorError { reason: String },
    ConnectionFailed { peer: String },
}

#[derive(Debug, Clone)]
pub enum ActorError {
    MailboxClosed,
}

pub type NetworkActorResult<T> = Result<Result<T, NetworkError>, ActorError>;

#[derive(Debug, Clone)]
pub struct BroadcastResponse {
    pub message_id: String,
    pub peers_reached: u32,
}

#[derive(Debug, Clone)]
pub struct NetworkStartResponse {
    pub listening: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct ConnectionResponse {
    pub peer_id: String,
}

#[derive(Debug, Clone)]
pub struct RestoreResponse {
    pub restored_height: u64,
}

#[derive(Message)]
#[rtype(result = "NetworkActorResult<BroadcastResponse>")]
pub struct BroadcastBlock {
    pub block_data: Vec<u8>,
    pub priority: bool,
}

#[derive(Message)]
#[rtype(result = "NetworkActorResult<NetworkStartResponse>")]
pub struct StartNetwork {
    pub listen_addresses: Vec<String>,
}

#[derive(Message)]
#[rtype(result = "NetworkActorResult<ConnectionResponse>")]
pub struct ConnectToPeer {
    pub peer_id: String,
    pub address: String,
}

#[derive(Message)]
#[rtype(result = "NetworkActorResult<()>")]
pub struct StopSync {
    pub force: bool,
}

#[derive(Message)]
#[rtype(result = "NetworkActorResult<RestoreResponse>")]
pub struct RestoreCheckpoint {
    pub checkpoint_id: String,
    pub verify_integrity: bool,
}

#[derive(Clone, Default)]
pub struct NetworkActor {
    swarm_started: bool,
    listen_addresses: Vec<String>,
}

impl Actor for NetworkActor {
    type Context = Context<Self>;
}

impl NetworkActor {
    async fn start_network_operations(&mut self) -> Result<NetworkStartResponse, NetworkError> {
        work(ActorType::Network, "NetworkActor", "StartNetwork").await;
        if self.listen_addresses.is_empty() {
            return Err(NetworkError::ProtocolError {
                message: "no listen address".into(),
            });
        }
        Ok(NetworkStartResponse {
            listening: self.listen_addresses.clone(),
        })
    }
}

// `app/src/actors/network/network/actor.rs:649-675`: sync, `Ok(Ok(..))` / `Ok(Err(..))`.
#[instrument_actor]
impl Handler<BroadcastBlock> for NetworkActor {
    type Result = NetworkActorResult<BroadcastResponse>;

    fn handle(&mut self, msg: BroadcastBlock, _ctx: &mut Context<Self>) -> Self::Result {
        work_sync(ActorType::Network, "NetworkActor", "BroadcastBlock");
        if self.swarm_started {
            let topic = if msg.priority {
                "federation_blocks"
            } else {
                "blocks"
            };
            if msg.block_data.is_empty() {
                return Ok(Err(NetworkError::ProtocolError {
                    message: format!("Failed to broadcast block on {topic}: empty"),
                }));
            }
            Ok(Ok(BroadcastResponse {
                message_id: format!("{topic}-1"),
                peers_reached: 3,
            }))
        } else {
            Ok(Err(NetworkError::ActorError {
                reason: "Network not initialized".to_string(),
            }))
        }
    }
}

// `network/actor.rs:621-638`: `actix::ResponseFuture`, written with its path.
#[instrument_actor]
impl Handler<StartNetwork> for NetworkActor {
    type Result = actix::ResponseFuture<NetworkActorResult<NetworkStartResponse>>;

    fn handle(&mut self, msg: StartNetwork, _ctx: &mut Context<Self>) -> Self::Result {
        self.listen_addresses = msg.listen_addresses;
        let mut actor_copy = self.clone();
        Box::pin(async move {
            match actor_copy.start_network_operations().await {
                Ok(response) => Ok(Ok(response)),
                Err(error) => Ok(Err(error)),
            }
        })
    }
}

#[derive(Clone, Default)]
pub struct PeerActor {
    reachable: Vec<String>,
}

impl Actor for PeerActor {
    type Context = Context<Self>;
}

impl PeerActor {
    fn clone_for_async(&self) -> Self {
        self.clone()
    }

    async fn connect_to_peer(
        &mut self,
        peer_id: String,
        address: String,
    ) -> Result<ConnectionResponse, NetworkError> {
        work(ActorType::Network, "PeerActor", "ConnectToPeer").await;
        if !self.reachable.contains(&address) {
            return Err(NetworkError::ConnectionFailed { peer: peer_id });
        }
        Ok(ConnectionResponse { peer_id })
    }
}

// `app/src/actors/network/peer/actor.rs:399-412`.
#[instrument_actor]
impl Handler<ConnectToPeer> for PeerActor {
    type Result = actix::ResponseFuture<NetworkActorResult<ConnectionResponse>>;

    fn handle(&mut self, msg: ConnectToPeer, _ctx: &mut Context<Self>) -> Self::Result {
        let mut actor = self.clone_for_async();
        Box::pin(async move {
            match actor.connect_to_peer(msg.peer_id, msg.address).await {
                Ok(response) => Ok(Ok(response)),
                Err(error) => Ok(Err(error)),
            }
        })
    }
}

#[derive(Clone)]
pub struct CheckpointManager;

impl CheckpointManager {
    async fn restore_checkpoint(
        &self,
        id: &str,
        _verify: bool,
    ) -> Result<((), RestoreResponse), NetworkError> {
        work(ActorType::Sync, "SyncActor", "RestoreCheckpoint").await;
        match id.parse() {
            Ok(restored_height) => Ok(((), RestoreResponse { restored_height })),
            Err(_) => Err(NetworkError::ProtocolError {
                message: format!("no checkpoint {id}"),
            }),
        }
    }
}

#[derive(Default)]
pub struct SyncActor {
    checkpoint_manager: Option<CheckpointManager>,
    operations: Vec<u64>,
}

impl Actor for SyncActor {
    type Context = Context<Self>;
}

// `app/src/actors/network/sync/actor.rs:402-419`: sync `NetworkActorResult<()>`.
#[instrument_actor]
impl Handler<StopSync> for SyncActor {
    type Result = NetworkActorResult<()>;

    fn handle(&mut self, msg: StopSync, _ctx: &mut Context<Self>) -> Self::Result {
        work_sync(ActorType::Sync, "SyncActor", "StopSync");
        tracing::info!("Stopping sync operations (force: {})", msg.force);
        if msg.force {
            self.operations.clear();
        }
        Ok(Ok(()))
    }
}

// `sync/actor.rs:479-498`.
#[instrument_actor]
impl Handler<RestoreCheckpoint> for SyncActor {
    type Result = ResponseFuture<NetworkActorResult<RestoreResponse>>;

    fn handle(&mut self, msg: RestoreCheckpoint, _ctx: &mut Context<Self>) -> Self::Result {
        let checkpoint_manager = self.checkpoint_manager.clone();
        Box::pin(async move {
            if let Some(checkpoint_manager) = checkpoint_manager {
                match checkpoint_manager
                    .restore_checkpoint(&msg.checkpoint_id, msg.verify_integrity)
                    .await
                {
                    Ok((_chain_state, restore_response)) => Ok(Ok(restore_response)),
                    Err(error) => Ok(Err(error)),
                }
            } else {
                Ok(Err(NetworkError::ProtocolError {
                    message: "Checkpoint manager not initialized".to_string(),
                }))
            }
        })
    }
}

#[actix_rt::test]
async fn broadcast_block_sync_nested_result() {
    let _s = crate::serial();
    let b = before(
        "NetworkActor",
        "BroadcastBlock",
        ActorType::Network,
        MessageType::Network,
    );
    let up = NetworkActor {
        swarm_started: true,
        ..Default::default()
    }
    .start();
    let down = NetworkActor::default().start();
    let sent = up
        .send(BroadcastBlock {
            block_data: vec![1],
            priority: true,
        })
        .await
        .unwrap();
    assert_eq!(sent.unwrap().unwrap().peers_reached, 3);
    assert!(up
        .send(BroadcastBlock {
            block_data: vec![],
            priority: false
        })
        .await
        .unwrap()
        .unwrap()
        .is_err());
    assert!(down
        .send(BroadcastBlock {
            block_data: vec![1],
            priority: false
        })
        .await
        .unwrap()
        .unwrap()
        .is_err());
    let _ = (
        ActorError::MailboxClosed,
        BroadcastResponse {
            message_id: String::new(),
            peers_reached: 0,
        }
        .message_id,
    );
    b.assert(
        &[(MessageOutcome::Ok, 1), (MessageOutcome::Error, 2)],
        3,
        true,
    );
}

#[actix_rt::test]
async fn start_network_response_future_nested_result() {
    let _s = crate::serial();
    let b = before(
        "NetworkActor",
        "StartNetwork",
        ActorType::Network,
        MessageType::Lifecycle,
    );
    let a = NetworkActor::default().start();
    let started = a.send(StartNetwork {
        listen_addresses: vec!["/ip4/0.0.0.0/tcp/30303".into()],
    });
    assert_eq!(started.await.unwrap().unwrap().unwrap().listening.len(), 1);
    assert!(a
        .send(StartNetwork {
            listen_addresses: vec![]
        })
        .await
        .unwrap()
        .unwrap()
        .is_err());
    b.assert(
        &[(MessageOutcome::Ok, 1), (MessageOutcome::Error, 1)],
        2,
        true,
    );
}

#[actix_rt::test]
async fn peer_actor_connect_is_network_by_its_word() {
    let _s = crate::serial();
    let b = before(
        "PeerActor",
        "ConnectToPeer",
        ActorType::Network,
        MessageType::Network,
    );
    let a = PeerActor {
        reachable: vec!["10.0.0.1:30303".into()],
    }
    .start();
    let ok = a.send(ConnectToPeer {
        peer_id: "p1".into(),
        address: "10.0.0.1:30303".into(),
    });
    assert_eq!(ok.await.unwrap().unwrap().unwrap().peer_id, "p1");
    let gone = a.send(ConnectToPeer {
        peer_id: "p2".into(),
        address: "10.0.0.2:30303".into(),
    });
    assert!(gone.await.unwrap().unwrap().is_err());
    b.assert(
        &[(MessageOutcome::Ok, 1), (MessageOutcome::Error, 1)],
        2,
        true,
    );
}

#[actix_rt::test]
async fn stop_sync_sync_nested_unit() {
    let _s = crate::serial();
    let b = before(
        "SyncActor",
        "StopSync",
        ActorType::Sync,
        MessageType::Lifecycle,
    );
    let a = SyncActor::default().start();
    assert!(a
        .send(StopSync { force: true })
        .await
        .unwrap()
        .unwrap()
        .is_ok());
    b.assert(&[(MessageOutcome::Ok, 1)], 1, true);
}

#[actix_rt::test]
async fn restore_checkpoint_three_outcomes_of_a_nested_result() {
    let _s = crate::serial();
    let b = before(
        "SyncActor",
        "RestoreCheckpoint",
        ActorType::Sync,
        MessageType::Storage,
    );
    let with = SyncActor {
        checkpoint_manager: Some(CheckpointManager),
        ..Default::default()
    }
    .start();
    let without = SyncActor::default().start();
    let restore = |id: &str| RestoreCheckpoint {
        checkpoint_id: id.into(),
        verify_integrity: true,
    };
    assert_eq!(
        with.send(restore("42"))
            .await
            .unwrap()
            .unwrap()
            .unwrap()
            .restored_height,
        42
    );
    assert!(with
        .send(restore("latest"))
        .await
        .unwrap()
        .unwrap()
        .is_err());
    assert!(without.send(restore("42")).await.unwrap().unwrap().is_err());
    // Two awaited the checkpoint manager; the third answered at once.
    b.assert(
        &[(MessageOutcome::Ok, 1), (MessageOutcome::Error, 2)],
        2,
        true,
    );
}
