//! `#[instrument_actor]` on real actix actors: every message is counted once, with its
//! outcome, its own latency observation, and the in-flight gauge back at 0 on every path.
//!
//! The tests of this binary share one registry; each uses actor types no other test here
//! uses, and asserts on the series it owns.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll, Waker};

use actix::prelude::*;
use alys_metrics::actor::ActorMetrics;
use alys_metrics::prelude::*;

/// The value of one series in the exposition text, as Prometheus would read it.
fn value(series: &str) -> f64 {
    let text = alys_metrics::registry().encode_to_string();
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no series `{series}` in:\n{text}"))
}

fn messages(actor: &str, message: &str) -> f64 {
    value(&format!(
        "alys_actor_messages_total{{actor_type=\"{actor}\",message_type=\"{message}\"}}"
    ))
}

fn outcome(actor: &str, outcome: &str) -> f64 {
    value(&format!(
        "alys_actor_message_outcomes_total{{actor_type=\"{actor}\",outcome=\"{outcome}\"}}"
    ))
}

fn in_flight(actor: &str) -> f64 {
    value(&format!(
        "alys_actor_messages_in_flight{{actor_type=\"{actor}\"}}"
    ))
}

fn latency_count(actor: &str) -> f64 {
    value(&format!(
        "alys_actor_message_latency_seconds_count{{actor_type=\"{actor}\"}}"
    ))
}

fn processed(actor: &str) -> f64 {
    value(&format!(
        "alys_actor_messages_processed_total{{actor_type=\"{actor}\"}}"
    ))
}

fn errors(actor: &str) -> f64 {
    value(&format!(
        "alys_actor_message_errors_total{{actor_type=\"{actor}\"}}"
    ))
}

// ---------------------------------------------------------------------------------------
// A sync handler: actor type `chain` from `ChainActor`, message type `sync` from `SyncBlocks`.

struct ChainActor {
    height: u64,
}

impl Actor for ChainActor {
    type Context = Context<Self>;
}

#[derive(Message)]
#[rtype(result = "u64")]
struct SyncBlocks(u64);

#[instrument_actor]
impl Handler<SyncBlocks> for ChainActor {
    type Result = u64;

    fn handle(&mut self, msg: SyncBlocks, _ctx: &mut Context<Self>) -> u64 {
        self.height += msg.0;
        self.height
    }
}

#[actix::test]
async fn a_sync_handler_counts_exactly_n_messages() {
    let before = latency_count("chain");
    let addr = ChainActor { height: 0 }.start();
    for _ in 0..250 {
        addr.send(SyncBlocks(2)).await.expect("the actor answers");
    }
    assert_eq!(addr.send(SyncBlocks(0)).await.expect("answer"), 500);

    assert_eq!(messages("chain", "sync"), 251.0);
    assert_eq!(outcome("chain", "ok"), 251.0);
    assert_eq!(processed("chain"), 251.0);
    assert_eq!(errors("chain"), 0.0);
    assert_eq!(
        latency_count("chain") - before,
        251.0,
        "one observation per message"
    );
    assert_eq!(in_flight("chain"), 0.0);
}

// ---------------------------------------------------------------------------------------
// The seed's shape: `ResponseFuture<Result<..>>` built with `Box::pin(async move ..)`.

struct BridgeActor;

impl Actor for BridgeActor {
    type Context = Context<Self>;
}

#[derive(Debug, PartialEq)]
struct BridgeError;

#[derive(Message)]
#[rtype(result = "Result<(), BridgeError>")]
struct ProcessPegIn {
    valid: bool,
    /// Resolved when the handler may finish.
    release: tokio::sync::oneshot::Receiver<()>,
}

#[instrument_actor]
impl Handler<ProcessPegIn> for BridgeActor {
    type Result = ResponseFuture<Result<(), BridgeError>>;

    fn handle(&mut self, msg: ProcessPegIn, _ctx: &mut Context<Self>) -> Self::Result {
        let valid = msg.valid;
        Box::pin(async move {
            let _ = msg.release.await;
            if !valid {
                return Err(BridgeError);
            }
            Ok(())
        })
    }
}

