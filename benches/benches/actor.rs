//! The cost of `#[instrument_actor]` per message, and of one bridge collection over 10,000
//! actors.
//!
//! `cargo bench -p alys-metrics-benches --bench actor`. Each group measures, in the same run and
//! interleaved (see [`interleaved`]), the same handler (sync, `async fn`, and an actix `Handler`
//! whose reply is an actor future):
//! - `bare`: not instrumented;
//! - `baseline_2_now_1_observe`: two `Instant::now()` and one observation of the histogram a
//!   handler site uses (`metric::Histogram` with the site's buckets and native buckets), around
//!   it: the least any timing instrumentation does (the targets are an overhead over `bare` of
//!   at most 1.2 times this one's for a sync handler, 1.3 times for `async fn` and actor
//!   futures);
//! - `instrument_actor`: `#[instrument_actor]`;
//! - `prometheus_start_timer`: hand-written prometheus-crate instrumentation (a counter and
//!   `start_timer()`, labels looked up per call as usual);
//! - `autometrics`: `#[autometrics]` (prometheus 0.14 back-end).

use std::future::Future;
use std::hint::black_box;
use std::pin::Pin;
use std::sync::{Arc, LazyLock};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use actix::fut::{ActorFuture, ActorFutureExt, WrapFuture};
use actix::{Actor, Handler, Message, ResponseActFuture};
use alys_metrics::actor::{ActorMetrics, ActorMetricsBridge, LATENCY_BUCKETS, LATENCY_NATIVE};
use alys_metrics::labels::{ActorType, RestartReason};
use alys_metrics::metric::nanos_of;
use alys_metrics::prelude::*;
use alys_metrics::Histogram;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use prometheus::{HistogramVec, IntCounterVec};

#[derive(Debug)]
struct ChainError;

struct ImportBlock(u64);

/// The handler body every variant runs: a little arithmetic that can fail.
#[inline(always)]
fn body(height: &mut u64, msg: ImportBlock) -> Result<u64, ChainError> {
    *height = height.wrapping_add(black_box(msg.0));
    if *height == u64::MAX {
        return Err(ChainError);
    }
    Ok(*height)
}

struct ChainActor {
    height: u64,
}

impl Actor for ChainActor {
    type Context = actix::Context<Self>;
}

/// The histogram every baseline observes into: the one a handler site keeps.
static BASELINE: Histogram = Histogram::durations(
    &LATENCY_BUCKETS,
    &nanos_of(LATENCY_BUCKETS),
    Some(LATENCY_NATIVE),
);

fn observe(start: Instant, end: Instant) {
    BASELINE.observe_nanos(u64::try_from((end - start).as_nanos()).unwrap_or(u64::MAX));
}

impl ChainActor {
    fn bare(&mut self, msg: ImportBlock) -> Result<u64, ChainError> {
        body(&mut self.height, msg)
    }

    async fn bare_async(&mut self, msg: ImportBlock) -> Result<u64, ChainError> {
        body(&mut self.height, msg)
    }

    fn baseline(&mut self, msg: ImportBlock) -> Result<u64, ChainError> {
        let start = Instant::now();
        let out = body(&mut self.height, msg);
        observe(start, Instant::now());
        out
    }

    async fn baseline_async(&mut self, msg: ImportBlock) -> Result<u64, ChainError> {
        let start = Instant::now();
        let out = async { body(&mut self.height, msg) }.await;
        observe(start, Instant::now());
        out
    }

    fn prometheus(&mut self, msg: ImportBlock) -> Result<u64, ChainError> {
        PROM_MESSAGES.with_label_values(&["chain", "system"]).inc();
        let timer = PROM_LATENCY.with_label_values(&["chain"]).start_timer();
        let out = body(&mut self.height, msg);
        timer.observe_duration();
        out
    }

