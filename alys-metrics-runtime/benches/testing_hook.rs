//! What the `testing` feature costs the hot path while no capture is alive: one relaxed load of
//! the count of live captures per counter increment, histogram observation and handler message.
//!
//! The same bench is built twice, without and with the feature, and run back to back
//! (`scripts/bench_testing_hook.sh`, which prints the ratios); BENCHMARKS.md, "The `testing` feature's hook", has
//! the figures. Groups:
//! - `counter_inc`: `X.with(a, op).inc()` on a declared family of 18 series, one series;
//! - `histogram_observe`: `X.with(a, op).observe(v)`, 8 buckets, values in `[0, 2)`;
//! - `handler_message`: a handler site's message, started and finished (`MessageGuard`), two
//!   clock readings included.

extern crate alys_metrics_runtime as alys_metrics;

use std::hint::black_box;
use std::time::Duration;

use alys_metrics::actor::{HandlerSite, MessageGuard, SiteRegistration};
use alys_metrics::labels::{ActorType, MessageType};
use alys_metrics::prelude::*;
use criterion::{criterion_group, criterion_main, Criterion};

/// Benchmark counter: 9 actor types x 2 operations = 18 series.
#[alys_metric(counter, labels(actor_type, operation))]
static HOOK_OPS: Counter;

/// Benchmark histogram over the same 18 series.
#[alys_metric(histogram, labels(actor_type, operation), buckets = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0])]
static HOOK_LATENCY: Histogram;

static SITE: HandlerSite = HandlerSite::new(
    "HookActor",
    "HookMessage",
    ActorType::Chain,
    MessageType::System,
);
alys_metrics::__private::inventory::submit! { SiteRegistration(&SITE) }

fn feature() -> &'static str {
    if cfg!(feature = "testing") {
        "with_testing"
    } else {
        "without_testing"
    }
}

fn hook(c: &mut Criterion) {
    alys_metrics::registry();
    let mut g = c.benchmark_group("testing_hook");
    g.bench_function(format!("counter_inc/{}", feature()), |b| {
        b.iter(|| {
            HOOK_OPS
                .with(black_box(ActorType::Chain), black_box(IoOperation::Read))
                .inc();
        });
    });
    let mut v = 0.0_f64;
    g.bench_function(format!("histogram_observe/{}", feature()), |b| {
        b.iter(|| {
            v += 0.618_034;
            if v >= 2.0 {
                v -= 2.0;
            }
            HOOK_LATENCY
                .with(black_box(ActorType::Chain), black_box(IoOperation::Read))
                .observe(black_box(v));
        });
    });
    g.bench_function(format!("handler_message/{}", feature()), |b| {
        b.iter(|| MessageGuard::start(black_box(&SITE)).finish(false));
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    targets = hook
}
criterion_main!(benches);