#[actix::test]
async fn the_future_is_measured_and_errors_are_counted() {
    let addr = BridgeActor.start();
    let (release, wait) = tokio::sync::oneshot::channel();
    let pending = addr.send(ProcessPegIn {
        valid: true,
        release: wait,
    });
    let pending = tokio::spawn(pending);
    // The handler has returned its future; the message is in flight until it completes.
    while in_flight("bridge") < 1.0 {
        tokio::task::yield_now().await;
    }
    assert_eq!(
        outcome("bridge", "ok"),
        0.0,
        "not finished while the future runs"
    );
    release.send(()).expect("the handler waits");
    assert_eq!(pending.await.expect("joins").expect("answers"), Ok(()));

    for valid in [false, true, false] {
        let (release, wait) = tokio::sync::oneshot::channel();
        release.send(()).expect("receiver alive");
        let r = addr
            .send(ProcessPegIn {
                valid,
                release: wait,
            })
            .await
            .expect("answers");
        assert_eq!(r.is_ok(), valid);
    }

    assert_eq!(messages("bridge", "bridge"), 4.0);
    assert_eq!(outcome("bridge", "ok"), 2.0);
    assert_eq!(outcome("bridge", "error"), 2.0);
    assert_eq!(processed("bridge"), 2.0);
    assert_eq!(errors("bridge"), 2.0);
    assert_eq!(latency_count("bridge"), 4.0);
    assert_eq!(in_flight("bridge"), 0.0);
}

// ---------------------------------------------------------------------------------------
// Panics, in a sync handler and inside a handler's future; overrides of both types.

struct PanickyActor;

impl Actor for PanickyActor {
    type Context = Context<Self>;
}

#[derive(Message)]
#[rtype(result = "()")]
struct Explode;

#[derive(Message)]
#[rtype(result = "()")]
struct ExplodeLater;

#[instrument_actor(actor = storage, message = storage)]
impl Handler<Explode> for PanickyActor {
    type Result = ();

    fn handle(&mut self, _: Explode, _: &mut Context<Self>) {
        panic!("handler failure (expected by the test)");
    }
}

#[instrument_actor(actor = Engine, message = custom(3))]
impl Handler<ExplodeLater> for PanickyActor {
    type Result = ResponseFuture<()>;

    fn handle(&mut self, _: ExplodeLater, _: &mut Context<Self>) -> Self::Result {
        Box::pin(async {
            tokio::task::yield_now().await;
            panic!("future failure (expected by the test)");
        })
    }
}

#[test]
fn panics_are_counted_as_panicked_and_leave_nothing_in_flight() {
    let sys = actix::System::new();
    sys.block_on(async {
        let addr = PanickyActor.start();
        assert!(
            addr.send(ExplodeLater).await.is_err(),
            "no answer from a panicked future"
        );
        assert!(addr.send(Explode).await.is_err(), "the actor died");
    });
    drop(sys);
    assert_eq!(messages("storage", "storage"), 1.0);
    assert_eq!(outcome("storage", "panicked"), 1.0);
    assert_eq!(errors("storage"), 1.0);
    assert_eq!(in_flight("storage"), 0.0);

    assert_eq!(messages("engine", "custom"), 1.0);
    assert_eq!(outcome("engine", "panicked"), 1.0);
    assert_eq!(outcome("engine", "cancelled"), 0.0);
    assert_eq!(in_flight("engine"), 0.0);
}

// ---------------------------------------------------------------------------------------
// A future dropped before it finishes is `cancelled`.

struct NetworkActor;

impl Actor for NetworkActor {
    type Context = Context<Self>;
}

#[derive(Message)]
#[rtype(result = "()")]
struct BroadcastForever;

#[instrument_actor]
impl Handler<BroadcastForever> for NetworkActor {
    type Result = ResponseFuture<()>;

    fn handle(&mut self, _: BroadcastForever, _: &mut Context<Self>) -> Self::Result {
        Box::pin(std::future::pending())
    }
}

#[test]
fn dropped_futures_are_counted_as_cancelled() {
    let sys = actix::System::new();
    sys.block_on(async {
        let addr = NetworkActor.start();
        for _ in 0..3 {
            addr.do_send(BroadcastForever);
        }
        while in_flight("network") < 3.0 {
            tokio::task::yield_now().await;
        }
    });
    // Dropping the system drops the futures that never finished.
    drop(sys);
    assert_eq!(messages("network", "network"), 3.0);
    assert_eq!(outcome("network", "cancelled"), 3.0);
    assert_eq!(outcome("network", "ok"), 0.0);
    assert_eq!(
        latency_count("network"),
        0.0,
        "a cancelled message has no latency"
    );
    assert_eq!(processed("network") + errors("network"), 0.0);
    assert_eq!(in_flight("network"), 0.0);
}

