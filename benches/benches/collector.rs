//! One collector tick (this process only: `/proc/self`, the host's memory and interfaces)
//! against sysinfo's `refresh_all` (every process on the host), the naive way.
//!
//! `cargo bench --bench collector`. Both run on the calling thread (sysinfo is built without
//! its rayon feature), so their wall time is their CPU time.

use std::hint::black_box;

use alys_metrics::collector::{ProcessCollector, SysinfoSource};
use criterion::{criterion_group, criterion_main, Criterion};

fn collector(c: &mut Criterion) {
    if let Err(e) = alys_metrics::init() {
        panic!("{e}");
    }
    let mut group = c.benchmark_group("collector");

    let mut collector = ProcessCollector::new(SysinfoSource::new());
    let first = collector.tick();
    assert!(first.errors.is_empty(), "{:?}", first.errors);
    group.bench_function("tick", |b| b.iter(|| black_box(collector.tick())));

    let mut system = sysinfo::System::new_all();
    group.bench_function("sysinfo_refresh_all", |b| {
        b.iter(|| {
            system.refresh_all();
            black_box(system.processes().len())
        })
    });
    group.finish();
}

criterion_group!(benches, collector);
criterion_main!(benches);
