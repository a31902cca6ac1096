//! The update hot path, side by side: a counter increment and a histogram observation on a
//! family of 18 series (`actor_type` x `operation`), by a bare relaxed atomic, ours, the
//! prometheus crate (`with_label_values` and a cached child), prometheus-client (`Family`),
//! `metrics` with `metrics-exporter-prometheus` (the `counter!` macro, and a cached handle)
//! and `measured` (a fixed-cardinality `CounterVec`).
//!
//! `cargo bench -p alys-metrics-benches --bench hot_path`. Groups:
//! - `counter_inc/1_thread_same_series`, `counter_inc/1_thread_random_series`: one thread, one
//!   series every time, or a pre-generated random sequence over the 18 (so that the branch
//!   predictor and caches cannot learn one);
//! - `counter_inc/2_threads_*`: the same on two threads at once (contended when they hit the
//!   same series); the time is wall clock per iteration, each thread doing one update per
//!   iteration;
//! - `histogram_observe/*`: the same peers observing values in `[0, 2)` into 8 buckets.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Barrier, LazyLock};
use std::time::{Duration, Instant};

use alys_metrics::prelude::*;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion};
use measured::label::{FixedCardinalityLabel, LabelValue as MeasuredLabelValue, LabelVisitor};
use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};

/// Benchmark counter: 9 actor types x 2 operations = 18 series.
#[alys_metric(counter, labels(actor_type, operation))]
static BENCH_OPS: Counter;

/// Benchmark histogram over the same 18 series.
#[alys_metric(histogram, labels(actor_type, operation), buckets = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0])]
static BENCH_LATENCY: Histogram;

const BUCKETS: [f64; 8] = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0];
const SERIES: usize = 18;
const SEQ: usize = 4096;

/// One update: the typed labels, the flat series index, and a value to observe.
#[derive(Clone, Copy)]
struct Item {
    actor: ActorType,
    op: IoOperation,
    index: usize,
    value: f64,
}

