//! A timed empty function, side by side: the clock alone, ours (`#[time_block]`,
//! `#[instrument_actor]`, `Histogram::start_timer`), the prometheus crate's `start_timer`
//! (on a cached child and through `with_label_values`) and `#[autometrics]`.
//!
//! `cargo bench -p alys-metrics-benches --bench timed`. Every variant calls the same
//! `#[inline(never)]` function that returns its argument; subtract `bare` for the overhead.

use std::hint::black_box;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use alys_metrics::prelude::*;
use criterion::{criterion_group, criterion_main, Criterion};

/// The empty function every variant times.
#[inline(never)]
fn empty(x: u64) -> u64 {
    black_box(x)
}

#[inline(never)]
fn clock_alone(x: u64) -> u64 {
    let start = Instant::now();
    let out = empty(x);
    black_box(start.elapsed());
    out
}

#[inline(never)]
#[time_block(production, validator = "bench-validator")]
fn time_block_production(x: u64) -> u64 {
    empty(x)
}

#[inline(never)]
fn ours_start_timer(x: u64) -> u64 {
    let timer = OURS.start_timer();
    let out = empty(x);
    timer.observe_duration();
    out
}

struct ChainActor;

struct Tick(u64);

#[instrument_actor(message = system)]
impl ChainActor {
    #[inline(never)]
    fn handle_tick(&mut self, msg: Tick) -> u64 {
        empty(msg.0)
    }
}

static OURS: LazyLock<alys_metrics::Histogram> = LazyLock::new(|| {
    alys_metrics::Histogram::with_bounds(&[0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0])
});

static PROM: LazyLock<prometheus::HistogramVec> = LazyLock::new(|| {
    prometheus::HistogramVec::new(
        prometheus::HistogramOpts::new("bench_timed_seconds", "Timed.")
            .buckets(vec![0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0]),
        &["actor_type"],
    )
    .expect("a valid histogram")
});

#[inline(never)]
fn prometheus_cached(h: &prometheus::Histogram, x: u64) -> u64 {
    let timer = h.start_timer();
    let out = empty(x);
    timer.observe_duration();
    out
}

#[inline(never)]
fn prometheus_with_label_values(x: u64) -> u64 {
    let timer = PROM.with_label_values(&["chain"]).start_timer();
    let out = empty(x);
    timer.observe_duration();
    out
}

#[inline(never)]
#[autometrics::autometrics]
fn autometrics_fn(x: u64) -> u64 {
    empty(x)
}

fn timed(c: &mut Criterion) {
    alys_metrics::init().expect("the catalogue registers");
    let cached = PROM.with_label_values(&["chain"]);
    let mut actor = ChainActor;
    let mut g = c.benchmark_group("timed_fn");
    let mut x = 0u64;
    let mut next = || {
        x = x.wrapping_add(1);
        x
    };
    g.bench_function("bare", |b| b.iter(|| empty(next())));
    g.bench_function("clock_alone_std_instant", |b| {
        b.iter(|| clock_alone(next()))
    });
    g.bench_function("ours_time_block", |b| {
        b.iter(|| time_block_production(next()))
    });
    g.bench_function("ours_instrument_actor", |b| {
        b.iter(|| actor.handle_tick(Tick(next())))
    });
    g.bench_function("ours_histogram_start_timer", |b| {
        b.iter(|| ours_start_timer(next()))
    });
    g.bench_function("prometheus_cached_start_timer", |b| {
        b.iter(|| prometheus_cached(&cached, next()))
    });
    g.bench_function("prometheus_with_label_values_start_timer", |b| {
        b.iter(|| prometheus_with_label_values(next()))
    });
    g.bench_function("autometrics", |b| b.iter(|| autometrics_fn(next())));
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = timed
}
criterion_main!(benches);
