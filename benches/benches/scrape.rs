//! Gather + encode, side by side: ours, the prometheus crate (`gather()` + `TextEncoder`),
//! prometheus-client, `metrics` + `metrics-exporter-prometheus` and `measured`, each holding
//! the same registry: synthetic ones of 100, 1,000 and 5,000 series (5 % histograms with 10
//! buckets; see `RegistrySpec::synthetic`) and the full catalogue (as the node exports it
//! after one collector tick, mirrored into every peer). Then the full catalogue as
//! `GET /metrics` renders it, plain and gzip, against the prometheus crate.
//!
//! `cargo bench -p alys-metrics-benches --bench scrape`. Criterion reports the time of one
//! scrape and series per second; before each group the allocations of one scrape of each
//! library are printed (a counting global allocator wraps the system one).
//!
//! Every library writes into a buffer kept from the previous scrape where its API allows it
//! (ours, prometheus and metrics into a `Vec<u8>`, prometheus-client into a `String`,
//! measured into its `BufferedTextEncoder`).

use std::alloc::System;
use std::hint::black_box;
use std::io::Write as _;
use std::time::Duration;

use alys_metrics::collector::{Collector, SysinfoSource};
use alys_metrics::exporter::render_metrics;
use alys_metrics::Registry;
use alys_metrics_benches::peers::{measured_peer, metrics_rs, ours, prom, prom_client};
use alys_metrics_benches::spec::RegistrySpec;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion, Throughput};
use measured::text::BufferedTextEncoder;
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// One registry in every library.
struct Peers<'a> {
    ours: &'a Registry,
    prom: prometheus::Registry,
    prom_client: prometheus_client::registry::Registry,
    metrics: metrics_exporter_prometheus::PrometheusHandle,
    measured: measured_peer::Registry,
}

/// The output buffers, kept across scrapes.
#[derive(Default)]
struct Buffers {
    bytes: Vec<u8>,
    string: String,
    measured: BufferedTextEncoder,
}

impl Peers<'_> {
    fn build<'a>(ours: &'a Registry, spec: &RegistrySpec) -> Peers<'a> {
        Peers {
            ours,
            prom: prom::build(spec).expect("the prometheus crate builds the spec"),
            prom_client: prom_client::build(spec),
            metrics: metrics_rs::build(spec).expect("metrics builds the spec"),
            measured: measured_peer::build(spec).expect("measured builds the spec"),
        }
    }

    /// One scrape of library `lib`; returns the bytes written.
    fn scrape(&self, lib: Lib, buf: &mut Buffers) -> usize {
        match lib {
            Lib::Ours => {
                buf.bytes.clear();
                self.ours.encode(&mut buf.bytes);
                buf.bytes.len()
            }
            Lib::Prometheus => {
                prom::scrape(&self.prom, &mut buf.bytes).expect("encodes");
                buf.bytes.len()
            }
            Lib::PrometheusClient => {
                prom_client::scrape(&self.prom_client, &mut buf.string).expect("encodes");
                buf.string.len()
            }
            Lib::Metrics => {
                metrics_rs::scrape(&self.metrics, &mut buf.bytes).expect("renders");
                buf.bytes.len()
            }
            Lib::Measured => measured_peer::scrape(&self.measured, &mut buf.measured).len(),
        }
    }
}

#[derive(Clone, Copy)]
enum Lib {
    Ours,
    Prometheus,
    PrometheusClient,
    Metrics,
    Measured,
}

const LIBS: [(Lib, &str); 5] = [
    (Lib::Ours, "alys"),
    (Lib::Prometheus, "prometheus_gather_text"),
    (Lib::PrometheusClient, "prometheus_client"),
    (Lib::Metrics, "metrics_exporter_prometheus"),
    (Lib::Measured, "measured"),
];

/// Prints the allocations and bytes of one scrape of each library (after one warm-up).
fn print_allocations(label: &str, series: usize, peers: &Peers<'_>) {
    let mut buf = Buffers::default();
    for (lib, name) in LIBS {
        peers.scrape(lib, &mut buf);
        let region = Region::new(GLOBAL);
        let len = peers.scrape(lib, &mut buf);
        let stats = region.change();
        println!(
            "allocations per scrape | {label} | {series} series | {name} | {} allocs + {} reallocs | {} bytes allocated | {len} bytes of text",
            stats.allocations, stats.reallocations, stats.bytes_allocated
        );
    }
}

fn bench_libs(g: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>, peers: &Peers<'_>) {
    for (lib, name) in LIBS {
        let mut buf = Buffers::default();
        g.bench_function(name, |b| b.iter(|| black_box(peers.scrape(lib, &mut buf))));
    }
}

fn synthetic(c: &mut Criterion) {
    for n in [100, 1_000, 5_000] {
        let spec = RegistrySpec::synthetic(n);
        let ours = ours::build(&spec).expect("ours builds the spec");
        let peers = Peers::build(&ours, &spec);
        print_allocations("synthetic", n, &peers);
        let mut g = c.benchmark_group(format!("scrape/{n}_series"));
        g.throughput(Throughput::Elements(n as u64));
        bench_libs(&mut g, &peers);
        g.finish();
    }
}

fn catalogue(c: &mut Criterion) {
    let ours = alys_metrics::init().unwrap_or_else(|e| panic!("{e}"));
    // Real resource figures, as a running node exports them.
    Collector::new(SysinfoSource::new()).tick();
    let text = ours.encode_to_string();
    let spec = RegistrySpec::from_exposition(&text).expect("our exposition parses");
    let series = ours.series_count();
    println!(
        "full catalogue: {} families, {series} series ({} mirrored), {} bytes",
        ours.metrics_count(),
        spec.series_count(),
        text.len()
    );
    let peers = Peers::build(ours, &spec);
    print_allocations("catalogue", series, &peers);
    let mut g = c.benchmark_group("scrape/catalogue");
    g.throughput(Throughput::Elements(series as u64));
    bench_libs(&mut g, &peers);
    g.finish();

    // As `GET /metrics` answers: a fresh buffer per scrape, optionally gzipped.
    let mut g = c.benchmark_group("scrape/catalogue_http_body");
    g.throughput(Throughput::Elements(series as u64));
    g.bench_function("alys_render_metrics_plain", |b| {
        b.iter(|| black_box(render_metrics(ours, false).map(|v| v.len())))
    });
    g.bench_function("alys_render_metrics_gzip", |b| {
        b.iter(|| black_box(render_metrics(ours, true).map(|v| v.len())))
    });
    g.bench_function("prometheus_gather_text_gzip", |b| {
        b.iter(|| {
            let mut out = Vec::new();
            prom::scrape(&peers.prom, &mut out).expect("encodes");
            let mut gz = flate2::write::GzEncoder::new(
                Vec::with_capacity(out.len() / 8),
                flate2::Compression::fast(),
            );
            gz.write_all(&out).expect("compresses");
            black_box(gz.finish().map(|v| v.len()))
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = catalogue, synthetic
}
criterion_main!(benches);
