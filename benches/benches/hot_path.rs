//! The update hot path: `NAME.with(a, b).inc()` against a bare atomic and the prometheus crate,
//! in one criterion run. Label values are drawn from a pre-generated random sequence so that
//! branch prediction cannot learn one series.
//!
//! `cargo bench --bench hot_path`

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};

use alys_metrics::prelude::*;
use criterion::{criterion_group, criterion_main, Criterion};
use rand::{rngs::SmallRng, Rng, SeedableRng};

/// Benchmark counter.
#[alys_metric(counter, labels(phase, error_type))]
static BENCH_ERRORS: Counter;

/// Benchmark histogram.
#[alys_metric(histogram, labels(actor_type), buckets = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0])]
static BENCH_LATENCY: Histogram;

const SEQ: usize = 4096;

fn sequence() -> Vec<(MigrationPhase, ErrorType, ActorType, f64)> {
    let mut rng = SmallRng::seed_from_u64(7);
    (0..SEQ)
        .map(|_| {
            (
                MigrationPhase::VALUES[rng.random_range(0..MigrationPhase::COUNT)],
                ErrorType::VALUES[rng.random_range(0..ErrorType::COUNT)],
                ActorType::VALUES[rng.random_range(0..ActorType::COUNT)],
                rng.random_range(0.0..2.0),
            )
        })
        .collect()
}

fn counter_inc(c: &mut Criterion) {
    let seq = sequence();
    let flat: Vec<usize> = seq
        .iter()
        .map(|(p, e, _, _)| p.index() * ErrorType::COUNT + e.index())
        .collect();
    let atomics: Vec<AtomicU64> = (0..100).map(|_| AtomicU64::new(0)).collect();
    let single = AtomicU64::new(0);
    let registry = prometheus::Registry::new();
    let vec = prometheus::IntCounterVec::new(
        prometheus::Opts::new("bench_errors_total", "h"),
        &["phase", "error_type"],
    )
    .expect("valid");
    registry.register(Box::new(vec.clone())).expect("register");
    let plain = prometheus::IntCounter::new("bench_plain_total", "h").expect("valid");
    alys_metrics::init().expect("registry");

    let mut g = c.benchmark_group("counter/inc");
    let mut i = 0usize;
    g.bench_function("bare_atomic_single", |b| {
        b.iter(|| {
            i = (i + 1) % SEQ;
            black_box(&flat[i]);
            single.fetch_add(1, Ordering::Relaxed)
        })
    });
    g.bench_function("bare_atomic_indexed", |b| {
        b.iter(|| {
            i = (i + 1) % SEQ;
            atomics[flat[i]].fetch_add(1, Ordering::Relaxed)
        })
    });
    g.bench_function("alys_with_inc", |b| {
        b.iter(|| {
            i = (i + 1) % SEQ;
            let (p, e, _, _) = seq[i];
            BENCH_ERRORS.with(p, e).inc()
        })
    });
    g.bench_function("prometheus_with_label_values", |b| {
        b.iter(|| {
            i = (i + 1) % SEQ;
            let (p, e, _, _) = seq[i];
            vec.with_label_values(&[p.as_str(), e.as_str()]).inc()
        })
    });
    g.bench_function("prometheus_plain_int_counter", |b| {
        b.iter(|| {
            i = (i + 1) % SEQ;
            black_box(&flat[i]);
            plain.inc()
        })
    });
    g.finish();
}

fn histogram_observe(c: &mut Criterion) {
    let seq = sequence();
    let hvec = prometheus::HistogramVec::new(
        prometheus::HistogramOpts::new("bench_latency_seconds", "h")
            .buckets(vec![0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0]),
        &["actor_type"],
    )
    .expect("valid");
    let cached: Vec<prometheus::Histogram> = ActorType::VALUES
        .iter()
        .map(|a| hvec.with_label_values(&[a.as_str()]))
        .collect();
    alys_metrics::init().expect("registry");

    let mut g = c.benchmark_group("histogram/observe");
    let mut i = 0usize;
    g.bench_function("alys_with_observe", |b| {
        b.iter(|| {
            i = (i + 1) % SEQ;
            let (_, _, a, v) = seq[i];
            BENCH_LATENCY.with(a).observe(v)
        })
    });
    g.bench_function("prometheus_with_label_values", |b| {
        b.iter(|| {
            i = (i + 1) % SEQ;
            let (_, _, a, v) = seq[i];
            hvec.with_label_values(&[a.as_str()]).observe(v)
        })
    });
    g.bench_function("prometheus_cached_child", |b| {
        b.iter(|| {
            i = (i + 1) % SEQ;
            let (_, _, a, v) = seq[i];
            cached[a.index()].observe(v)
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(std::time::Duration::from_millis(500)).measurement_time(std::time::Duration::from_secs(3));
    targets = counter_inc, histogram_observe
}
criterion_main!(benches);
