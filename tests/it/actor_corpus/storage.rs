//! `app/src/actors/storage/` and `app/src/actors/governance_stream/`: a `ResponseFuture` of
//! `Result<Vec<_>, StorageError>` with early `return Box::pin(..)` and `?` inside, one of a
//! plain struct (a plain value inside a future is `ok`), and the governance stream's
//! `Result<ConnectionStatus, StreamError>` and actor-future connect.

use std::sync::Arc;
use std::time::Duration;

use actix::prelude::*;
use alys_metrics::actor::MessageOutcome;
use alys_metrics::labels::{ActorType, MessageType};
use alys_metrics::prelude::*;

use super::{before, work, work_sync};

#[derive(Debug, Clone)]
pub enum StorageError {
    InvalidRequest(String),
    Database(String),
}

#[derive(Debug, Clone)]
pub struct ConsensusBlock {
    pub height: u64,
}

#[derive(Debug, Clone, Default)]
pub struct StorageStats {
    pub total_blocks: u64,
    pub database_size_bytes: u64,
    pub cache_hit_rate: f64,
}

#[derive(Message)]
#[rtype(result = "Result<Vec<ConsensusBlock>, StorageError>")]
pub struct GetBlockRangeMessage {
    pub start_height: u64,
    pub end_height: u64,
}

#[derive(Message)]
#[rtype(result = "StorageStats")]
pub struct GetStatsMessage;

pub struct Database {
    corrupt_above: u64,
}

impl Database {
    async fn get_block_by_height(
        &self,
        height: u64,
    ) -> Result<Option<ConsensusBlock>, StorageError> {
        if height > self.corrupt_above {
            return Err(StorageError::Database(format!("corrupt block {height}")));
        }
        Ok(height
            .is_multiple_of(2)
            .then_some(ConsensusBlock { height }))
    }

    async fn get_stats(&self) -> Result<u64, StorageError> {
        work(ActorType::Storage, "StorageActor", "GetStatsMessage").await;
        Ok(1 << 20)
    }
}

pub struct StorageActor {
    database: Arc<Database>,
}

impl Actor for StorageActor {
    type Context = Context<Self>;
}

// `app/src/actors/storage/handlers/block_handlers.rs:180-225`.
#[instrument_actor]
impl Handler<GetBlockRangeMessage> for StorageActor {
    type Result = ResponseFuture<Result<Vec<ConsensusBlock>, StorageError>>;

    fn handle(&mut self, msg: GetBlockRangeMessage, _ctx: &mut Self::Context) -> Self::Result {
        if msg.start_height > msg.end_height {
            return Box::pin(async move {
                Err(StorageError::InvalidRequest(
                    "Start height must be <= end height".to_string(),
                ))
            });
        }
        let range_size = msg.end_height - msg.start_height + 1;
        if range_size > 1000 {
            return Box::pin(async move {
                Err(StorageError::InvalidRequest(
                    "Range too large, max 1000 blocks".to_string(),
                ))
            });
        }
        let database = self.database.clone();
        Box::pin(async move {
            work(ActorType::Storage, "StorageActor", "GetBlockRangeMessage").await;
            let mut blocks = Vec::new();
            for height in msg.start_height..=msg.end_height {
                match database.get_block_by_height(height).await? {
                    Some(block) => blocks.push(block),
                    None => tracing::debug!("Block not found at height: {}", height),
                }
            }
            Ok(blocks)
        })
    }
}

// `app/src/actors/storage/handlers/query_handlers.rs:13-64`: a plain struct in a future.
#[instrument_actor]
impl Handler<GetStatsMessage> for StorageActor {
    type Result = ResponseFuture<StorageStats>;

    fn handle(&mut self, _msg: GetStatsMessage, _ctx: &mut Self::Context) -> Self::Result {
        let database = self.database.clone();
        Box::pin(async move {
            let db_size = match database.get_stats().await {
                Ok(size) => size,
                Err(e) => {
                    tracing::error!("Failed to get database stats: {:?}", e);
                    return StorageStats::default();
                }
            };
            StorageStats {
                total_blocks: 4,
                database_size_bytes: db_size,
                cache_hit_rate: 0.5,
            }
        })
    }
}

#[derive(Debug, Clone)]
pub enum StreamError {
    Connection { reason: String },
}

#[derive(Debug, Clone)]
pub struct ConnectionStatus {
    pub connected: bool,
    pub endpoint: String,
    pub connection_uptime: Duration,
}

#[derive(Message)]
#[rtype(result = "Result<ConnectionStatus, StreamError>")]
pub struct GetConnectionStatus {
    pub connection_id: Option<String>,
}