// ---------------------------------------------------------------------------------------
// An inherent impl: `handle_*` methods, sync and async, tracked into an `ActorMetrics`.

struct SyncActor {
    metrics: Arc<ActorMetrics>,
}

struct PeerConnected;
struct GetHeight;

#[derive(Debug)]
struct Refused;

#[instrument_actor(metrics = self.metrics)]
impl SyncActor {
    async fn handle_peer(&mut self, _msg: PeerConnected) -> Result<u32, Refused> {
        tokio::task::yield_now().await;
        Err(Refused)
    }

    fn handle_height(&self, _msg: &GetHeight) -> Result<u64, Refused> {
        let h: u64 = "42".parse().map_err(|_| Refused)?;
        Ok(h)
    }

    /// Not a handler: left alone.
    fn height_now(&self) -> u64 {
        7
    }
}

fn poll_once<F: Future>(f: Pin<&mut F>) -> Poll<F::Output> {
    f.poll(&mut TaskContext::from_waker(Waker::noop()))
}

#[test]
fn inherent_handlers_are_measured_and_tracked() {
    let metrics = Arc::new(ActorMetrics::new());
    let mut actor = SyncActor {
        metrics: Arc::clone(&metrics),
    };
    assert_eq!(actor.handle_height(&GetHeight).ok(), Some(42));
    assert_eq!(actor.height_now(), 7);

    let mut fut = Box::pin(actor.handle_peer(PeerConnected));
    assert!(poll_once(fut.as_mut()).is_pending());
    assert_eq!(in_flight("sync"), 1.0);
    assert!(matches!(poll_once(fut.as_mut()), Poll::Ready(Err(Refused))));
    drop(fut);

    // A second call, dropped after its first poll.
    let mut fut = Box::pin(actor.handle_peer(PeerConnected));
    assert!(poll_once(fut.as_mut()).is_pending());
    drop(fut);

    assert_eq!(messages("sync", "system"), 1.0, "GetHeight");
    assert_eq!(messages("sync", "network"), 2.0, "PeerConnected");
    assert_eq!(outcome("sync", "ok"), 1.0);
    assert_eq!(outcome("sync", "error"), 1.0);
    assert_eq!(outcome("sync", "cancelled"), 1.0);
    assert_eq!(in_flight("sync"), 0.0);
    // Tracked: the counts went into the actor's metrics, for its bridge to export.
    let snap = metrics.snapshot();
    assert_eq!(
        (
            snap.messages_processed,
            snap.messages_failed,
            snap.messages_cancelled
        ),
        (1, 1, 1)
    );
    assert_eq!(processed("sync") + errors("sync"), 0.0);
}

// ---------------------------------------------------------------------------------------
// A lone fn, with the actor type given.

struct HealthCheck(bool);

#[instrument_actor(actor = supervisor)]
fn handle_health_check(msg: HealthCheck) -> Result<(), String> {
    if msg.0 {
        Ok(())
    } else {
        Err("unhealthy".to_owned())
    }
}

#[instrument_actor(actor = supervisor, message = governance)]
async fn handle_vote() -> usize {
    1
}

#[test]
fn a_lone_fn_is_measured() {
    assert!(handle_health_check(HealthCheck(true)).is_ok());
    assert!(handle_health_check(HealthCheck(false)).is_err());
    let mut vote = std::pin::pin!(handle_vote());
    assert!(matches!(poll_once(vote.as_mut()), Poll::Ready(1)));
    assert_eq!(messages("supervisor", "lifecycle"), 2.0);
    assert_eq!(messages("supervisor", "governance"), 1.0);
    assert_eq!(outcome("supervisor", "ok"), 2.0);
    assert_eq!(outcome("supervisor", "error"), 1.0);
    assert_eq!(in_flight("supervisor"), 0.0);
}

// ---------------------------------------------------------------------------------------
// actix's `ResponseActFuture`: the async block inside `.into_actor(self).map(..)` is timed.

struct StreamActor {
    total: u32,
}

impl Actor for StreamActor {
    type Context = Context<Self>;
}

