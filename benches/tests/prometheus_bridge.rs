//! `Registry::include`: the Alys node's prometheus 0.13.4 registries (its `ALYS_REGISTRY`,
//! prefix `alys`, and the default registry) and a prometheus 0.14 one served from our endpoint
//! beside our families, in every format, over real HTTP, with exact values read back by the
//! readers of `tests/support/readers.rs`; clashes refused at inclusion naming both sides;
//! the `alys_alys_` repair; a family registered into an included registry after start-up under
//! a taken name left out and named by `alys_included_families_left_out`.
//!
//! One test: the registries are included into the program's one default registry, whose
//! source indices the assertions name, so the steps run in one order.
//!
//! A binary of its own: the registry it includes stays in the process's registry for good, and
//! `peers/same_samples.rs` checks that registry's series count against its exposition, which
//! would then hold the included family too.

#[path = "../../tests/support/client.rs"]
mod client;
#[path = "../../tests/support/lint.rs"]
mod promtool;
#[path = "../../tests/support/readers.rs"]
mod readers;

use std::net::SocketAddr;
use std::sync::Arc;

use alys_metrics::encode::{OPENMETRICS_CONTENT_TYPE, PROTOBUF_CONTENT_TYPE};
use alys_metrics::metric::{Descriptor, Kind, Metric};
use alys_metrics::{Include, Registry};
use readers::Samples;

const TEXT: &str = "text/plain;version=0.0.4";
const OPENMETRICS: &str = "application/openmetrics-text;version=1.0.0";
const PROTOBUF: &str =
    "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited";

/// One scrape in each format, each read back into its samples (the OpenMetrics reader checks
/// the structure: a `# TYPE` before the samples, counters' `_total`, `# EOF`).
async fn scrape_all(addr: SocketAddr) -> (String, [Samples; 3]) {
    let (head, text) = client::get(addr, "/metrics", &[("Accept", TEXT)]).await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let text = String::from_utf8(text).expect("UTF-8");
    let (head, om) = client::get(addr, "/metrics", &[("Accept", OPENMETRICS)]).await;
    assert!(head.contains(OPENMETRICS_CONTENT_TYPE), "{head}");
    let om = String::from_utf8(om).expect("UTF-8");
    assert_eq!(om.matches("# EOF").count(), 1);
    let (head, pb) = client::get(addr, "/metrics", &[("Accept", PROTOBUF)]).await;
    assert!(head.contains(PROTOBUF_CONTENT_TYPE), "{head}");
    let samples = [
        readers::parse_text(&text),
        readers::parse_openmetrics(&om).0,
        readers::parse_protobuf(&pb).0,
    ];
    (text, samples)
}

/// Asserts each `(series, value)` in the samples of every format.
fn assert_values(samples: &[Samples; 3], want: &[(&str, f64)]) {
    for (format, got) in ["text", "OpenMetrics", "protobuf"].iter().zip(samples) {
        for (series, value) in want {
            assert_eq!(
                got.get(*series),
                Some(value),
                "{format}: {series} (of {} samples)",
                got.len()
            );
        }
    }
}

/// The node's shapes, registered in prometheus 0.13.4 as its `app/src/metrics.rs` does.
struct Node013 {
    alys_registry: prometheus_0_13::Registry,
}

