//! Gather + encode, side by side: ours, the prometheus crate (`gather()` + `TextEncoder`),
//! prometheus-client, `metrics` + `metrics-exporter-prometheus` and `measured`, each holding
//! the same registry: synthetic ones of 100, 1,000 and 5,000 series (5 % histograms with 10
//! buckets; see `RegistrySpec::synthetic`) and the full catalogue (as the node exports it
//! after one collector tick, mirrored into every peer). Then the full catalogue as
//! `GET /metrics` renders it, plain and gzip, against the prometheus crate.
//!
//! Then the catalogue in each exposition format (text 0.0.4, OpenMetrics, protobuf) against
//! prometheus-client's encoder for the same format, with the block production and validation
//! histograms holding native buckets and exemplars in ours and native buckets in
//! prometheus-client's (`new_classic_and_native`, schema 3, 160 buckets), plain and gzipped.
//!
//! Last, the Alys node's prometheus 0.13 registry (250 families) served through
//! `Registry::include`, in each format, against that registry's own `gather()` + `TextEncoder`.
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

use alys_metrics::collector::{ProcessCollector, SysinfoSource};
use alys_metrics::encode::{render, Format};
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
    ProcessCollector::new(SysinfoSource::new()).tick();
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
        b.iter(|| black_box(render(ours, Format::Text, false).map(|v| v.len())))
    });
    g.bench_function("alys_render_metrics_gzip", |b| {
        b.iter(|| black_box(render(ours, Format::Text, true).map(|v| v.len())))
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

/// `spec` in prometheus-client, as `prom_client::build` does, with the histograms named in
/// `native` keeping native buckets (schema 3, 160 buckets) beside their classic ones.
fn prom_client_native(
    spec: &RegistrySpec,
    native: &[&str],
) -> prometheus_client::registry::Registry {
    use prometheus_client::metrics::family::Family;
    use prometheus_client::metrics::histogram::{Histogram, NativeHistogramConfig};
    let mut plain = spec.clone();
    plain
        .families
        .retain(|f| !native.contains(&f.name.as_str()));
    let mut registry = prom_client::build(&plain);
    for f in spec
        .families
        .iter()
        .filter(|f| native.contains(&f.name.as_str()))
    {
        let buckets = f.buckets.clone();
        let family =
            Family::<Vec<(String, String)>, Histogram, _>::new_with_constructor(move || {
                Histogram::new_classic_and_native(
                    buckets.clone(),
                    NativeHistogramConfig::with_schema(3).max_buckets(160),
                )
            });
        for s in &f.series {
            let labels = f
                .label_names
                .iter()
                .cloned()
                .zip(s.labels.iter().cloned())
                .collect();
            let child = family.get_or_create(&labels);
            for o in &s.observations {
                child.observe(*o);
            }
        }
        registry.register(f.name.clone(), f.help.clone(), family);
    }
    registry
}

/// The latency histograms declared `native`, with observations (and exemplars) spread over
/// their range.
fn drive_native_histograms() -> [&'static str; 2] {
    use alys_metrics::catalogue::chain::{BLOCK_PRODUCTION_DURATION, BLOCK_VALIDATION_DURATION};
    use alys_metrics::exemplar::TraceId;
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x >> 11) as f64 / (1u64 << 53) as f64
    };
    for v in [
        "validator_00",
        "validator_01",
        "validator_02",
        "validator_03",
    ] {
        for i in 0..200 {
            let p = 0.05 * 100f64.powf(next());
            BLOCK_PRODUCTION_DURATION
                .with(v)
                .observe_with_exemplar(p, TraceId::from_u64(i));
            BLOCK_VALIDATION_DURATION
                .with(v)
                .observe(0.005 * 100f64.powf(next()));
        }
    }
    [
        "alys_block_production_duration_seconds",
        "alys_block_validation_duration_seconds",
    ]
}