    async fn prometheus_async(&mut self, msg: ImportBlock) -> Result<u64, ChainError> {
        PROM_MESSAGES.with_label_values(&["chain", "system"]).inc();
        let timer = PROM_LATENCY.with_label_values(&["chain"]).start_timer();
        let out = async { body(&mut self.height, msg) }.await;
        timer.observe_duration();
        out
    }

    #[autometrics::autometrics]
    fn autometrics(&mut self, msg: ImportBlock) -> Result<u64, ChainError> {
        body(&mut self.height, msg)
    }

    #[autometrics::autometrics]
    async fn autometrics_async(&mut self, msg: ImportBlock) -> Result<u64, ChainError> {
        body(&mut self.height, msg)
    }
}

#[instrument_actor]
impl ChainActor {
    fn handle_import(&mut self, msg: ImportBlock) -> Result<u64, ChainError> {
        body(&mut self.height, msg)
    }

    async fn handle_import_async(&mut self, msg: ImportBlock) -> Result<u64, ChainError> {
        body(&mut self.height, msg)
    }

    fn handle_import_boxed(
        &mut self,
        msg: ImportBlock,
    ) -> Pin<Box<dyn Future<Output = Result<u64, ChainError>> + Send>> {
        let mut height = self.height;
        Box::pin(async move { body(&mut height, msg) })
    }
}

impl ChainActor {
    fn bare_boxed(
        &mut self,
        msg: ImportBlock,
    ) -> Pin<Box<dyn Future<Output = Result<u64, ChainError>> + Send>> {
        let mut height = self.height;
        Box::pin(async move { body(&mut height, msg) })
    }
}

/// An actix message whose reply is an actor future (`ResponseActFuture`).
struct ImportTail(u64);

impl Message for ImportTail {
    type Result = Result<u64, ChainError>;
}

/// The same message, handled without instrumentation.
struct ImportTailBare(u64);

impl Message for ImportTailBare {
    type Result = Result<u64, ChainError>;
}

#[instrument_actor]
impl Handler<ImportTail> for ChainActor {
    type Result = ResponseActFuture<Self, Result<u64, ChainError>>;

    fn handle(&mut self, msg: ImportTail, _: &mut actix::Context<Self>) -> Self::Result {
        Box::pin(
            async move { msg.0 }
                .into_actor(self)
                .map(|n, act, _| body(&mut act.height, ImportBlock(n))),
        )
    }
}

impl Handler<ImportTailBare> for ChainActor {
    type Result = ResponseActFuture<Self, Result<u64, ChainError>>;

    fn handle(&mut self, msg: ImportTailBare, _: &mut actix::Context<Self>) -> Self::Result {
        Box::pin(
            async move { msg.0 }
                .into_actor(self)
                .map(|n, act, _| body(&mut act.height, ImportBlock(n))),
        )
    }
}

/// Polls an actor future that never waits to completion.
fn ready_act<F: ActorFuture<ChainActor> + Unpin>(
    mut fut: F,
    act: &mut ChainActor,
    ctx: &mut actix::Context<ChainActor>,
) -> F::Output {
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = Pin::new(&mut fut).poll(act, ctx, &mut cx) {
            return v;
        }
    }
}

static PROM_MESSAGES: LazyLock<IntCounterVec> = LazyLock::new(|| {
    prometheus::register_int_counter_vec!(
        "bench_actor_messages_total",
        "Messages.",
        &["actor_type", "message_type"]
    )
    .expect("registers")
});

static PROM_LATENCY: LazyLock<HistogramVec> = LazyLock::new(|| {
    prometheus::register_histogram_vec!(
        "bench_actor_message_latency_seconds",
        "Latency.",
        &["actor_type"],
        vec![0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0]
    )
    .expect("registers")
});

/// Polls a future that never waits to completion.
fn ready<F: Future>(fut: F) -> F::Output {
    let mut fut = std::pin::pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
    }
}

/// Calls per chunk of one variant (about 25 us of the fastest variant).
const CHUNK: u64 = 256;

