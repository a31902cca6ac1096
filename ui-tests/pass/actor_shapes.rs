//! Every handler shape `#[instrument_actor]` accepts compiles without a warning, and keeps
//! the handler's behaviour (run on real actix actors in `tests/it/actor_shapes/`).

#![deny(warnings)]

use std::fmt::Display;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll, Waker};

use actix::prelude::*;
use alys_metrics::actor::ActorMetrics;
use alys_metrics::prelude::*;

#[derive(Debug)]
struct ChainError;

struct ChainActor {
    height: u64,
    metrics: Arc<ActorMetrics>,
}

impl Actor for ChainActor {
    type Context = Context<Self>;
}

struct ImportBlock(u64);
impl Message for ImportBlock {
    type Result = Result<u64, ChainError>;
}

struct GetHeight;
impl Message for GetHeight {
    type Result = Result<u64, ChainError>;
}

struct SyncStatus;
impl Message for SyncStatus {
    type Result = String;
}

#[instrument_actor(message = sync)]
impl Handler<ImportBlock> for ChainActor {
    type Result = ResponseFuture<Result<u64, ChainError>>;

    fn handle(&mut self, msg: ImportBlock, _ctx: &mut Context<Self>) -> Self::Result {
        self.height = msg.0;
        let height = self.height;
        Box::pin(async move {
            if height == 0 {
                return Err(ChainError);
            }
            Ok(height)
        })
    }
}

// `?` and `return` in a sync body; the reply type written out instead of `Self::Result`.
#[instrument_actor(message = sync, metrics = self.metrics)]
impl Handler<GetHeight> for ChainActor {
    type Result = Result<u64, ChainError>;

    fn handle(&mut self, _: GetHeight, _: &mut Context<Self>) -> Result<u64, ChainError> {
        let parsed: u64 = "1".parse().map_err(|_| ChainError)?;
        if parsed == 0 {
            return Err(ChainError);
        }
        Ok(self.height + parsed)
    }
}

#[instrument_actor]
impl Handler<SyncStatus> for ChainActor {
    type Result = ResponseActFuture<Self, String>;

    fn handle(&mut self, _: SyncStatus, _: &mut Context<Self>) -> Self::Result {
        Box::pin(async { 7u8 }.into_actor(self).map(|n, act, _| format!("{n}/{}", act.height)))
    }
}

struct StorageActor {
    name: String,
}

// A label may be written as a string too.
#[instrument_actor(actor = "storage", message = "storage")]
impl StorageActor {
    async fn handle_write(&mut self, msg: ImportBlock) -> Result<(), ChainError> {
        if msg.0 == 0 {
            return Err(ChainError);
        }
        Ok(())
    }

    fn handle_name(&self) -> &str {
        &self.name
    }

    fn handle_boxed(&self) -> Pin<Box<dyn Future<Output = usize> + Send + '_>> {
        Box::pin(async move { self.name.len() })
    }

    fn handle_nothing(&mut self) {}

    fn not_a_handler(&self) -> usize {
        self.name.len()
    }
}

#[allow(dead_code)]
struct StreamActor;

#[instrument_actor(for = StreamActor, message = custom(9))]
fn handle_generic<T: Display, const N: usize>(items: [T; N]) -> Vec<String>
where
    T: Clone,
{
    items.iter().map(|t| t.to_string()).collect()
}

#[instrument_actor(for = StreamActor, message = network)]
async fn handle_stream<'a>(s: &'a str) -> &'a str {
    s
}

fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = std::pin::pin!(fut);
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut TaskContext::from_waker(Waker::noop())) {
            return v;
        }
    }
}

fn main() {
    let mut chain = ChainActor {
        height: 0,
        metrics: Arc::new(ActorMetrics::new()),
    };
    let mut ctx = Context::new();
    assert_eq!(block_on(chain.handle(ImportBlock(5), &mut ctx).into_inner()).unwrap(), 5);
    assert!(block_on(chain.handle(ImportBlock(0), &mut ctx).into_inner()).is_err());
    assert_eq!(chain.handle(GetHeight, &mut ctx).into_inner().unwrap(), 1);
    let _status = chain.handle(SyncStatus, &mut ctx).into_inner();

    let mut storage = StorageActor { name: "db".into() };
    assert!(block_on(storage.handle_write(ImportBlock(1))).is_ok());
    assert_eq!(storage.handle_name(), "db");
    assert_eq!(block_on(storage.handle_boxed()), 2);
    storage.handle_nothing();
    assert_eq!(storage.not_a_handler(), 2);

    assert_eq!(handle_generic([1, 2]), vec!["1", "2"]);
    assert_eq!(block_on(handle_stream("s")), "s");
    assert_eq!(chain.metrics.snapshot().messages_processed, 1);
}