#[derive(Message)]
#[rtype(result = "Result<(), StreamError>")]
pub struct EstablishConnection {
    pub endpoint: String,
}

#[derive(Default)]
pub struct StreamActor {
    connections: Vec<String>,
}

impl Actor for StreamActor {
    type Context = Context<Self>;
}

// `app/src/actors/governance_stream/actor.rs:1070-1119`.
#[instrument_actor]
impl Handler<GetConnectionStatus> for StreamActor {
    type Result = Result<ConnectionStatus, StreamError>;

    fn handle(&mut self, msg: GetConnectionStatus, _: &mut Context<Self>) -> Self::Result {
        work_sync(ActorType::Stream, "StreamActor", "GetConnectionStatus");
        if let Some(connection_id) = &msg.connection_id {
            if self.connections.contains(connection_id) {
                Ok(ConnectionStatus {
                    connected: true,
                    endpoint: connection_id.clone(),
                    connection_uptime: Duration::from_secs(1),
                })
            } else {
                Err(StreamError::Connection {
                    reason: "not_found".to_string(),
                })
            }
        } else {
            Ok(ConnectionStatus {
                connected: !self.connections.is_empty(),
                endpoint: "aggregate".to_string(),
                connection_uptime: Duration::from_secs(0),
            })
        }
    }
}

// `governance_stream/actor.rs:1057-1068`.
#[instrument_actor]
impl Handler<EstablishConnection> for StreamActor {
    type Result = ResponseActFuture<Self, Result<(), StreamError>>;

    fn handle(&mut self, msg: EstablishConnection, _: &mut Context<Self>) -> Self::Result {
        tracing::info!("Received EstablishConnection request for: {}", msg.endpoint);
        Box::pin(
            async move {
                work(ActorType::Stream, "StreamActor", "EstablishConnection").await;
                Ok(())
            }
            .into_actor(self),
        )
    }
}

fn storage(corrupt_above: u64) -> Addr<StorageActor> {
    StorageActor {
        database: Arc::new(Database { corrupt_above }),
    }
    .start()
}

#[actix_rt::test]
async fn block_range_early_returns_and_question_mark() {
    let _s = crate::serial();
    let b = before(
        "StorageActor",
        "GetBlockRangeMessage",
        ActorType::Storage,
        MessageType::Unclassified,
    );
    let s = storage(100);
    let range = |start, end| GetBlockRangeMessage {
        start_height: start,
        end_height: end,
    };
    assert_eq!(s.send(range(1, 4)).await.unwrap().unwrap().len(), 2);
    assert!(s.send(range(5, 1)).await.unwrap().is_err()); // early return
    assert!(s.send(range(0, 5000)).await.unwrap().is_err()); // early return
    assert!(s.send(range(99, 101)).await.unwrap().is_err()); // `?` inside
    b.assert(
        &[(MessageOutcome::Ok, 1), (MessageOutcome::Error, 3)],
        2,
        true,
    );
}

#[actix_rt::test]
async fn stats_plain_struct_in_a_future_is_ok() {
    let _s = crate::serial();
    let b = before(
        "StorageActor",
        "GetStatsMessage",
        ActorType::Storage,
        MessageType::Unclassified,
    );
    let s = storage(100);
    assert_eq!(
        s.send(GetStatsMessage).await.unwrap().database_size_bytes,
        1 << 20
    );
    b.assert(&[(MessageOutcome::Ok, 1)], 1, true);
}

#[actix_rt::test]
async fn governance_connection_status_and_connect() {
    let _s = crate::serial();
    let a = StreamActor {
        connections: vec!["gov-1".into()],
    }
    .start();
    let b = before(
        "StreamActor",
        "GetConnectionStatus",
        ActorType::Stream,
        MessageType::Network,
    );
    let status = |id: Option<&str>| GetConnectionStatus {
        connection_id: id.map(str::to_owned),
    };
    assert!(
        a.send(status(Some("gov-1")))
            .await
            .unwrap()
            .unwrap()
            .connected
    );
    assert!(a.send(status(Some("gov-9"))).await.unwrap().is_err());
    assert!(a.send(status(None)).await.unwrap().unwrap().connected);
    b.assert(
        &[(MessageOutcome::Ok, 2), (MessageOutcome::Error, 1)],
        3,
        true,
    );
    let b = before(
        "StreamActor",
        "EstablishConnection",
        ActorType::Stream,
        MessageType::Network,
    );
    assert!(a
        .send(EstablishConnection {
            endpoint: "gov-2:50051".into()
        })
        .await
        .unwrap()
        .is_ok());
    b.assert(&[(MessageOutcome::Ok, 1)], 1, true);
}