/// One call of a variant on the group's state.
type Variant<S> = (&'static str, fn(&mut S));

/// Benches each variant of a group with every sample interleaving *all* the variants in
/// chunks of [`CHUNK`] calls, only the variant's own chunks timed: the load of the shared VM,
/// which moves by up to 2x within a run, then falls on every variant of the group alike, and
/// the ratios between them hold. (Run one after the other, as criterion does by default, the
/// same code measured 49 to 93 ns within one session.)
fn interleaved<S>(c: &mut Criterion, group: &str, state: &mut S, variants: &[Variant<S>]) {
    let mut g = c.benchmark_group(group);
    for (i, (name, _)) in variants.iter().enumerate() {
        g.bench_function(*name, |b| {
            b.iter_custom(|iters| {
                let mut timed = Duration::ZERO;
                let mut done = 0;
                while done < iters {
                    let n = (iters - done).min(CHUNK);
                    for (j, (_, call)) in variants.iter().enumerate() {
                        if j == i {
                            let start = Instant::now();
                            for _ in 0..n {
                                call(state);
                            }
                            timed += start.elapsed();
                        } else {
                            for _ in 0..n {
                                call(state);
                            }
                        }
                    }
                    done += n;
                }
                timed
            })
        });
    }
    g.finish();
}

fn sync_handler(c: &mut Criterion) {
    let mut a = ChainActor { height: 0 };
    interleaved(
        c,
        "actor_handler_sync",
        &mut a,
        &[
            ("bare", |a| {
                black_box(a.bare(ImportBlock(black_box(1))).ok());
            }),
            ("baseline_2_now_1_observe", |a| {
                black_box(a.baseline(ImportBlock(black_box(1))).ok());
            }),
            ("instrument_actor", |a| {
                black_box(a.handle_import(ImportBlock(black_box(1))).ok());
            }),
            ("prometheus_start_timer", |a| {
                black_box(a.prometheus(ImportBlock(black_box(1))).ok());
            }),
            ("autometrics", |a| {
                black_box(a.autometrics(ImportBlock(black_box(1))).ok());
            }),
        ],
    );
}

fn async_handler(c: &mut Criterion) {
    let mut a = ChainActor { height: 0 };
    interleaved(
        c,
        "actor_handler_async",
        &mut a,
        &[
            ("bare", |a| {
                black_box(ready(a.bare_async(ImportBlock(black_box(1)))).ok());
            }),
            ("baseline_2_now_1_observe", |a| {
                black_box(ready(a.baseline_async(ImportBlock(black_box(1)))).ok());
            }),
            ("instrument_actor", |a| {
                black_box(ready(a.handle_import_async(ImportBlock(black_box(1)))).ok());
            }),
            ("prometheus_start_timer", |a| {
                black_box(ready(a.prometheus_async(ImportBlock(black_box(1)))).ok());
            }),
            ("autometrics", |a| {
                black_box(ready(a.autometrics_async(ImportBlock(black_box(1)))).ok());
            }),
            ("boxed_bare", |a| {
                black_box(ready(a.bare_boxed(ImportBlock(black_box(1)))).ok());
            }),
            ("boxed_instrument_actor", |a| {
                black_box(ready(a.handle_import_boxed(ImportBlock(black_box(1)))).ok());
            }),
        ],
    );
}

/// The actor and its context, for handlers that reply with an actor future.
type WithContext = (ChainActor, actix::Context<ChainActor>);

fn actor_future_handler(c: &mut Criterion) {
    let mut state: WithContext = (ChainActor { height: 0 }, actix::Context::new());
    interleaved(
        c,
        "actor_handler_actor_future",
        &mut state,
        &[
            ("bare", |(a, ctx)| {
                let fut = a.handle(ImportTailBare(black_box(1)), ctx);
                black_box(ready_act(fut, a, ctx).ok());
            }),
            ("baseline_2_now_1_observe", |(a, ctx)| {
                let start = Instant::now();
                let fut = a.handle(ImportTailBare(black_box(1)), ctx);
                black_box(ready_act(fut, a, ctx).ok());
                observe(start, Instant::now());
            }),
            ("instrument_actor", |(a, ctx)| {
                let fut = a.handle(ImportTail(black_box(1)), ctx).into_inner();
                black_box(ready_act(fut, a, ctx).ok());
            }),
        ],
    );
}

/// The handler sites' latency histogram before native buckets and exemplars (issue 14): the
/// baseline of `actor_latency_observe`, copied.
struct ClassicLatency {
    counts: [std::sync::atomic::AtomicU64; 9],
    sum_nanos: std::sync::atomic::AtomicU64,
}

impl ClassicLatency {
    const BOUNDS: [u64; 8] = [
        1_000_000,
        5_000_000,
        10_000_000,
        50_000_000,
        100_000_000,
        500_000_000,
        1_000_000_000,
        5_000_000_000,
    ];

    #[inline]
    fn observe_nanos(&self, nanos: u64) {
        use std::sync::atomic::Ordering;
        let mut i = 0;
        while i < Self::BOUNDS.len() && nanos > Self::BOUNDS[i] {
            i += 1;
        }
        self.counts[i].fetch_add(1, Ordering::Relaxed);
        self.sum_nanos.fetch_add(nanos, Ordering::Relaxed);
    }
}

/// One latency observation of a handler site (no tracing subscriber installed): the classic
/// histogram as it was, the one with native buckets, and what a finishing message calls (the
/// same plus asking for the current trace).
fn latency_observe(c: &mut Criterion) {
    let mut g = c.benchmark_group("actor_latency_observe");
    // Latencies log-uniform in [10 us, 50 ms).
    let values: Vec<u64> = (0..1024u64)
        .map(|i| (1e4 * 5000f64.powf((i * 7919 % 1024) as f64 / 1024.0)) as u64)
        .collect();
    let classic = ClassicLatency {
        counts: Default::default(),
        sum_nanos: Default::default(),
    };
    let mut i = 0;
    g.bench_function("classic_before", |b| {
        b.iter(|| {
            i = (i + 1) & 1023;
            classic.observe_nanos(black_box(values[i]))
        })
    });
    static SITE_LATENCY: Histogram = Histogram::durations(
        &LATENCY_BUCKETS,
        &nanos_of(LATENCY_BUCKETS),
        Some(LATENCY_NATIVE),
    );
    let h = &SITE_LATENCY;
    g.bench_function("classic_and_native", |b| {
        b.iter(|| {
            i = (i + 1) & 1023;
            h.observe_nanos(black_box(values[i]))
        })
    });
    g.bench_function("classic_and_native_traced_no_span", |b| {
        b.iter(|| {
            i = (i + 1) & 1023;
            h.observe_nanos_traced(black_box(values[i]))
        })
    });
    g.finish();
}

fn bridge_collection(c: &mut Criterion) {
    let mut g = c.benchmark_group("actor_bridge");
    let bridge = ActorMetricsBridge::new(Duration::from_secs(5));
    let actors: Vec<Arc<ActorMetrics>> = (0..10_000)
        .map(|i| {
            let m = Arc::new(ActorMetrics::new());
            bridge.register(
                format!("actor-{i}"),
                ActorType::VALUES[i % ActorType::COUNT],
                Arc::clone(&m),
            );
            m
        })
        .collect();
    g.bench_function("collect_10k_actors", |b| {
        b.iter_batched(
            || {
                for m in &actors {
                    m.mailbox().on_enqueue();
                    m.record_restart(RestartReason::Timeout);
                }
            },
            |()| bridge.collect(),
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(60)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = sync_handler, async_handler, actor_future_handler, latency_observe, bridge_collection
}
criterion_main!(benches);