#[derive(Message)]
#[rtype(result = "u32")]
struct GossipChunk(u32);

#[instrument_actor]
impl Handler<GossipChunk> for StreamActor {
    type Result = ResponseActFuture<Self, u32>;

    fn handle(&mut self, msg: GossipChunk, _ctx: &mut Context<Self>) -> Self::Result {
        Box::pin(
            async move {
                tokio::task::yield_now().await;
                msg.0
            }
            .into_actor(self)
            .map(|n, act, _ctx| {
                act.total += n;
                act.total
            }),
        )
    }
}

#[actix::test]
async fn actor_futures_are_timed_through_into_actor() {
    let addr = StreamActor { total: 0 }.start();
    for n in 1..=4 {
        addr.send(GossipChunk(n)).await.expect("answers");
    }
    assert_eq!(addr.send(GossipChunk(0)).await.expect("answers"), 10);
    assert_eq!(messages("stream", "network"), 5.0);
    assert_eq!(outcome("stream", "ok"), 5.0);
    assert_eq!(latency_count("stream"), 5.0);
    assert_eq!(in_flight("stream"), 0.0);
}

// ---------------------------------------------------------------------------------------
// Early `return`s: a handler that returns a future (or a value) before its tail is measured
// like the tail, not dropped as `cancelled`.

struct SystemActor {
    metrics: Arc<ActorMetrics>,
}

impl Actor for SystemActor {
    type Context = Context<Self>;
}

#[derive(Message)]
#[rtype(result = "Result<(), BridgeError>")]
struct ValidatePegOut(bool);

#[instrument_actor(actor = system, metrics = self.metrics)]
impl Handler<ValidatePegOut> for SystemActor {
    type Result = ResponseFuture<Result<(), BridgeError>>;

    fn handle(&mut self, msg: ValidatePegOut, _ctx: &mut Context<Self>) -> Self::Result {
        if !msg.0 {
            return Box::pin(async { Err(BridgeError) });
        }
        Box::pin(async move {
            tokio::task::yield_now().await;
            Ok(())
        })
    }
}

#[instrument_actor(actor = system, message = storage, metrics = self.metrics)]
impl SystemActor {
    /// `'_` keeps the body out of a closure, and the tail is not an async block.
    fn handle_lookup(&self, key: u8) -> Pin<Box<dyn Future<Output = Result<u8, Refused>> + '_>> {
        for bad in [0, 1] {
            if key == bad {
                return Box::pin(std::future::ready(Err(Refused)));
            }
        }
        Box::pin(std::future::ready(Ok(key)))
    }

    /// `&str` keeps the body out of a closure too.
    fn handle_name(&self, n: u8) -> &str {
        if n == 0 {
            return "zero";
        }
        "many"
    }
}

#[actix::test]
async fn early_returns_are_measured_not_cancelled() {
    let metrics = Arc::new(ActorMetrics::new());
    let addr = SystemActor {
        metrics: Arc::clone(&metrics),
    }
    .start();
    for valid in [false, true, false] {
        let r = addr.send(ValidatePegOut(valid)).await.expect("answers");
        assert_eq!(r.is_ok(), valid);
    }
    assert_eq!(outcome("system", "error"), 2.0);
    assert_eq!(outcome("system", "ok"), 1.0);
    assert_eq!(outcome("system", "cancelled"), 0.0);
    assert_eq!(latency_count("system"), 3.0);

    let actor = SystemActor {
        metrics: Arc::clone(&metrics),
    };
    for key in [0, 1, 2] {
        let mut fut = actor.handle_lookup(key);
        assert!(matches!(poll_once(Pin::new(&mut fut)), Poll::Ready(r) if r.is_ok() == (key == 2)));
    }
    assert_eq!(actor.handle_name(0), "zero");
    assert_eq!(actor.handle_name(1), "many");

    assert_eq!(messages("system", "storage"), 5.0);
    assert_eq!(outcome("system", "error"), 4.0);
    assert_eq!(outcome("system", "ok"), 4.0);
    assert_eq!(outcome("system", "cancelled"), 0.0);
    assert_eq!(latency_count("system"), 8.0);
    assert_eq!(in_flight("system"), 0.0);
    let snap = metrics.snapshot();
    assert_eq!(
        (
            snap.messages_processed,
            snap.messages_failed,
            snap.messages_cancelled
        ),
        (4, 4, 0)
    );
}
