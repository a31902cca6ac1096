//! Behaviour of declared metrics, read back from the exposition text as Prometheus reads it.

use alys_metrics::labels::Status;
use alys_metrics::prelude::*;

/// Test counter with two standard labels.
#[alys_metric(counter, labels(phase, error_type))]
static T_ERRORS: Counter;

/// Test gauge without labels.
#[alys_metric(gauge)]
static T_HEIGHT: IntGauge;

/// Test float gauge.
#[alys_metric(gauge, labels(region))]
static T_SCORE: Gauge;

/// Test histogram.
#[alys_metric(histogram, labels(actor_type), buckets = [0.1, 1.0, 10.0])]
static T_LATENCY: Histogram;

/// Test capped dynamic label.
#[alys_metric(counter, labels(peer_id: dynamic(max = 3), status))]
static T_PEER_EVENTS: Counter;

/// Outcome of a test operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, LabelValue)]
enum Outcome {
    Accepted,
    #[label = "denied"]
    Rejected,
}

/// Test counter with a custom enum label.
#[alys_metric(counter, labels(outcome: Outcome), name = "alys_test_outcomes_total")]
static T_OUTCOMES: Counter;

/// Test float counter.
#[alys_metric(counter, unit = "seconds")]
static T_BUSY: FloatCounter;

fn scrape() -> String {
    alys_metrics::registry().encode_to_string()
}

/// The value of the sample line that starts with `series ` (exact series text).
fn sample(text: &str, series: &str) -> Option<String> {
    text.lines()
        .find_map(|l| {
            l.strip_prefix(series)
                .and_then(|rest| rest.strip_prefix(' '))
        })
        .map(str::to_owned)
}

#[test]
fn labelled_counter_exports_every_enum_series_from_start_at_zero() {
    // `phase` is gated (a migration phase's series exist once it is entered): enter the last
    // one, which nothing in this binary records under. `error_type` is not: every value.
    MigrationPhase::FinalValidation.mark_live();
    let text = scrape();
    assert!(text.contains("# HELP alys_t_errors_total Test counter with two standard labels.\n"));
    assert!(text.contains("# TYPE alys_t_errors_total counter\n"));
    let series: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("alys_t_errors_total{"))
        .collect();
    assert_eq!(series.len() % ErrorType::COUNT, 0, "{series:?}");
    for e in ErrorType::VALUES {
        let line = format!(
            "alys_t_errors_total{{phase=\"final_validation\",error_type=\"{}\"}}",
            e.as_str()
        );
        assert_eq!(sample(&text, &line).as_deref(), Some("0"), "{line}");
    }
}

#[test]
fn with_selects_exactly_one_child() {
    T_ERRORS
        .with(MigrationPhase::Foundation, ErrorType::Timeout)
        .inc();
    T_ERRORS
        .with(MigrationPhase::Foundation, ErrorType::Timeout)
        .inc_by(4);
    T_ERRORS
        .with(MigrationPhase::Validation, ErrorType::Consensus)
        .inc();
    let text = scrape();
    assert_eq!(
        sample(
            &text,
            r#"alys_t_errors_total{phase="foundation",error_type="timeout"}"#
        )
        .as_deref(),
        Some("5")
    );
    assert_eq!(
        sample(
            &text,
            r#"alys_t_errors_total{phase="validation",error_type="consensus"}"#
        )
        .as_deref(),
        Some("1")
    );
    assert_eq!(
        sample(
            &text,
            r#"alys_t_errors_total{phase="foundation",error_type="consensus"}"#
        )
        .as_deref(),
        Some("0")
    );
}

