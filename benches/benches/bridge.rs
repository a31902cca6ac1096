//! The bridge's recording paths against a pre-resolved counter increment, in one run.
//!
//! `cargo bench -p alys-metrics-benches --bench bridge`. Groups:
//! - `bridge_step/*`: the calls on the paths that run most often, which read no clock:
//!   a peg-in's confirmations observed (`PegIn::confirmations`: a field of the handle) and a
//!   federation signature received below the quorum (`PegOut::signature_received`: one
//!   relaxed atomic add, a field, a compare), against `Counter::inc` on a pre-resolved child
//!   (the floor: one relaxed atomic add);
//! - `bridge_timed_stage/*`: a peg-out stage that times itself (`PegOut::tx_built_at` with
//!   the caller's instant, and `tx_built` reading the clock: a histogram observation and the
//!   last-activity maximum), against the same counter and against a hand-written timer
//!   (`Instant::now()` and `Histogram::observe`);
//! - `bridge_lifecycle/*`: a whole peg-in (detected, confirmed, minted: a slot of the table of
//!   operations in flight claimed and freed, three counters, two histograms) against the
//!   prometheus crate doing the same counting and observing with a `HashMap` of pending
//!   deposits behind a `Mutex`, as a bridge written without handles keeps them.

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use alys_metrics::chain::bridge::{PegIn, PegOut};
use alys_metrics::prelude::*;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};

/// The floor: an unlabelled counter, incremented in place.
#[alys_metric(counter)]
static BENCH_BRIDGE_FLOOR: Counter;

/// A histogram for the hand-written timer, with the tx-build buckets.
#[alys_metric(
    histogram,
    buckets = [0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0]
)]
static BENCH_BRIDGE_TIMER: Histogram;

fn step(c: &mut Criterion) {
    let floor: &Counter = &BENCH_BRIDGE_FLOOR;
    let mut pegin = PegIn::detected(150_000_000);
    let mut pegout = PegOut::requested(40_000_000);
    pegout.tx_built().expect("requested -> tx_built");
    // A quorum never reached: every call takes the path below the quorum.
    pegout
        .signatures_requested(5, u32::MAX)
        .expect("tx_built -> signing");
    let mut g = c.benchmark_group("bridge_step");
    g.bench_function("counter_child_inc", |b| b.iter(|| black_box(floor).inc()));
    let mut n = 0u32;
    g.bench_function("pegin_confirmations", |b| {
        b.iter(|| {
            n = n.wrapping_add(1);
            black_box(&mut pegin).confirmations(black_box(n));
        })
    });
    g.bench_function("pegout_signature_received", |b| {
        b.iter(|| black_box(black_box(&mut pegout).signature_received()))
    });
    g.finish();
    pegin.minted();
    pegout.confirmed();
}

fn timed_stage(c: &mut Criterion) {
    let floor: &Counter = &BENCH_BRIDGE_FLOOR;
    let timer: &Histogram = &BENCH_BRIDGE_TIMER;
    let t0 = Instant::now();
    let mut g = c.benchmark_group("bridge_timed_stage");
    g.bench_function("counter_child_inc", |b| b.iter(|| black_box(floor).inc()));
    g.bench_function("hand_written_timer", |b| {
        b.iter(|| black_box(timer).observe(black_box(t0).elapsed().as_secs_f64()))
    });
    let at = t0 + Duration::from_millis(80);
    g.bench_function("pegout_tx_built_at", |b| {
        b.iter_batched_ref(
            || PegOut::requested_at(1_000_000, t0),
            |out| black_box(out.tx_built_at(black_box(at))),
            BatchSize::SmallInput,
        )
    });
    g.bench_function("pegout_tx_built", |b| {
        b.iter_batched_ref(
            || PegOut::requested_at(1_000_000, t0),
            |out| black_box(out.tx_built()),
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

fn lifecycle(c: &mut Criterion) {
    let registry = prometheus::Registry::new();
    let attempts = prometheus::IntCounter::new("bridge_pegin_attempts_total", "a").expect("ok");
    let processed = prometheus::IntCounter::new("bridge_pegins_processed_total", "p").expect("ok");
    let volume = prometheus::Counter::new("bridge_pegin_volume_btc", "v").expect("ok");
    let duration = prometheus::Histogram::with_opts(prometheus::HistogramOpts::new(
        "bridge_pegin_processing_duration_seconds",
        "d",
    ))
    .expect("ok");
    let confirmations = prometheus::Histogram::with_opts(prometheus::HistogramOpts::new(
        "bridge_pegin_confirmations",
        "c",
    ))
    .expect("ok");
    for m in [
        Box::new(attempts.clone()) as Box<dyn prometheus::core::Collector>,
        Box::new(processed.clone()),
        Box::new(volume.clone()),
        Box::new(duration.clone()),
        Box::new(confirmations.clone()),
    ] {
        registry.register(m).expect("registered");
    }
    let pending: Mutex<HashMap<u64, (u64, Instant, u32)>> = Mutex::new(HashMap::new());
    let mut g = c.benchmark_group("bridge_lifecycle");
    g.bench_function("pegin_handle", |b| {
        b.iter(|| {
            let mut p = PegIn::detected(black_box(150_000_000));
            p.confirmations(6);
            black_box(p.minted())
        })
    });
    let mut id = 0u64;
    g.bench_function("prometheus_with_pending_map", |b| {
        b.iter(|| {
            id += 1;
            attempts.inc();
            pending
                .lock()
                .expect("lock")
                .insert(id, (black_box(150_000_000), Instant::now(), 0));
            if let Some(e) = pending.lock().expect("lock").get_mut(&id) {
                e.2 = 6;
            }
            let entry = pending.lock().expect("lock").remove(&id);
            if let Some((sat, detected, confs)) = entry {
                processed.inc();
                volume.inc_by(sat as f64 / 1e8);
                duration.observe(detected.elapsed().as_secs_f64());
                confirmations.observe(f64::from(confs));
            }
        })
    });
    g.finish();
}

criterion_group!(benches, step, timed_stage, lifecycle);
criterion_main!(benches);
