//! The `prometheus` feature: a `prometheus` crate registry served from our endpoint in every
//! format, and a name clash refused at start-up naming both sides.
//!
//! A binary of its own: the registry it includes stays in the process's registry for good, and
//! `peers/same_samples.rs` checks that registry's series count against its exposition, which
//! would then hold the included family too.

#[path = "../../tests/support/client.rs"]
mod client;

use std::time::Duration;

use alys_metrics::encode::{protobuf, OPENMETRICS_CONTENT_TYPE};
use alys_metrics::MetricsConfig;
use prometheus::{register_int_counter_vec_with_registry, IntCounterVec, Opts};

async fn get(addr: std::net::SocketAddr, accept: &str) -> (String, Vec<u8>) {
    client::get(addr, "/metrics", &[("Accept", accept)]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_prometheus_registry_is_served_and_clashes_are_refused() {
    let legacy = prometheus::Registry::new();
    let requests: IntCounterVec = register_int_counter_vec_with_registry!(
        Opts::new("legacy_rpc_requests_total", "RPC requests, by method."),
        &["method"],
        legacy
    )
    .expect("registers");
    requests.with_label_values(&["eth_call"]).inc_by(7);
    let ours = alys_metrics::init().expect("our registry");
    ours.include_prometheus(legacy.clone())
        .expect("no clash with our families");

    // A family named like one of ours is refused, naming both sides.
    let clashing = prometheus::Registry::new();
    let c = prometheus::IntGauge::new("alys_build_info", "Clash.").unwrap();
    clashing.register(Box::new(c)).unwrap();
    let err = ours.include_prometheus(clashing).expect_err("a clash");
    let msg = err.to_string();
    assert!(msg.contains("`alys_build_info`"), "{msg}");
    assert!(msg.contains("alys_metrics::registry::BUILD_INFO"), "{msg}");
    assert!(
        msg.contains("`prometheus::Registry` #1 being included"),
        "{msg}"
    );
    // ... and so is one named like a family of a registry included before.
    let again = prometheus::Registry::new();
    let c = prometheus::IntCounter::new("legacy_rpc_requests_total", "Again.").unwrap();
    again.register(Box::new(c)).unwrap();
    let msg = ours
        .include_prometheus(again)
        .expect_err("a clash")
        .to_string();
    assert!(
        msg.contains("`prometheus::Registry` #0 included before"),
        "{msg}"
    );

    let server = alys_metrics::serve(MetricsConfig {
        bind: "127.0.0.1:0".parse().unwrap(),
        collection_interval: Duration::from_secs(3600),
        ..MetricsConfig::default()
    })
    .await
    .expect("serves");
    let addr = server.local_addr();

    let (_, text) = get(addr, "text/plain").await;
    let text = String::from_utf8(text).unwrap();
    assert!(
        text.contains("# TYPE legacy_rpc_requests_total counter\nlegacy_rpc_requests_total{method=\"eth_call\"} 7\n"),
        "{text}"
    );
    assert_eq!(text.matches("# TYPE alys_build_info ").count(), 1);

    let (head, om) = get(addr, "application/openmetrics-text;version=1.0.0").await;
    assert!(head.contains(OPENMETRICS_CONTENT_TYPE), "{head}");
    let om = String::from_utf8(om).unwrap();
    assert!(om.contains(
        "# TYPE legacy_rpc_requests counter\nlegacy_rpc_requests_total{method=\"eth_call\"} 7\n"
    ));
    assert!(om.ends_with("# EOF\n"));
    assert_eq!(om.matches("# EOF").count(), 1);

    let (_, pb) = get(
        addr,
        "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited",
    )
    .await;
    let families = protobuf::decode(&pb).expect("delimited MetricFamily");
    let f = families
        .iter()
        .find(|f| f.name.as_deref() == Some("legacy_rpc_requests_total"))
        .expect("the legacy family");
    assert_eq!(f.metric.len(), 1);
    assert_eq!(f.metric[0].counter.as_ref().unwrap().value, Some(7.0));
    assert_eq!(f.metric[0].label[0].value.as_deref(), Some("eth_call"));

    // A family registered into the included registry later with a taken name is left out.
    let late = prometheus::IntGauge::new("alys_build_info", "Late clash.").unwrap();
    legacy.register(Box::new(late)).unwrap();
    let (_, text) = get(addr, "text/plain").await;
    let text = String::from_utf8(text).unwrap();
    assert_eq!(text.matches("# TYPE alys_build_info ").count(), 1);
    assert!(!text.contains("Late clash."));
    server.shutdown().await;
}
