//! Overhead of `#[time_block]`: the same function bare, with `#[time_block]`, with the
//! reference instrumentation (two `Instant::now()` and one histogram observe) and with
//! hand-written prometheus `start_timer().observe_duration()`.
//!
//! Run: `cargo bench -p alys-metrics-benches --bench time_block`. Overhead = instrumented
//! time - bare time; the target is `#[time_block]` overhead <= 1.5 x the reference overhead.

use std::hint::black_box;
use std::time::Instant;

use alys_metrics::catalogue::chain::BLOCK_PRODUCTION_DURATION;
use alys_metrics::prelude::*;
use criterion::{criterion_group, criterion_main, Criterion};

const BUCKETS: [f64; 7] = [0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0];

/// The work being timed: a little arithmetic the optimiser cannot remove.
#[inline(always)]
fn work(x: u64) -> u64 {
    black_box(x)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .rotate_left(17)
}

#[inline(never)]
fn bare(x: u64) -> u64 {
    work(x)
}

#[inline(never)]
#[time_block(production, validator = "bench-validator")]
fn timed(x: u64) -> u64 {
    work(x)
}

struct Producer {
    id: String,
}

impl Producer {
    #[inline(never)]
    #[time_block(validation, validator = self.id)]
    fn validate(&self, x: u64) -> Result<u64, ()> {
        Ok(work(x))
    }
}

/// The reference: two clock reads and one observe into an already resolved child.
#[inline(never)]
fn reference(h: &Histogram, x: u64) -> u64 {
    let start = Instant::now();
    let out = work(x);
    h.observe(start.elapsed().as_secs_f64());
    out
}

#[inline(never)]
fn prometheus_child(h: &prometheus::Histogram, x: u64) -> u64 {
    let timer = h.start_timer();
    let out = work(x);
    timer.observe_duration();
    out
}

#[inline(never)]
fn prometheus_vec(h: &prometheus::HistogramVec, x: u64) -> u64 {
    let timer = h.with_label_values(&["bench-validator"]).start_timer();
    let out = work(x);
    timer.observe_duration();
    out
}

fn bench(c: &mut Criterion) {
    alys_metrics::init().expect("the catalogue registers");
    let child = BLOCK_PRODUCTION_DURATION.with("bench-reference");
    let opts =
        prometheus::HistogramOpts::new("bench_duration_seconds", "bench").buckets(BUCKETS.to_vec());
    let prom = prometheus::Histogram::with_opts(opts.clone()).expect("valid histogram");
    let prom_vec =
        prometheus::HistogramVec::new(opts, &["validator"]).expect("valid histogram vec");
    let producer = Producer {
        id: "bench-validator".into(),
    };

    let mut g = c.benchmark_group("time_block");
    let mut x = 0u64;
    g.bench_function("bare", |b| {
        b.iter(|| {
            x = x.wrapping_add(1);
            bare(x)
        })
    });
    g.bench_function("reference_2x_now_1x_observe", |b| {
        b.iter(|| {
            x = x.wrapping_add(1);
            reference(child, x)
        })
    });
    g.bench_function("time_block_production", |b| {
        b.iter(|| {
            x = x.wrapping_add(1);
            timed(x)
        })
    });
    g.bench_function("time_block_validation_method", |b| {
        b.iter(|| {
            x = x.wrapping_add(1);
            producer.validate(x)
        })
    });
    g.bench_function("prometheus_start_timer", |b| {
        b.iter(|| {
            x = x.wrapping_add(1);
            prometheus_child(&prom, x)
        })
    });
    g.bench_function("prometheus_vec_start_timer", |b| {
        b.iter(|| {
            x = x.wrapping_add(1);
            prometheus_vec(&prom_vec, x)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
