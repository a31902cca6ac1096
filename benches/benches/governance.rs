//! The governance stream's recording paths against what they replace.
//!
//! `cargo bench -p alys-metrics-benches --bench governance`. Groups:
//! - `governance_message/*`: counting one sent message on an endpoint's handle
//!   (`GovernanceEndpoint::message_sent`: a liveness load, an array index, an atomic add)
//!   against a pre-resolved counter child (`Counter::inc`, the floor) and the prometheus
//!   crate's `IntCounterVec::with_label_values(&[endpoint, message_type]).inc()` (how the
//!   node's StreamActor metrics record today: a label lookup per message);
//! - `governance_request/*`: opening and closing one correlated request
//!   (`request_sent_at` + `response_received_at`: the endpoint's lock, a map insert and
//!   remove, a deadline set insert and remove, a histogram observation, two counters and the
//!   outcome windows) against a hand-rolled tracker of the kind the node uses today
//!   (`RwLock<HashMap<String, (request_type, endpoint, Instant)>>` keyed by the request id as
//!   a string, then `HistogramVec::with_label_values(..).observe(..)`).

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use alys_metrics::chain::governance::add_endpoint;
use alys_metrics::labels::{GovernanceMessageKind, GovernanceRequestKind};
use alys_metrics::prelude::*;
use criterion::{criterion_group, criterion_main, Criterion};

/// A counter child to compare with: the cost of the atomic add alone.
#[alys_metric(counter, labels(endpoint: dynamic(max = 16), message_type: GovernanceMessageKind))]
static BENCH_FLOOR: Counter;

fn message(c: &mut Criterion) {
    let gov = add_endpoint("bench-gov-1.anduro.local:50051", "anduro-bench-1");
    let floor = BENCH_FLOOR.with("bench", GovernanceMessageKind::Attestation);
    let registry = prometheus::Registry::new();
    let vec = prometheus::IntCounterVec::new(
        prometheus::Opts::new("alys_governance_messages_sent_total", "sent"),
        &["endpoint", "message_type"],
    )
    .expect("a counter vec");
    registry
        .register(Box::new(vec.clone()))
        .expect("registered");
    let mut g = c.benchmark_group("governance_message");
    g.bench_function("counter_child_inc", |b| b.iter(|| black_box(floor).inc()));
    g.bench_function("endpoint_message_sent", |b| {
        b.iter(|| black_box(&gov).message_sent(GovernanceMessageKind::Attestation))
    });
    g.bench_function("prometheus_with_label_values", |b| {
        b.iter(|| {
            vec.with_label_values(&[black_box("gov-1andurolocal50051"), black_box("attestation")])
                .inc()
        })
    });
    g.finish();
}

fn request(c: &mut Criterion) {
    let gov = add_endpoint("bench-gov-2.anduro.local:50051", "anduro-bench-2");
    gov.set_connected(true);
    let histogram = prometheus::HistogramVec::new(
        prometheus::HistogramOpts::new("alys_governance_request_correlation_duration_seconds", "t")
            .buckets(vec![
                0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0,
            ]),
        &["request_type", "endpoint"],
    )
    .expect("a histogram vec");
    let pending: RwLock<HashMap<String, (String, String, Instant)>> = RwLock::new(HashMap::new());
    let mut g = c.benchmark_group("governance_request");
    let mut id = 0u64;
    g.bench_function("endpoint_sent_and_answered", |b| {
        b.iter(|| {
            id += 1;
            let t = Instant::now();
            gov.request_sent_at(
                id,
                GovernanceRequestKind::Signature,
                Duration::from_secs(10),
                t,
            );
            black_box(gov.response_received_at(id, t + Duration::from_millis(300)))
        })
    });
    let mut id = 0u64;
    g.bench_function("hand_rolled_string_map", |b| {
        b.iter(|| {
            id += 1;
            let key = id.to_string();
            pending.write().expect("lock").insert(
                key.clone(),
                (
                    "signature".to_owned(),
                    "gov-2andurolocal50051".to_owned(),
                    Instant::now(),
                ),
            );
            let entry = pending.write().expect("lock").remove(black_box(&key));
            if let Some((kind, endpoint, sent)) = entry {
                histogram
                    .with_label_values(&[&kind, &endpoint])
                    .observe(sent.elapsed().as_secs_f64());
            }
        })
    });
    g.finish();
}

criterion_group!(benches, message, request);
criterion_main!(benches);
