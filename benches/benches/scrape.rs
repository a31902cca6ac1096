//! A full-catalogue scrape, as `GET /metrics` renders it (plain and gzip), against the
//! prometheus crate's `gather()` + `TextEncoder` over the same families, label sets and values.
//!
//! `cargo bench --bench scrape`. Divide a result by the series count printed first to get
//! nanoseconds per series.

use std::collections::HashMap;
use std::hint::black_box;
use std::io::Write as _;

use alys_metrics::collector::{Collector, SysinfoSource};
use alys_metrics::exporter::render_metrics;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use prometheus::{CounterVec, Encoder, GaugeVec, HistogramOpts, HistogramVec, Opts, TextEncoder};

/// One sample line: family name, label pairs, value.
struct Sample {
    name: String,
    labels: Vec<(String, String)>,
    value: f64,
}

fn parse_sample(line: &str) -> Sample {
    let (series, value) = line.rsplit_once(' ').expect("`series value`");
    let value = match value {
        "+Inf" => f64::INFINITY,
        v => v.parse().expect("a number"),
    };
    let (name, labels) = match series.split_once('{') {
        None => (series.to_owned(), Vec::new()),
        Some((name, rest)) => {
            let body = rest.strip_suffix('}').expect("closing brace");
            let labels = body
                .split("\",")
                .filter(|p| !p.is_empty())
                .map(|pair| {
                    let (k, v) = pair.split_once("=\"").expect("label=\"value\"");
                    (k.to_owned(), v.trim_end_matches('"').to_owned())
                })
                .collect();
            (name.to_owned(), labels)
        }
    };
    Sample {
        name,
        labels,
        value,
    }
}

enum Family {
    Counter(CounterVec),
    Gauge(GaugeVec),
    Histogram(HistogramVec),
}

/// Builds a prometheus-crate registry with the same families, series and values as `text`.
fn mirror(text: &str) -> prometheus::Registry {
    let registry = prometheus::Registry::new();
    let mut help: HashMap<&str, &str> = HashMap::new();
    let mut kinds: Vec<(&str, &str)> = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, h) = rest.split_once(' ').unwrap_or((rest, ""));
            help.insert(name, h);
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect("`# TYPE name kind`");
            kinds.push((name, kind));
        }
    }
    let samples: Vec<Sample> = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(parse_sample)
        .collect();

    let mut families: HashMap<String, Family> = HashMap::new();
    for (name, kind) in &kinds {
        let of_family: Vec<&Sample> = samples
            .iter()
            .filter(|s| {
                s.name == *name
                    || (*kind == "histogram"
                        && [
                            format!("{name}_bucket"),
                            format!("{name}_sum"),
                            format!("{name}_count"),
                        ]
                        .contains(&s.name))
            })
            .collect();
        let Some(first) = of_family.first() else {
            continue;
        };
        let label_names: Vec<&str> = first
            .labels
            .iter()
            .map(|(k, _)| k.as_str())
            .filter(|k| *k != "le")
            .collect();
        let h = help
            .get(name)
            .copied()
            .unwrap_or("help")
            .replace("\\\\", "\\");
        let h = if h.is_empty() { "help".to_owned() } else { h };
        let family = match *kind {
            "counter" => Family::Counter(
                CounterVec::new(Opts::new(*name, h), &label_names).expect("a counter"),
            ),
            "gauge" => {
                Family::Gauge(GaugeVec::new(Opts::new(*name, h), &label_names).expect("a gauge"))
            }
            _ => {
                let first_labels = &first.labels;
                let buckets: Vec<f64> = of_family
                    .iter()
                    .filter(|s| s.name.ends_with("_bucket"))
                    .filter(|s| {
                        s.labels
                            .iter()
                            .filter(|(k, _)| k != "le")
                            .eq(first_labels.iter().filter(|(k, _)| k != "le"))
                    })
                    .filter_map(|s| s.labels.iter().find(|(k, _)| k == "le"))
                    .filter_map(|(_, v)| v.parse().ok())
                    .filter(|b: &f64| b.is_finite())
                    .collect();
                Family::Histogram(
                    HistogramVec::new(HistogramOpts::new(*name, h).buckets(buckets), &label_names)
                        .expect("a histogram"),
                )
            }
        };
        match &family {
            Family::Counter(f) => registry.register(Box::new(f.clone())),
            Family::Gauge(f) => registry.register(Box::new(f.clone())),
            Family::Histogram(f) => registry.register(Box::new(f.clone())),
        }
        .expect("a unique family");
        families.insert((*name).to_owned(), family);
    }

    for s in &samples {
        let values: Vec<&str> = s
            .labels
            .iter()
            .filter(|(k, _)| k != "le")
            .map(|(_, v)| v.as_str())
            .collect();
        if let Some(f) = families.get(&s.name) {
            match f {
                Family::Counter(f) => f.with_label_values(&values).inc_by(s.value),
                Family::Gauge(f) => f.with_label_values(&values).set(s.value),
                Family::Histogram(_) => {}
            }
        } else if let Some(base) = s.name.strip_suffix("_count") {
            // Create every histogram child (empty, as in the catalogue at start-up).
            if let Some(Family::Histogram(f)) = families.get(base) {
                let _ = f.with_label_values(&values);
            }
        }
    }
    registry
}

fn scrape(c: &mut Criterion) {
    let ours = match alys_metrics::init() {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    };
    // Real resource figures, as a running node would export.
    Collector::new(SysinfoSource::new()).tick();
    let text = ours.encode_to_string();
    let series = ours.series_count();
    let baseline = mirror(&text);
    let baseline_series: usize = baseline.gather().iter().map(|f| f.get_metric().len()).sum();
    println!(
        "full catalogue: {} families, {series} series ({baseline_series} in the baseline), {} bytes",
        ours.metrics_count(),
        text.len()
    );

    let mut group = c.benchmark_group("scrape");
    group.throughput(Throughput::Elements(series as u64));
    group.bench_function("alys_plain", |b| {
        b.iter(|| black_box(render_metrics(ours, false).map(|v| v.len())))
    });
    group.bench_function("alys_gzip", |b| {
        b.iter(|| black_box(render_metrics(ours, true).map(|v| v.len())))
    });
    let encoder = TextEncoder::new();
    group.bench_function("prometheus_gather_text", |b| {
        b.iter(|| {
            let mut out = Vec::new();
            encoder
                .encode(&baseline.gather(), &mut out)
                .expect("encodes");
            black_box(out.len())
        })
    });
    group.bench_function("prometheus_gather_text_gzip", |b| {
        b.iter(|| {
            let mut out = Vec::new();
            encoder
                .encode(&baseline.gather(), &mut out)
                .expect("encodes");
            let mut gz = flate2::write::GzEncoder::new(
                Vec::with_capacity(out.len() / 8),
                flate2::Compression::fast(),
            );
            gz.write_all(&out).expect("compresses");
            black_box(gz.finish().map(|v| v.len()))
        })
    });
    group.finish();
}

criterion_group!(benches, scrape);
criterion_main!(benches);
