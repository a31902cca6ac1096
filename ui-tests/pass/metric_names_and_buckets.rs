//! `name = ".."`, `unit = ".."` and every bucket form.

use alys_metrics::prelude::*;

/// Bytes written to disk.
#[alys_metric(counter, unit = "bytes")]
pub static DISK_WRITES: Counter;

/// Resident memory.
#[alys_metric(gauge, unit = "bytes")]
pub static MEMORY_USAGE_BYTES: IntGauge;

/// CPU time of the process, under the name Prometheus conventions give it.
#[alys_metric(counter, name = "process_cpu_seconds_total")]
pub static CPU: FloatCounter;

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
    MEMORY_USAGE_BYTES.set(1 << 20);
    CPU.inc_by(0.25);
    HEAP.set(1);
    OFFSET.observe(-0.5);
    RPC_LATENCY.with(Status::Success).observe(0.003);
    BATCH.observe(25.0);
    PHASE_WAIT.with(MigrationPhase::Foundation).observe(0.5);
    let _: f64 = CPU.get();
}
