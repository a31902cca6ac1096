//! Every handler shape `#[instrument_actor]` accepts compiles without a warning, and keeps
//! the handler's behaviour.

#![deny(warnings)]

use std::fmt::Display;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use alys_metrics::actor::ActorMetrics;
use alys_metrics::prelude::*;

/// The shape of actix's `Handler` and `ResponseFuture`.
trait Handler<M> {
    type Result;
    fn handle(&mut self, msg: M, ctx: &mut ()) -> Self::Result;
}
type ResponseFuture<I> = Pin<Box<dyn Future<Output = I>>>;

trait Boxed: Future + Sized + Send + 'static {
    fn boxed(self) -> Pin<Box<dyn Future<Output = Self::Output> + Send>> {
        Box::pin(self)
    }
}
impl<F: Future + Send + 'static> Boxed for F {}

#[derive(Debug)]
struct ChainError;

struct ChainActor {
    height: u64,
    metrics: Arc<ActorMetrics>,
}

struct ImportBlock(u64);
struct GetHeight;
struct Ping;
struct Prune;

#[instrument_actor]
impl Handler<ImportBlock> for ChainActor {
    type Result = ResponseFuture<Result<u64, ChainError>>;

    fn handle(&mut self, msg: ImportBlock, _ctx: &mut ()) -> Self::Result {
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

#[instrument_actor(message = sync, metrics = self.metrics)]
impl Handler<GetHeight> for ChainActor {
    type Result = Result<u64, ChainError>;

    fn handle(&mut self, _: GetHeight, _: &mut ()) -> Result<u64, ChainError> {
        let parsed: u64 = "1".parse().map_err(|_| ChainError)?;
        if parsed == 0 {
            return Err(ChainError);
        }
        Ok(self.height + parsed)
    }
}

/// A method chain on the async block (the `into_actor(self).map(..)` shape).
#[instrument_actor]
impl Handler<Ping> for ChainActor {
    type Result = Pin<Box<dyn Future<Output = String> + Send>>;

    fn handle(&mut self, _: Ping, _: &mut ()) -> Self::Result {
        async move { 7u8 }.boxed_string()
    }
}

trait BoxedString: Future<Output = u8> + Sized + Send + 'static {
    fn boxed_string(self) -> Pin<Box<dyn Future<Output = String> + Send>> {
        Box::pin(async move { self.await.to_string() })
    }
}
impl<F: Future<Output = u8> + Send + 'static> BoxedString for F {}

/// A boxed future built some other way: wrapped in a new box.
#[instrument_actor(actor = storage)]
impl Handler<Prune> for ChainActor {
    type Result = Pin<Box<dyn Future<Output = Result<(), ChainError>> + Send>>;

    fn handle(&mut self, _: Prune, _: &mut ()) -> Self::Result {
        let fut = async { Ok(()) };
        fut.boxed()
    }
}

struct StorageActor {
    name: String,
}

#[instrument_actor]
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

    fn handle_display(&self, n: u32) -> impl Display {
        n * 2
    }

    fn handle_nothing(&mut self) {}

    #[allow(dead_code)]
    fn handle_forever(&mut self) -> ! {
        panic!("never returns")
    }

    fn not_a_handler(&self) -> usize {
        self.name.len()
    }
}

#[instrument_actor(actor = system, message = custom(9))]
fn handle_generic<T: Display, const N: usize>(items: [T; N]) -> Vec<String>
where
    T: Clone,
{
    items.iter().map(|t| t.to_string()).collect()
}

#[instrument_actor(actor = Stream)]
async fn handle_stream<'a>(s: &'a str) -> &'a str {
    s
}

fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = std::pin::pin!(fut);
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
            return v;
        }
    }
}

fn main() {
    let mut chain = ChainActor {
        height: 0,
        metrics: Arc::new(ActorMetrics::new()),
    };
    assert_eq!(block_on(chain.handle(ImportBlock(5), &mut ())).unwrap(), 5);
    assert!(block_on(chain.handle(ImportBlock(0), &mut ())).is_err());
    assert_eq!(chain.handle(GetHeight, &mut ()).unwrap(), 1);
    assert_eq!(block_on(chain.handle(Ping, &mut ())), "7");
    assert!(block_on(chain.handle(Prune, &mut ())).is_ok());

    let mut storage = StorageActor { name: "db".into() };
    assert!(block_on(storage.handle_write(ImportBlock(1))).is_ok());
    assert_eq!(storage.handle_name(), "db");
    assert_eq!(storage.handle_display(2).to_string(), "4");
    storage.handle_nothing();
    assert_eq!(storage.not_a_handler(), 2);

    assert_eq!(handle_generic([1, 2]), vec!["1", "2"]);
    assert_eq!(block_on(handle_stream("s")), "s");

    let text = alys_metrics::registry().encode_to_string();
    for line in [
        "alys_actor_messages_total{actor_type=\"chain\",message_type=\"system\"} 3\n",
        "alys_actor_messages_total{actor_type=\"chain\",message_type=\"sync\"} 1\n",
        "alys_actor_message_outcomes_total{actor_type=\"chain\",outcome=\"error\"} 1\n",
        "alys_actor_messages_total{actor_type=\"storage\",message_type=\"system\"} 5\n",
        "alys_actor_messages_total{actor_type=\"system\",message_type=\"custom\"} 1\n",
        "alys_actor_messages_total{actor_type=\"stream\",message_type=\"system\"} 1\n",
        "alys_actor_messages_in_flight{actor_type=\"chain\"} 0\n",
    ] {
        assert!(text.contains(line), "missing {line}");
    }
    assert_eq!(chain.metrics.snapshot().messages_processed, 1);
}