fn node_0_13() -> Node013 {
    use prometheus_0_13::{
        register_histogram, register_histogram_with_registry, register_int_counter_vec,
        register_int_counter_vec_with_registry, register_int_gauge,
        register_int_gauge_with_registry, HistogramOpts,
    };
    let alys_registry =
        prometheus_0_13::Registry::new_custom(Some("alys".to_string()), None).expect("a prefix");
    let pegouts = register_int_counter_vec_with_registry!(
        "legacy_pegout_totals",
        "Total number of peg-out operations, labeled by status",
        &["status"],
        alys_registry
    )
    .expect("registers");
    pegouts.with_label_values(&["success"]).inc_by(7);
    pegouts.with_label_values(&["failure"]).inc();
    let hashes = register_histogram_with_registry!(
        HistogramOpts::new("legacy_hashes_processed", "Hashes processed per aux block")
            .buckets(vec![10.0, 100.0, 1000.0]),
        alys_registry
    )
    .expect("registers");
    for v in [5.0, 50.0, 500.0, 5000.0] {
        hashes.observe(v);
    }
    // Registered with the registry's prefix already in the name: served `alys_alys_..`.
    let phase = register_int_gauge_with_registry!(
        "alys_legacy_phase",
        "Current legacy phase (0-10)",
        alys_registry
    )
    .expect("registers");
    phase.set(4);

    // The default registry, as the bridge and engine actors use it.
    let pegins = register_int_counter_vec!(
        "bridge_legacy_pegins_total",
        "Peg-ins by status.",
        &["status"]
    )
    .expect("registers");
    pegins.with_label_values(&["confirmed"]).inc_by(3);
    let build = register_histogram!(
        "engine_legacy_build_seconds",
        "Payload build time.",
        vec![0.1, 1.0]
    )
    .expect("registers");
    build.observe(0.05);
    build.observe(0.5);
    let pending =
        register_int_gauge!("bridge_legacy_pending", "Pending peg-ins.").expect("registers");
    pending.set(-2);
    Node013 { alys_registry }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_nodes_registries_are_served_beside_ours_and_clashes_are_refused() {
    let ours = alys_metrics::init().expect("our registry");
    let node = node_0_13();

    // The three lines of the README: our registry, the node's two, then `serve`.
    ours.include(Include::new(node.alys_registry.clone()).repair_doubled_prefix("alys"))
        .expect("no clash with our families");
    ours.include(prometheus_0_13::default_registry().clone())
        .expect("no clash");
    // And a prometheus 0.14 registry (index 2).
    let v14 = prometheus::Registry::new();
    let rpc = prometheus::register_int_counter_vec_with_registry!(
        prometheus::Opts::new("legacy_rpc_requests_total", "RPC requests, by method."),
        &["method"],
        v14
    )
    .expect("registers");
    rpc.with_label_values(&["eth_call"]).inc_by(11);
    ours.include(v14).expect("no clash");

    refusals(ours);

    let server = client::start_exporter().await;
    let addr = server.local_addr();
    let (text, samples) = scrape_all(addr).await;
    assert_values(
        &samples,
        &[
            ("alys_legacy_pegout_totals{status=\"success\"}", 7.0),
            ("alys_legacy_pegout_totals{status=\"failure\"}", 1.0),
            ("alys_legacy_hashes_processed_bucket{le=\"10\"}", 1.0),
            ("alys_legacy_hashes_processed_bucket{le=\"100\"}", 2.0),
            ("alys_legacy_hashes_processed_bucket{le=\"1000\"}", 3.0),
            ("alys_legacy_hashes_processed_bucket{le=\"+Inf\"}", 4.0),
            ("alys_legacy_hashes_processed_sum{}", 5555.0),
            ("alys_legacy_hashes_processed_count{}", 4.0),
            // Repaired: served `alys_legacy_phase`, never `alys_alys_legacy_phase`.
            ("alys_legacy_phase{}", 4.0),
            ("bridge_legacy_pegins_total{status=\"confirmed\"}", 3.0),
            ("engine_legacy_build_seconds_bucket{le=\"0.1\"}", 1.0),
            ("engine_legacy_build_seconds_bucket{le=\"1\"}", 2.0),
            ("engine_legacy_build_seconds_bucket{le=\"+Inf\"}", 2.0),
            ("engine_legacy_build_seconds_sum{}", 0.55),
            ("engine_legacy_build_seconds_count{}", 2.0),
            ("bridge_legacy_pending{}", -2.0),
            ("legacy_rpc_requests_total{method=\"eth_call\"}", 11.0),
            // Ours, beside them.
            ("alys_migration_phase{}", 0.0),
        ],
    );
    for s in &samples {
        assert!(!s.keys().any(|k| k.starts_with("alys_alys_")), "{s:?}");
        assert!(!s
            .keys()
            .any(|k| k.starts_with("alys_included_families_left_out{")));
    }
    // promtool reads the whole scrape: nothing beyond our catalogue's lint exceptions and the
    // node's own counter named without `_total` (the node serves it so today).
    if let Some(r) = promtool::check_metrics(&text) {
        let unexpected: Vec<&str> = r
            .report
            .lines()
            .filter(|l| !l.trim().is_empty())
            .filter(|l| {
                let name = l.split_whitespace().next().unwrap_or_default();
                !(alys_metrics::catalogue::LINT_EXCEPTIONS.contains(&name) && l.contains("_count"))
            })
            .collect();
        assert_eq!(
            unexpected,
            ["alys_legacy_pegout_totals counter metrics should have \"_total\" suffix"],
            "{}",
            r.report
        );
    }
    // Their text types, and each family once.
    assert!(text.contains("# TYPE alys_legacy_pegout_totals counter\n"));
    assert!(text.contains("# TYPE alys_legacy_phase gauge\n"));
    assert_eq!(text.matches("# TYPE alys_migration_phase ").count(), 1);
    assert_eq!(text.matches("# TYPE legacy_rpc_requests_total ").count(), 1);
    // A counter without `_total` is `unknown` in OpenMetrics, under the same sample name.
    let (_, om) = client::get(addr, "/metrics", &[("Accept", OPENMETRICS)]).await;
    let om = String::from_utf8(om).expect("UTF-8");
    assert!(
        om.contains("# TYPE alys_legacy_pegout_totals unknown\n"),
        "{om}"
    );
    assert!(om.contains(
        "# TYPE legacy_rpc_requests counter\nlegacy_rpc_requests_total{method=\"eth_call\"} 11\n"
    ));

    late_registrations(addr, ours, &node).await;
    server.shutdown().await;
}

/// Clashes at inclusion: refused naming both sides, listing every clashing name, nothing
/// included; and one of ours registered under a name an included family holds.
fn refusals(ours: &Registry) {
    // A prefixed registry holding a family whose served name is one of ours, one whose name
    // is ours once repaired, and one taking the OpenMetrics family name of our counter
    // `alys_label_overflow_total`.
    let clashing = prometheus_0_13::Registry::new_custom(Some("alys".into()), None).unwrap();
    for (name, help) in [
        ("migration_phase", "Phase."),
        ("alys_migration_progress_percent", "Progress."),
        ("label_overflow", "Overflow."),
    ] {
        let g = prometheus_0_13::IntGauge::new(name, help).unwrap();
        clashing.register(Box::new(g)).unwrap();
    }
    let before = ours.encode_to_string();
    let err = ours
        .include(Include::new(clashing.clone()).repair_doubled_prefix("alys"))
        .expect_err("a clash");
    let msg = err.to_string();
    // Gathered in name order: `alys_alys_migration_progress_percent` first.
    assert_eq!(err.name, "alys_migration_progress_percent", "{msg}");
    assert!(
        msg.contains("`alys_metrics_runtime::catalogue::migration::MIGRATION_PROGRESS_PERCENT`"),
        "{msg}"
    );
    assert!(
        msg.contains(
            "included source #3 (prometheus 0.13 Registry), family `alys_alys_migration_progress_percent` \
             served as `alys_migration_progress_percent`"
        ),
        "{msg}"
    );
    assert!(
        msg.contains("leaves the old registry in the same change"),
        "{msg}"
    );
    let mut others = err.others.clone();
    others.sort();
    assert_eq!(
        others,
        ["alys_label_overflow", "alys_migration_phase"],
        "{msg}"
    );
    assert_eq!(
        ours.encode_to_string().len(),
        before.len(),
        "nothing included"
    );

    // Without the repair, only the served names clash.
    let err = ours.include(clashing).expect_err("a clash");
    assert_eq!(err.name, "alys_label_overflow", "{err}");
    assert_eq!(err.others, ["alys_migration_phase"], "{err}");
    assert!(
        err.to_string()
            .contains("`alys_metrics::catalogue::LABEL_OVERFLOW`"),
        "{err}"
    );

    // Two families of one registry that the repair gives one name.
    let twice = prometheus_0_13::Registry::new_custom(Some("alys".into()), None).unwrap();
    for name in ["legacy_height", "alys_legacy_height"] {
        twice
            .register(Box::new(
                prometheus_0_13::IntGauge::new(name, "Height.").unwrap(),
            ))
            .unwrap();
    }
    let err = ours
        .include(Include::new(twice).repair_doubled_prefix("alys"))
        .expect_err("a clash");
    let msg = err.to_string();
    assert_eq!(err.name, "alys_legacy_height", "{msg}");
    assert!(
        msg.contains("family `alys_alys_legacy_height` served as `alys_legacy_height`"),
        "{msg}"
    );
    assert!(msg.contains("family `alys_legacy_height`"), "{msg}");

    // A family named like one of a registry included before (the node's, source #0).
    let again = prometheus::Registry::new();
    again
        .register(Box::new(
            prometheus::IntGauge::new("alys_legacy_phase", "Again.").unwrap(),
        ))
        .unwrap();
    let msg = ours.include(again).expect_err("a clash").to_string();
    assert!(
        msg.contains("included source #0 (prometheus 0.13 Registry), family `alys_alys_legacy_phase` served as `alys_legacy_phase`"),
        "{msg}"
    );
    assert!(
        msg.contains("included source #3 (prometheus 0.14 Registry), family `alys_legacy_phase`"),
        "{msg}"
    );

    // A gauge named like the `_count` series of an included histogram (source #1's
    // `engine_legacy_build_seconds`): refused too, whatever the version or source.
    let series = Include::text("a text source", |out| {
        out.extend_from_slice(
            b"# HELP engine_legacy_build_seconds_count Count.\n\
              # TYPE engine_legacy_build_seconds_count gauge\nengine_legacy_build_seconds_count 1\n",
        );
    });
    let msg = ours.include(series).expect_err("a clash").to_string();
    assert!(
        msg.contains("two metrics are named `engine_legacy_build_seconds_count`: included source #1 \
                      (prometheus 0.13 Registry), family `engine_legacy_build_seconds` and included \
                      source #3 (a text source), family `engine_legacy_build_seconds_count`"),
        "{msg}"
    );
    // One of ours registered at run time under an included family's name is refused.
    static TAKEN: Descriptor = Descriptor::new(
        "bridge_legacy_pegins_total",
        "Peg-ins, declared again.",
        Kind::Counter,
    )
    .declared_at("tests::TAKEN", file!(), line!());
    let err = ours
        .register(Arc::new(Metric::<alys_metrics::Counter, ()>::new(&TAKEN)))
        .expect_err("the name is served by an included registry");
    let msg = err.to_string();
    assert!(
        msg.contains(
            "included source #1 (prometheus 0.13 Registry), family `bridge_legacy_pegins_total`"
        ),
        "{msg}"
    );
    assert!(msg.contains("`tests::TAKEN`"), "{msg}");
}

/// Families registered into included registries after start-up: served from the next scrape
/// when their name is free; left out (served once, by its first holder) and named by
/// `alys_included_families_left_out` when it is taken.
async fn late_registrations(addr: SocketAddr, _ours: &Registry, node: &Node013) {
    let fresh =
        prometheus_0_13::IntGauge::new("legacy_late", "Registered after start-up.").unwrap();
    fresh.set(9);
    node.alys_registry.register(Box::new(fresh)).unwrap();
    // `migration_phase` in the prefixed registry is served as our `alys_migration_phase`.
    let taken = prometheus_0_13::IntGauge::new("migration_phase", "Late clash.").unwrap();
    taken.set(7);
    node.alys_registry.register(Box::new(taken)).unwrap();
    // Repaired, `alys_legacy_phase` is the incumbent's name: the incumbent keeps it.
    let repaired = prometheus_0_13::IntGauge::new("legacy_phase", "Late repaired clash.").unwrap();
    repaired.set(8);
    node.alys_registry.register(Box::new(repaired)).unwrap();

    let (text, samples) = scrape_all(addr).await;
    assert_values(
        &samples,
        &[
            ("alys_legacy_late{}", 9.0),
            ("alys_migration_phase{}", 0.0),
            ("alys_legacy_phase{}", 4.0),
            (
                "alys_included_families_left_out{family=\"alys_migration_phase\",source=\"0\"}",
                1.0,
            ),
            (
                "alys_included_families_left_out{family=\"alys_legacy_phase\",source=\"0\"}",
                1.0,
            ),
        ],
    );
    assert_eq!(
        text.matches("# TYPE alys_migration_phase ").count(),
        1,
        "{text}"
    );
    assert_eq!(
        text.matches("# TYPE alys_legacy_phase ").count(),
        1,
        "{text}"
    );
    assert!(!text.contains("Late clash.") && !text.contains("Late repaired clash."));
    for s in &samples {
        let left_out = s
            .keys()
            .filter(|k| k.starts_with("alys_included_families_left_out{"))
            .count();
        assert_eq!(left_out, 2, "{s:?}");
    }
}
