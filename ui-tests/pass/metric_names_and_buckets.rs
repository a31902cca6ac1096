//! `name = ".."`, `unit = ".."` and every bucket form.

use alys_metrics::{labels::Status, prelude::*};

/// Bytes written to disk.
#[alys_metric(counter, unit = "bytes")]
pub static DISK_WRITES: Counter;

/// Cache size; the unit is already in the static's name.
#[alys_metric(gauge, unit = "bytes")]
pub static CACHE_SIZE_BYTES: IntGauge;

/// Time spent in garbage collection, under a name without the `alys_` prefix.
#[alys_metric(counter, name = "node_gc_seconds_total")]
pub static GC: FloatCounter;

/// A name override with a unit that the name already ends in.
#[alys_metric(gauge, name = "alys_heap_bytes", unit = "bytes")]
pub static HEAP: IntGauge;

/// Listed bounds, negative and integer ones included.
#[alys_metric(histogram, buckets = [-1, 0, 0.5, 1, 2.5e1])]
pub static OFFSET: Histogram;

/// Exponential bounds.
#[alys_metric(histogram, labels(status), buckets = exponential(0.001, 2, 10))]
pub static RPC_LATENCY: Histogram;

/// Linear bounds, with the name given explicitly.
#[alys_metric(histogram, name = "alys_batch_size", buckets = linear(10, 10, 5))]
pub static BATCH: Histogram;

/// Arguments in any order, with a trailing comma.
#[alys_metric(histogram, buckets = [0.1, 1.0], labels(phase), unit = "seconds",)]
pub static PHASE_WAIT: Histogram;

fn main() {
    DISK_WRITES.inc_by(4096);
    CACHE_SIZE_BYTES.set(1 << 20);
    GC.inc_by(0.25);
    HEAP.set(1);
    OFFSET.observe(-0.5);
    RPC_LATENCY.with(Status::Success).observe(0.003);
    BATCH.observe(25.0);
    PHASE_WAIT.with(MigrationPhase::Foundation).observe(0.5);
    let _: f64 = GC.get();

    // The names and buckets, as Prometheus reads them.
    let text = alys_metrics::init()
        .expect("no two metrics share a name")
        .encode_to_string();
    for line in [
        "# TYPE alys_disk_writes_bytes_total counter",
        "alys_disk_writes_bytes_total 4096",
        "alys_cache_size_bytes 1048576",
        "node_gc_seconds_total 0.25",
        "alys_heap_bytes 1",
        "alys_offset_bucket{le=\"-1\"} 0",
        "alys_offset_bucket{le=\"0\"} 1",
        "alys_offset_bucket{le=\"25\"} 1",
        "alys_rpc_latency_seconds_count{status=\"success\"} 1",
        "alys_batch_size_bucket{le=\"20\"} 0",
        "alys_batch_size_bucket{le=\"30\"} 1",
        "alys_batch_size_bucket{le=\"50\"} 1",
        "alys_phase_wait_seconds_bucket{phase=\"foundation\",le=\"1\"} 1",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing `{line}` in:\n{text}"
        );
    }
}
