//! Exemplars of future replies: the latency of a message whose handler returned a future (an
//! actor future, a relayed reply) carries the trace current when the handler returned it,
//! though the future completes outside that span; an `async fn` run inside a span carries
//! that span. Sync handlers were covered from the start (`tests/solo/exposition_formats.rs`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use actix::prelude::*;
use alys_metrics::actor::{sites, HandlerSite};
use alys_metrics::exemplar::TraceId;
use alys_metrics::prelude::*;

use crate::serial;

/// The id of the span the handler ran in (0: none yet).
static SPAN: AtomicU64 = AtomicU64::new(0);
static ASYNC_SPAN: AtomicU64 = AtomicU64::new(0);

fn current_span_id() -> u64 {
    tracing::Span::current().id().map_or(0, |id| id.into_u64())
}

struct GossipActor;

impl Actor for GossipActor {
    type Context = Context<Self>;
}

#[derive(Message)]
#[rtype(result = "Result<u8, ()>")]
struct TracedGossip;

#[instrument_actor]
impl Handler<TracedGossip> for GossipActor {
    type Result = ResponseActFuture<Self, Result<u8, ()>>;

    // The span is entered while `handle` runs, not while its future is polled.
    #[tracing::instrument(name = "traced_gossip", skip_all)]
    fn handle(&mut self, _: TracedGossip, _: &mut Context<Self>) -> Self::Result {
        SPAN.store(current_span_id(), Ordering::Relaxed);
        Box::pin(
            async {
                tokio::time::sleep(Duration::from_millis(2)).await;
                Ok(1)
            }
            .into_actor(self),
        )
    }
}

struct TracedPeers(u8);

#[instrument_actor]
impl GossipActor {
    #[tracing::instrument(name = "traced_peers", skip_all)]
    async fn handle_peers(&mut self, msg: TracedPeers) -> Result<u8, ()> {
        ASYNC_SPAN.store(current_span_id(), Ordering::Relaxed);
        tokio::time::sleep(Duration::from_millis(2)).await;
        Ok(msg.0)
    }
}

fn site(message: &str) -> &'static HandlerSite {
    sites()
        .find(|s| s.actor == "GossipActor" && s.message == message)
        .expect("registered")
}

/// The trace ids of the site's exemplars.
fn exemplar_traces(s: &HandlerSite) -> Vec<TraceId> {
    (0..=s.latency().bounds().len())
        .filter_map(|i| s.latency().exemplar(i))
        .map(|e| e.trace_id)
        .collect()
}

#[test]
fn future_replies_carry_the_trace_their_handler_ran_in() {
    let _s = serial();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(std::io::sink)
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        System::new().block_on(async {
            let addr = GossipActor.start();
            assert_eq!(addr.send(TracedGossip).await.unwrap(), Ok(1));
            let mut actor = GossipActor;
            assert_eq!(actor.handle_peers(TracedPeers(3)).await, Ok(3));
        });
    });
    let span = SPAN.load(Ordering::Relaxed);
    assert_ne!(span, 0, "the handler ran in a span");
    assert!(
        exemplar_traces(site("TracedGossip")).contains(&TraceId::from_u64(span)),
        "the actor future's latency carries the span of its handler"
    );
    let span = ASYNC_SPAN.load(Ordering::Relaxed);
    assert_ne!(span, 0);
    assert!(
        exemplar_traces(site("TracedPeers")).contains(&TraceId::from_u64(span)),
        "the async fn's latency carries its span"
    );
}