fn formats(c: &mut Criterion) {
    use alys_metrics::encode::{gzip_body, render, Format};
    use prometheus_client::encoding::{prometheus_protobuf, prometheus_text, text};
    let ours = alys_metrics::init().unwrap_or_else(|e| panic!("{e}"));
    ProcessCollector::new(SysinfoSource::new()).tick();
    let native = drive_native_histograms();
    let spec =
        RegistrySpec::from_exposition(&ours.encode_to_string()).expect("our exposition parses");
    let theirs = prom_client_native(&spec, &native);
    let series = ours.series_count();
    let mut sizes = Vec::new();
    for f in [Format::Text, Format::OpenMetrics, Format::Protobuf] {
        let mut out = Vec::new();
        ours.encode_format(f, &mut out);
        sizes.push(format!("{f:?} {} bytes", out.len()));
    }
    let mut s = String::new();
    prometheus_text::encode(&mut s, &theirs).expect("encodes");
    let t = s.len();
    s.clear();
    text::encode(&mut s, &theirs).expect("encodes");
    let o = s.len();
    let p = prometheus_protobuf::encode_to_vec(&theirs)
        .expect("encodes")
        .len();
    println!(
        "catalogue formats, ours: {}; prometheus-client: text {t}, OpenMetrics {o}, protobuf {p} bytes",
        sizes.join(", ")
    );

    let mut g = c.benchmark_group("scrape/catalogue_formats");
    g.throughput(Throughput::Elements(series as u64));
    let mut buf = Vec::new();
    for (name, f) in [
        ("alys_text", Format::Text),
        ("alys_openmetrics", Format::OpenMetrics),
        ("alys_protobuf", Format::Protobuf),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                buf.clear();
                ours.encode_format(f, &mut buf);
                black_box(buf.len())
            })
        });
    }
    let mut st = String::new();
    g.bench_function("prometheus_client_text", |b| {
        b.iter(|| {
            st.clear();
            prometheus_text::encode(&mut st, &theirs).expect("encodes");
            black_box(st.len())
        })
    });
    g.bench_function("prometheus_client_openmetrics", |b| {
        b.iter(|| {
            st.clear();
            text::encode(&mut st, &theirs).expect("encodes");
            black_box(st.len())
        })
    });
    g.bench_function("prometheus_client_protobuf", |b| {
        b.iter(|| black_box(prometheus_protobuf::encode_to_vec(&theirs).map(|v| v.len())))
    });
    g.finish();

    // As `GET /metrics` answers each format gzipped, against prometheus-client's encoder
    // followed by the same gzip.
    let mut g = c.benchmark_group("scrape/catalogue_formats_gzip");
    g.throughput(Throughput::Elements(series as u64));
    for (name, f) in [
        ("alys_text", Format::Text),
        ("alys_openmetrics", Format::OpenMetrics),
        ("alys_protobuf", Format::Protobuf),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| black_box(render(ours, f, true).map(|v| v.len())))
        });
    }
    g.bench_function("prometheus_client_text", |b| {
        b.iter(|| {
            let mut s = String::new();
            prometheus_text::encode(&mut s, &theirs).expect("encodes");
            black_box(gzip_body(s.as_bytes()).map(|v| v.len()))
        })
    });
    g.bench_function("prometheus_client_openmetrics", |b| {
        b.iter(|| {
            let mut s = String::new();
            text::encode(&mut s, &theirs).expect("encodes");
            black_box(gzip_body(s.as_bytes()).map(|v| v.len()))
        })
    });
    g.bench_function("prometheus_client_protobuf", |b| {
        b.iter(|| {
            let body = prometheus_protobuf::encode_to_vec(&theirs).expect("encodes");
            black_box(gzip_body(&body).map(|v| v.len()))
        })
    });
    g.finish();

    // Start times (issue 22): the full catalogue with and without each counter's and
    // histogram's `created_timestamp` (protobuf) or `_created` lines (OpenMetrics).
    use alys_metrics::encode::created::CreatedTimestamps;
    let mut g = c.benchmark_group("scrape/catalogue_created");
    g.throughput(Throughput::Elements(series as u64));
    for (name, f, created) in [
        ("alys_protobuf_without_created", Format::Protobuf, false),
        ("alys_protobuf_with_created", Format::Protobuf, true),
        (
            "alys_openmetrics_without_created",
            Format::OpenMetrics,
            false,
        ),
        ("alys_openmetrics_with_created", Format::OpenMetrics, true),
    ] {
        ours.set_created_timestamps(CreatedTimestamps {
            protobuf: created,
            openmetrics: created,
        });
        let mut out = Vec::new();
        ours.encode_format(f, &mut out);
        println!("{name}: {} bytes", out.len());
        g.bench_function(name, |b| {
            b.iter(|| {
                buf.clear();
                ours.encode_format(f, &mut buf);
                black_box(buf.len())
            })
        });
    }
    ours.set_created_timestamps(CreatedTimestamps::default());
    g.finish();
}

