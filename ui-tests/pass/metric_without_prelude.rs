//! Declarations that import nothing: every macro names what it generates by absolute path, so
//! none of them needs `alys_metrics::prelude` (nor any other import) in scope.

/// Requests served, by status.
#[alys_metrics::alys_metric(counter, labels(status, peer: dynamic(max = 8)))]
static REQUESTS: alys_metrics::Counter;

/// Queue depth.
#[alys_metrics::alys_metric(gauge)]
static DEPTH: alys_metrics::IntGauge;

/// Request latency.
#[alys_metrics::alys_metric(histogram, buckets = [0.1, 1.0])]
static LATENCY_SECONDS: alys_metrics::Histogram;

/// Where a request came from.
#[derive(Clone, Copy, alys_metrics::LabelValue)]
enum Origin {
    Local,
    Remote,
}

/// Requests by origin.
#[alys_metrics::alys_metric(counter, labels(origin: Origin))]
static ORIGINS: alys_metrics::Counter;

fn main() {
    REQUESTS
        .with(alys_metrics::labels::Status::Success, "peer-1")
        .inc();
    DEPTH.set(3);
    LATENCY_SECONDS.observe(0.5);
    ORIGINS.with(Origin::Remote).inc();
    let _ = Origin::Local;
}
