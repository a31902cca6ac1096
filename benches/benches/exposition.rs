//! What the modern exposition costs: gzip of the catalogue body by backend and level, and a
//! native histogram observation against a classic one and against prometheus-client's.
//!
//! `cargo bench -p alys-metrics-benches --bench exposition`. Groups:
//! - `gzip/catalogue_text`: the full catalogue's text body (after one collector tick) rendered
//!   plain, then rendered and gzipped by the exporter's own path (`encode::render`), by flate2
//!   at levels 1, 3 and 6 (flate2's backend is the one the workspace builds: zlib-rs), and by
//!   miniz_oxide (flate2's former pure-Rust backend) at levels 1 and 3 (raw deflate, without
//!   the gzip header and CRC, so a little in its favour), miniz_oxide's Huffman-only and RLE
//!   strategies (no or run-length-only matching), and the CRC-32 alone (every gzip's floor);
//! - `observe/*`: a copy of our classic `observe` from before this change (the baseline for
//!   "the hot path without an exemplar must not get slower"), then one observation of values spread over `[1e-4, 10)` into an unlabelled
//!   histogram with 8 classic buckets: ours classic, ours native (schema 3, 160 buckets; the
//!   classic buckets are kept alongside), ours native with an exemplar, ours `observe_traced` outside any span (what an actor
//!   guard pays for exemplars when no span is entered), prometheus-client
//!   classic, prometheus-client native (`new_native`, schema 3) and classic + native.

use std::hint::black_box;
use std::io::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use alys_metrics::collector::{ProcessCollector, SysinfoSource};
use alys_metrics::encode::{render, Format};
use alys_metrics::exemplar::TraceId;
use alys_metrics::metric::NativeConfig;
use alys_metrics::Histogram;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use prometheus_client::metrics::histogram::{Histogram as PcHistogram, NativeHistogramConfig};

const BUCKETS: [f64; 8] = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0];

fn gzip(c: &mut Criterion) {
    let registry = alys_metrics::init().unwrap_or_else(|e| panic!("{e}"));
    ProcessCollector::new(SysinfoSource::new()).tick();
    let text = registry.encode_to_string().into_bytes();
    let flate = |level: u32| {
        let mut gz = flate2::write::GzEncoder::new(
            Vec::with_capacity(text.len() / 6),
            flate2::Compression::new(level),
        );
        gz.write_all(&text).expect("compresses");
        gz.finish().expect("compresses").len()
    };
    for level in [1, 3, 6] {
        println!(
            "catalogue text {} bytes: flate2 level {level} -> {} bytes; miniz_oxide -> {} bytes",
            text.len(),
            flate(level),
            miniz_oxide::deflate::compress_to_vec(&text, level as u8).len()
        );
    }
    let mut g = c.benchmark_group("gzip/catalogue_text");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("render_plain", |b| {
        b.iter(|| black_box(render(registry, Format::Text, false).map(|v| v.len())))
    });
    g.bench_function("render_gzip", |b| {
        b.iter(|| black_box(render(registry, Format::Text, true).map(|v| v.len())))
    });
    g.bench_function("gzip_body_level_1_reused_state", |b| {
        b.iter(|| black_box(alys_metrics::encode::gzip_body(&text).map(|v| v.len())))
    });
    for level in [1, 3, 6] {
        g.bench_function(format!("flate2_level_{level}"), |b| {
            b.iter(|| black_box(flate(level)))
        });
    }
    g.bench_function("flate2_level_1_empty_body", |b| {
        b.iter(|| {
            let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(1));
            black_box(gz.finish().map(|v| v.len()))
        })
    });
    for level in [1u8, 3] {
        g.bench_function(format!("miniz_oxide_level_{level}"), |b| {
            b.iter(|| black_box(miniz_oxide::deflate::compress_to_vec(&text, level).len()))
        });
    }
    use miniz_oxide::deflate::core::CompressionStrategy;
    for (name, strategy) in [
        ("huffman_only", CompressionStrategy::HuffmanOnly),
        ("rle", CompressionStrategy::RLE),
    ] {
        println!(
            "catalogue text {} bytes: miniz_oxide {name} -> {} bytes",
            text.len(),
            deflate_with(&text, 1, strategy as i32).len()
        );
        g.bench_function(format!("miniz_oxide_{name}"), |b| {
            b.iter(|| black_box(deflate_with(&text, 1, strategy as i32).len()))
        });
    }
    // The floor of any gzip: the CRC-32 gzip's trailer needs over the whole body.
    g.bench_function("crc32_alone", |b| {
        b.iter(|| {
            let mut crc = flate2::Crc::new();
            crc.update(&text);
            black_box(crc.sum())
        })
    });
    g.finish();
}