/// The Alys node's way in (issue 27): its prometheus 0.13 registry served by ours through
/// `Registry::include`, against that registry rendered alone by its own `gather()` and
/// `TextEncoder` (what the node's `/metrics` does today). 250 families of 5 series
/// (`RegistrySpec::synthetic(1250)`: 5 % histograms with 10 buckets), included into a
/// registry that holds nothing else but our two built-in families; in text 0.0.4, OpenMetrics
/// and protobuf, and through `Include::text` (the version-independent path: their text
/// parsed back at each scrape).
fn include_0_13(c: &mut Criterion) {
    use alys_metrics::encode::Format;
    use alys_metrics::Include;
    use alys_metrics_benches::peers::prom::v0_13;

    let spec = RegistrySpec::synthetic(1_250);
    let legacy = v0_13::build(&spec).expect("prometheus 0.13 builds the spec");
    let ours = Registry::new();
    ours.include(legacy.clone()).expect("no clash");
    let by_text = Registry::new();
    let reg = legacy.clone();
    by_text
        .include(Include::text("prometheus 0.13 text", move |out| {
            use prometheus_0_13::Encoder as _;
            let _ = prometheus_0_13::TextEncoder::new().encode(&reg.gather(), out);
        }))
        .expect("no clash");
    let mut alone = Vec::new();
    v0_13::scrape(&legacy, &mut alone).expect("encodes");
    let mut included = Vec::new();
    ours.encode(&mut included);
    println!(
        "include_0_13: {} families, {} series; alone {} bytes, included {} bytes",
        spec.families.len(),
        spec.series_count(),
        alone.len(),
        included.len()
    );

    // Allocations of one scrape (after a warm-up): deterministic, where times on a shared
    // machine are not.
    let mut buf = Vec::new();
    let mut count = |name: &str, scrape: &mut dyn FnMut(&mut Vec<u8>)| {
        scrape(&mut buf);
        let region = Region::new(GLOBAL);
        scrape(&mut buf);
        let stats = region.change();
        println!(
            "allocations per scrape | include_0_13 | {name} | {} allocs + {} reallocs | {} bytes allocated",
            stats.allocations, stats.reallocations, stats.bytes_allocated
        );
    };
    count("prometheus_0_13_gather_text_alone", &mut |b| {
        v0_13::scrape(&legacy, b).expect("encodes");
    });
    for (name, f) in [
        ("alys_include_text", Format::Text),
        ("alys_include_openmetrics", Format::OpenMetrics),
        ("alys_include_protobuf", Format::Protobuf),
    ] {
        count(name, &mut |b| {
            b.clear();
            ours.encode_format(f, b);
        });
    }

    let mut g = c.benchmark_group("scrape/include_0_13_250_families");
    g.throughput(Throughput::Elements(spec.series_count() as u64));
    let mut buf = Vec::new();
    g.bench_function("prometheus_0_13_gather_text_alone", |b| {
        b.iter(|| {
            v0_13::scrape(&legacy, &mut buf).expect("encodes");
            black_box(buf.len())
        })
    });
    for (name, f) in [
        ("alys_include_text", Format::Text),
        ("alys_include_openmetrics", Format::OpenMetrics),
        ("alys_include_protobuf", Format::Protobuf),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                buf.clear();
                ours.encode_format(f, &mut buf);
                black_box(buf.len())
            })
        });
    }
    g.bench_function("alys_include_by_text_source_text", |b| {
        b.iter(|| {
            buf.clear();
            by_text.encode(&mut buf);
            black_box(buf.len())
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = catalogue, formats, synthetic, include_0_13
}
criterion_main!(benches);