fn sequence(random: bool, seed: u64) -> Vec<Item> {
    let mut s = seed;
    let mut next = move || {
        // SplitMix64
        s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    (0..SEQ)
        .map(|_| {
            let index = if random {
                (next() % SERIES as u64) as usize
            } else {
                7
            };
            let value = (next() >> 11) as f64 / (1u64 << 53) as f64 * 2.0;
            Item {
                actor: ActorType::VALUES[index / IoOperation::COUNT],
                op: IoOperation::VALUES[index % IoOperation::COUNT],
                index,
                value,
            }
        })
        .collect()
}

// Label types for the peers that take typed label sets.

/// `actor_type` as prometheus-client and measured want it.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
struct Actor(ActorType);

/// `operation` as prometheus-client and measured want it.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
struct Op(IoOperation);

impl EncodeLabelValue for Actor {
    fn encode(&self, e: &mut LabelValueEncoder<'_>) -> Result<(), std::fmt::Error> {
        std::fmt::Write::write_str(e, self.0.as_str())
    }
}

impl EncodeLabelValue for Op {
    fn encode(&self, e: &mut LabelValueEncoder<'_>) -> Result<(), std::fmt::Error> {
        std::fmt::Write::write_str(e, self.0.as_str())
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PcLabels {
    actor_type: Actor,
    operation: Op,
}

impl MeasuredLabelValue for Actor {
    fn visit<V: LabelVisitor>(&self, v: V) -> V::Output {
        v.write_str(self.0.as_str())
    }
}

impl FixedCardinalityLabel for Actor {
    fn cardinality() -> usize {
        ActorType::COUNT
    }
    fn encode(&self) -> usize {
        self.0.index()
    }
    fn decode(value: usize) -> Self {
        Actor(ActorType::VALUES[value % ActorType::COUNT])
    }
}

impl MeasuredLabelValue for Op {
    fn visit<V: LabelVisitor>(&self, v: V) -> V::Output {
        v.write_str(self.0.as_str())
    }
}

impl FixedCardinalityLabel for Op {
    fn cardinality() -> usize {
        IoOperation::COUNT
    }
    fn encode(&self) -> usize {
        self.0.index()
    }
    fn decode(value: usize) -> Self {
        Op(IoOperation::VALUES[value % IoOperation::COUNT])
    }
}

#[derive(Clone, Copy, measured::LabelGroup)]
#[label(set = MeasuredSet)]
struct MeasuredLabels {
    actor_type: Actor,
    operation: Op,
}

/// Runs `f` over the sequence on `threads` threads and returns the wall time of `iters`
/// iterations (each thread doing `iters` updates).
fn run<F: Fn(&Item) + Sync>(threads: usize, seqs: &[Vec<Item>], iters: u64, f: &F) -> Duration {
    if threads == 1 {
        let seq = &seqs[0];
        let start = Instant::now();
        for i in 0..iters as usize {
            f(&seq[i % SEQ]);
        }
        return start.elapsed();
    }
    let barrier = Barrier::new(threads + 1);
    std::thread::scope(|s| {
        for seq in seqs.iter().take(threads) {
            let barrier = &barrier;
            s.spawn(move || {
                barrier.wait();
                for i in 0..iters as usize {
                    f(&seq[i % SEQ]);
                }
                barrier.wait();
            });
        }
        barrier.wait();
        let start = Instant::now();
        barrier.wait();
        start.elapsed()
    })
}

fn bench<F: Fn(&Item) + Sync>(
    g: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    threads: usize,
    seqs: &[Vec<Item>],
    f: F,
) {
    g.bench_function(name, |b| {
        b.iter_custom(|iters| run(threads, seqs, iters, &f))
    });
}

/// Every peer, set up once.
struct Peers {
    bare: Vec<AtomicU64>,
    prom_counter: prometheus::IntCounterVec,
    prom_counter_children: Vec<prometheus::IntCounter>,
    prom_histogram: prometheus::HistogramVec,
    prom_histogram_children: Vec<prometheus::Histogram>,
    pc_counter: prometheus_client::metrics::family::Family<
        PcLabels,
        prometheus_client::metrics::counter::Counter,
    >,
    pc_histogram: prometheus_client::metrics::family::Family<
        PcLabels,
        prometheus_client::metrics::histogram::Histogram,
        fn() -> prometheus_client::metrics::histogram::Histogram,
    >,
    metrics_counters: Vec<metrics::Counter>,
    metrics_histograms: Vec<metrics::Histogram>,
    measured_counter: measured::CounterVec<MeasuredSet>,
    measured_histogram: measured::HistogramVec<MeasuredSet, 8>,
}

fn pc_histogram() -> prometheus_client::metrics::histogram::Histogram {
    prometheus_client::metrics::histogram::Histogram::new(BUCKETS)
}

impl Peers {
    fn new() -> Self {
        alys_metrics::init().unwrap_or_else(|e| panic!("{e}"));
        let mut builder = metrics_exporter_prometheus::PrometheusBuilder::new();
        builder = builder
            .set_buckets_for_metric(
                metrics_exporter_prometheus::Matcher::Full("bench_latency_seconds".into()),
                &BUCKETS,
            )
            .expect("valid buckets");
        // The global recorder, as an application installs it (no HTTP listener), with the
        // upkeep its exporter would run (it drains the histogram samples held in memory).
        let handle = builder.install_recorder().expect("the only recorder");
        std::thread::spawn(move || loop {
            std::thread::sleep(Duration::from_secs(1));
            handle.run_upkeep();
        });

        let prom_counter = prometheus::IntCounterVec::new(
            prometheus::Opts::new("bench_ops_total", "Ops."),
            &["actor_type", "operation"],
        )
        .expect("a valid counter");
        let prom_histogram = prometheus::HistogramVec::new(
            prometheus::HistogramOpts::new("bench_latency_seconds", "Latency.")
                .buckets(BUCKETS.to_vec()),
            &["actor_type", "operation"],
        )
        .expect("a valid histogram");
        let all: Vec<(ActorType, IoOperation)> = (0..SERIES)
            .map(|i| {
                (
                    ActorType::VALUES[i / IoOperation::COUNT],
                    IoOperation::VALUES[i % IoOperation::COUNT],
                )
            })
            .collect();
        let mut measured_counter = measured::CounterVec::dense_with_label_set(MeasuredSet::new());
        measured_counter.init_all_dense();
        let mut measured_histogram = measured::HistogramVec::dense_with_label_set_and_metadata(
            MeasuredSet::new(),
            measured::metric::histogram::Thresholds::with_buckets(BUCKETS),
        );
        measured_histogram.init_all_dense();
        Self {
            bare: (0..SERIES).map(|_| AtomicU64::new(0)).collect(),
            prom_counter_children: all
                .iter()
                .map(|(a, o)| prom_counter.with_label_values(&[a.as_str(), o.as_str()]))
                .collect(),
            prom_histogram_children: all
                .iter()
                .map(|(a, o)| prom_histogram.with_label_values(&[a.as_str(), o.as_str()]))
                .collect(),
            prom_counter,
            prom_histogram,
            pc_counter: Default::default(),
            pc_histogram: prometheus_client::metrics::family::Family::new_with_constructor(
                pc_histogram,
            ),
            metrics_counters: all
                .iter()
                .map(|(a, o)| {
                    metrics::counter!("bench_ops_total", "actor_type" => a.as_str(), "operation" => o.as_str())
                })
                .collect(),
            metrics_histograms: all
                .iter()
                .map(|(a, o)| {
                    metrics::histogram!("bench_latency_seconds", "actor_type" => a.as_str(), "operation" => o.as_str())
                })
                .collect(),
            measured_counter,
            measured_histogram,
        }
    }
}

/// Set up once for both groups: the `metrics` recorder can be installed once per process.
static PEERS: LazyLock<Peers> = LazyLock::new(Peers::new);

fn counter_inc(c: &mut Criterion) {
    let p = &*PEERS;
    for (threads, random) in [(1, false), (1, true), (2, false), (2, true)] {
        let seqs: Vec<Vec<Item>> = (0..threads as u64)
            .map(|t| sequence(random, t + 1))
            .collect();
        let seqs = &seqs;
        let pattern = if random {
            "random_series"
        } else {
            "same_series"
        };
        let mut g = c.benchmark_group(format!("counter_inc/{threads}_thread_{pattern}"));
        bench(&mut g, "bare_atomic", threads, seqs, |i| {
            p.bare[i.index].fetch_add(1, Ordering::Relaxed);
        });
        bench(&mut g, "alys_with_inc", threads, seqs, |i| {
            BENCH_OPS.with(i.actor, i.op).inc()
        });
        bench(&mut g, "prometheus_with_label_values", threads, seqs, |i| {
            p.prom_counter
                .with_label_values(&[i.actor.as_str(), i.op.as_str()])
                .inc()
        });
        bench(&mut g, "prometheus_cached_child", threads, seqs, |i| {
            p.prom_counter_children[i.index].inc()
        });
        bench(&mut g, "prometheus_client_family", threads, seqs, |i| {
            p.pc_counter
                .get_or_create(&PcLabels {
                    actor_type: Actor(i.actor),
                    operation: Op(i.op),
                })
                .inc();
        });
        bench(&mut g, "metrics_counter_macro", threads, seqs, |i| {
            metrics::counter!("bench_ops_total", "actor_type" => i.actor.as_str(), "operation" => i.op.as_str()).increment(1)
        });
        bench(&mut g, "metrics_cached_handle", threads, seqs, |i| {
            p.metrics_counters[i.index].increment(1)
        });
        bench(&mut g, "measured_counter_vec", threads, seqs, |i| {
            p.measured_counter.inc(MeasuredLabels {
                actor_type: Actor(i.actor),
                operation: Op(i.op),
            })
        });
        g.finish();
    }
    black_box(&p.bare);
}

fn histogram_observe(c: &mut Criterion) {
    let p = &*PEERS;
    for threads in [1, 2] {
        let seqs: Vec<Vec<Item>> = (0..threads as u64)
            .map(|t| sequence(true, t + 11))
            .collect();
        let seqs = &seqs;
        let mut g = c.benchmark_group(format!("histogram_observe/{threads}_thread_random_series"));
        bench(&mut g, "bare_atomic", threads, seqs, |i| {
            p.bare[i.index].fetch_add(i.value.to_bits() & 1, Ordering::Relaxed);
        });
        bench(&mut g, "alys_with_observe", threads, seqs, |i| {
            BENCH_LATENCY.with(i.actor, i.op).observe(i.value)
        });
        bench(&mut g, "prometheus_with_label_values", threads, seqs, |i| {
            p.prom_histogram
                .with_label_values(&[i.actor.as_str(), i.op.as_str()])
                .observe(i.value)
        });
        bench(&mut g, "prometheus_cached_child", threads, seqs, |i| {
            p.prom_histogram_children[i.index].observe(i.value)
        });
        bench(&mut g, "prometheus_client_family", threads, seqs, |i| {
            p.pc_histogram
                .get_or_create(&PcLabels {
                    actor_type: Actor(i.actor),
                    operation: Op(i.op),
                })
                .observe(i.value);
        });
        bench(&mut g, "metrics_histogram_macro", threads, seqs, |i| {
            metrics::histogram!("bench_latency_seconds", "actor_type" => i.actor.as_str(), "operation" => i.op.as_str()).record(i.value)
        });
        bench(&mut g, "metrics_cached_handle", threads, seqs, |i| {
            p.metrics_histograms[i.index].record(i.value)
        });
        bench(&mut g, "measured_histogram_vec", threads, seqs, |i| {
            p.measured_histogram.observe(
                MeasuredLabels {
                    actor_type: Actor(i.actor),
                    operation: Op(i.op),
                },
                i.value,
            )
        });
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1));
    targets = counter_inc, histogram_observe
}
criterion_main!(benches);