/// Raw deflate by miniz_oxide with a zlib strategy (`HuffmanOnly`, `RLE`): what
/// `compress_to_vec` does, with the strategy it does not expose.
fn deflate_with(input: &[u8], level: i32, strategy: i32) -> Vec<u8> {
    use miniz_oxide::deflate::core::{
        compress, create_comp_flags_from_zip_params, CompressorOxide, TDEFLFlush, TDEFLStatus,
    };
    let mut c = CompressorOxide::new(create_comp_flags_from_zip_params(level, 0, strategy));
    let mut out = vec![0; input.len() / 2 + 64];
    let (mut pos, mut rest) = (0, input);
    loop {
        let (status, read, written) = compress(&mut c, rest, &mut out[pos..], TDEFLFlush::Finish);
        pos += written;
        rest = &rest[read..];
        match status {
            TDEFLStatus::Done => break,
            TDEFLStatus::Okay if pos == out.len() => out.resize(out.len() * 2, 0),
            TDEFLStatus::Okay => {}
            _ => panic!("deflate failed: {status:?}"),
        }
    }
    out.truncate(pos);
    out
}

/// Values spread over `[1e-4, 10)` log-uniformly, pre-generated.
fn values() -> Vec<f64> {
    let mut x = 0x2545_f491_4f6c_dd1du64;
    (0..4096)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            1e-4 * 1e5f64.powf((x >> 11) as f64 / (1u64 << 53) as f64)
        })
        .collect()
}

/// `Histogram::observe` as it was before native buckets and exemplars (issue 14), copied:
/// the baseline that shows what the new `native` field costs a classic observation.
struct BeforeNative {
    bounds: &'static [f64],
    counts: Box<[AtomicU64]>,
    sum: AtomicU64,
}

impl BeforeNative {
    fn new(bounds: &'static [f64]) -> Self {
        Self {
            bounds,
            counts: (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect(),
            sum: AtomicU64::new(0f64.to_bits()),
        }
    }

    #[inline]
    fn observe(&self, v: f64) {
        if v.is_nan() {
            return;
        }
        let i = self
            .bounds
            .iter()
            .position(|b| v <= *b)
            .unwrap_or(self.bounds.len());
        self.counts[i].fetch_add(1, Ordering::Relaxed);
        let _ = self
            .sum
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |b| {
                Some((f64::from_bits(b) + v).to_bits())
            });
    }
}

fn observe(c: &mut Criterion) {
    let vals = values();
    let mut g = c.benchmark_group("observe");
    let classic = Histogram::with_bounds(&BUCKETS);
    let native = Histogram::with_native(&BUCKETS, NativeConfig::DEFAULT);
    let pc_classic = PcHistogram::new(BUCKETS);
    let pc_native = PcHistogram::new_native(NativeHistogramConfig::with_schema(3).max_buckets(160));
    let pc_both = PcHistogram::new_classic_and_native(
        BUCKETS,
        NativeHistogramConfig::with_schema(3).max_buckets(160),
    );
    let mut run = |name: &str, f: &dyn Fn(f64)| {
        let mut i = 0;
        g.bench_function(name, |b| {
            b.iter(|| {
                i = (i + 1) & 4095;
                f(black_box(vals[i]))
            })
        });
    };
    let before = BeforeNative::new(&BUCKETS);
    run("alys_classic_before_issue_14", &|v| before.observe(v));
    run("alys_classic", &|v| classic.observe(v));
    run("alys_native", &|v| native.observe(v));
    run("alys_native_with_exemplar", &|v| {
        native.observe_with_exemplar(v, TraceId::from_u64(7))
    });
    run("alys_native_traced_outside_spans", &|v| {
        native.observe_traced(v)
    });
    run("prometheus_client_classic", &|v| pc_classic.observe(v));
    run("prometheus_client_native", &|v| pc_native.observe(v));
    run("prometheus_client_classic_and_native", &|v| {
        pc_both.observe(v)
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = observe, gzip
}
criterion_main!(benches);