#[test]
fn unlabelled_gauges_and_float_gauges_export_their_value() {
    T_HEIGHT.set(1_234_567);
    T_HEIGHT.inc();
    T_SCORE.with(PeerRegion::Europe).set(0.75);
    let text = scrape();
    assert_eq!(sample(&text, "alys_t_height").as_deref(), Some("1234568"));
    assert_eq!(
        sample(&text, r#"alys_t_score{region="europe"}"#).as_deref(),
        Some("0.75")
    );
    assert_eq!(
        sample(&text, r#"alys_t_score{region="asia"}"#).as_deref(),
        Some("0")
    );
}

#[test]
fn histogram_exposition_is_cumulative_with_consistent_count() {
    let h = T_LATENCY.with(ActorType::Bridge);
    for v in [0.05, 0.5, 0.5, 5.0, 50.0] {
        h.observe(v);
    }
    let text = scrape();
    let expect = [
        (
            r#"alys_t_latency_seconds_bucket{actor_type="bridge",le="0.1"}"#,
            "1",
        ),
        (
            r#"alys_t_latency_seconds_bucket{actor_type="bridge",le="1"}"#,
            "3",
        ),
        (
            r#"alys_t_latency_seconds_bucket{actor_type="bridge",le="10"}"#,
            "4",
        ),
        (
            r#"alys_t_latency_seconds_bucket{actor_type="bridge",le="+Inf"}"#,
            "5",
        ),
        (
            r#"alys_t_latency_seconds_sum{actor_type="bridge"}"#,
            "56.05",
        ),
        (r#"alys_t_latency_seconds_count{actor_type="bridge"}"#, "5"),
        (r#"alys_t_latency_seconds_count{actor_type="chain"}"#, "0"),
    ];
    for (series, value) in expect {
        assert_eq!(sample(&text, series).as_deref(), Some(value), "{series}");
    }
    assert!(text.contains("# TYPE alys_t_latency_seconds histogram\n"));
}

#[test]
fn dynamic_labels_are_sanitised_capped_and_counted() {
    T_PEER_EVENTS.with("Peer-A", Status::Success).inc();
    T_PEER_EVENTS.with("peer-a", Status::Success).inc();
    T_PEER_EVENTS.with("peer\"b\n", Status::Failure).inc();
    T_PEER_EVENTS.with("peer-c", Status::Success).inc();
    // Past the cap of 3: these fold into "other".
    for i in 0..10 {
        T_PEER_EVENTS
            .with(&format!("hostile-{i}"), Status::Rejected)
            .inc();
    }
    let text = scrape();
    assert_eq!(
        sample(
            &text,
            r#"alys_t_peer_events_total{peer_id="peer-a",status="success"}"#
        )
        .as_deref(),
        Some("2")
    );
    assert_eq!(
        sample(
            &text,
            r#"alys_t_peer_events_total{peer_id="peerb",status="failure"}"#
        )
        .as_deref(),
        Some("1")
    );
    assert_eq!(
        sample(
            &text,
            r#"alys_t_peer_events_total{peer_id="other",status="rejected"}"#
        )
        .as_deref(),
        Some("10")
    );
    assert!(
        !text.contains("hostile"),
        "capped values never become series"
    );
    assert_eq!(
        sample(
            &text,
            r#"alys_label_overflow_total{metric="alys_t_peer_events_total"}"#
        )
        .as_deref(),
        Some("10")
    );
    // 3 assigned values + "other", times 5 statuses.
    let series = text
        .lines()
        .filter(|l| l.starts_with("alys_t_peer_events_total{"))
        .count();
    assert_eq!(series, 4 * Status::COUNT);
}

#[test]
fn derived_label_enums_export_their_label_strings() {
    T_OUTCOMES.with(Outcome::Rejected).inc();
    let text = scrape();
    assert_eq!(
        sample(&text, r#"alys_test_outcomes_total{outcome="denied"}"#).as_deref(),
        Some("1")
    );
    assert_eq!(
        sample(&text, r#"alys_test_outcomes_total{outcome="accepted"}"#).as_deref(),
        Some("0")
    );
}

#[test]
fn float_counter_with_unit() {
    T_BUSY.inc_by(0.5);
    T_BUSY.inc_by(-3.0);
    let text = scrape();
    assert!(text.contains("# TYPE alys_t_busy_seconds_total counter\n"));
    assert_eq!(
        sample(&text, "alys_t_busy_seconds_total").as_deref(),
        Some("0.5")
    );
}

#[test]
fn concurrent_updates_lose_nothing() {
    /// Concurrency test counter.
    #[alys_metric(counter, labels(actor_type))]
    static T_CONCURRENT: Counter;

    std::thread::scope(|s| {
        for t in 0..4 {
            s.spawn(move || {
                for i in 0..10_000usize {
                    T_CONCURRENT
                        .with(ActorType::VALUES[(i + t) % ActorType::COUNT])
                        .inc();
                }
            });
        }
    });
    let total: u64 = ActorType::VALUES
        .iter()
        .map(|a| T_CONCURRENT.with(*a).get())
        .sum();
    assert_eq!(total, 40_000);
    let text = scrape();
    let exported: u64 = text
        .lines()
        .filter(|l| l.starts_with("alys_t_concurrent_total{"))
        .map(|l| l.rsplit(' ').next().unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(exported, 40_000);
}

#[test]
fn build_info_is_one_with_version_label() {
    let text = scrape();
    let line = text
        .lines()
        .find(|l| l.starts_with("alys_build_info{"))
        .expect("build info");
    assert!(
        line.contains(&format!("version=\"{}\"", env!("CARGO_PKG_VERSION"))),
        "{line}"
    );
    assert!(line.ends_with(" 1"));
}

#[test]
fn every_family_has_help_and_type_before_its_samples() {
    let text = scrape();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            current = rest.split(' ').next().map(str::to_owned);
        } else if !line.starts_with('#') {
            let name = line.split(['{', ' ']).next().unwrap();
            let family = current.as_deref().expect("sample before any TYPE line");
            assert!(
                name == family
                    || name
                        .strip_prefix(family)
                        .is_some_and(|s| ["_bucket", "_sum", "_count"].contains(&s)),
                "sample {name} under family {family}"
            );
        }
    }
    let families = text.lines().filter(|l| l.starts_with("# TYPE ")).count();
    assert_eq!(families, alys_metrics::registry().metrics_count());
    let samples = text.lines().filter(|l| !l.starts_with('#')).count();
    assert!(samples >= alys_metrics::registry().series_count());
}

#[test]
fn a_registry_of_its_own_holds_only_what_is_registered() {
    use alys_metrics::metric::{Descriptor, Kind, Metric};
    use alys_metrics::{Dynamic, Registry};
    use std::sync::Arc;

    static DESC: Descriptor =
        Descriptor::new("runtime_built_total", "Built at run time.", Kind::Counter)
            .labels(&["peer"], &["dynamic(max = 2)"])
            .declared_at("tests::DESC", file!(), line!());
    let registry = Registry::new();
    let family: Arc<Metric<Counter, (Dynamic<2>,)>> = Arc::new(Metric::new(&DESC));
    registry
        .register(family.clone())
        .expect("first registration");
    family.with("a").inc();
    family.with("b").inc();
    family.with("c").inc();
    let err = registry
        .register(Arc::new(Metric::<Counter, (Dynamic<2>,)>::new(&DESC)))
        .unwrap_err();
    assert_eq!(err.name, "runtime_built_total");
    let text = registry.encode_to_string();
    assert_eq!(
        sample(&text, r#"runtime_built_total{peer="a"}"#).as_deref(),
        Some("1")
    );
    assert_eq!(
        sample(&text, r#"runtime_built_total{peer="other"}"#).as_deref(),
        Some("1")
    );
    assert_eq!(
        sample(
            &text,
            r#"alys_label_overflow_total{metric="runtime_built_total"}"#
        )
        .as_deref(),
        Some("1")
    );
    assert!(
        !text.contains("alys_t_errors_total"),
        "the program's statics are not in it"
    );
    assert_eq!(registry.metrics_count(), 3);
}

#[test]
fn forgetting_a_dynamic_value_removes_its_series_and_frees_its_slot() {
    /// Quality of each peer, capped at two.
    #[alys_metric(gauge, labels(peer_id: dynamic(max = 2), region))]
    static T_QUALITY: Gauge;

    T_QUALITY.with("q-peer-a", PeerRegion::Europe).set(0.9);
    T_QUALITY.with("q-peer-b", PeerRegion::Asia).set(0.7);
    let before = scrape();
    assert_eq!(
        sample(
            &before,
            r#"alys_t_quality{peer_id="q-peer-a",region="europe"}"#
        )
        .as_deref(),
        Some("0.9")
    );

    assert!(T_QUALITY.forget("Q-Peer-A"), "sanitised like with()");
    assert!(!T_QUALITY.forget("q-peer-a"), "already gone");
    assert!(!T_QUALITY.forget("other"));
    let after = scrape();
    assert!(
        !after.contains("q-peer-a"),
        "the departed peer's series are gone"
    );
    assert_eq!(
        sample(
            &after,
            r#"alys_t_quality{peer_id="q-peer-b",region="asia"}"#
        )
        .as_deref(),
        Some("0.7")
    );

    // Same number of live slots as before, different value: the rendered lines must change.
    T_QUALITY.with("q-peer-c", PeerRegion::Africa).set(0.5);
    let reused = scrape();
    assert_eq!(
        sample(
            &reused,
            r#"alys_t_quality{peer_id="q-peer-c",region="africa"}"#
        )
        .as_deref(),
        Some("0.5")
    );
    assert_eq!(
        sample(
            &reused,
            r#"alys_t_quality{peer_id="q-peer-c",region="europe"}"#
        )
        .as_deref(),
        Some("0"),
        "the reused slot starts from zero, not from q-peer-a's 0.9"
    );
    assert!(
        !reused.contains("alys_t_quality{peer_id=\"other\""),
        "nothing folded: the slot was free"
    );
    assert_eq!(
        sample(
            &reused,
            r#"alys_label_overflow_total{metric="alys_t_quality"}"#
        )
        .as_deref(),
        Some("0")
    );
    let series = reused
        .lines()
        .filter(|l| l.starts_with("alys_t_quality{"))
        .count();
    assert_eq!(series, 2 * PeerRegion::COUNT);
}
