//! Content negotiation on `/metrics` over real HTTP: text 0.0.4, OpenMetrics 1.0.0 and
//! protobuf parse to the same samples (text with the `prometheus-parse` crate, OpenMetrics
//! with the parser of `support/readers.rs`, protobuf with the prost types), each also gzipped; exemplars appear
//! in OpenMetrics and protobuf and never in text 0.0.4; native buckets only in protobuf. The
//! actor message latency (a handler site measured by a `MessageGuard`, as `#[instrument_actor]`
//! expands to) carries native buckets and the trace of the span it finished in.
//!
//! `promtool check metrics` is not run on the OpenMetrics body: promtool 2.42 reads text
//! 0.0.4 only (it stops at the first exemplar, "expected integer as timestamp, got \"#\"",
//! and at OpenMetrics' `\"` in HELP). Prometheus 2.42's own OpenMetrics parser reads it in
//! `tests/e2e/prometheus_native_e2e.rs`, where a Prometheus without feature flags scrapes it.

use std::io::Read as _;
use std::net::SocketAddr;
use std::time::Duration;

use crate::readers::{parse_openmetrics, parse_protobuf, parse_text, same, Samples};
use alys_metrics::actor::{
    HandlerSite, MessageGuard, SiteRegistration, ACTOR_MESSAGE_THROUGHPUT_PER_SECOND,
};
use alys_metrics::encode::{OPENMETRICS_CONTENT_TYPE, PROTOBUF_CONTENT_TYPE};
use alys_metrics::exemplar::TraceId;
use alys_metrics::labels::Status;
use alys_metrics::labels::{ActorType, MessageType};
use alys_metrics::prelude::*;

/// Time to do a test thing, in seconds.
#[alys_metric(histogram, native(schema = 2, max_buckets = 20), labels(validator: dynamic(max = 4)), buckets = [0.1, 1.0, 10.0])]
static EXPO_TASK_DURATION: Histogram;

/// Test things done.
#[alys_metric(counter, labels(status))]
static EXPO_TASKS: Counter;

/// A test level, with "quotes" and a back\slash in its help.
#[alys_metric(gauge)]
static EXPO_LEVEL: Gauge;

/// A handler site, measured by hand as `#[instrument_actor]` measures a handler.
static EXPO_SITE: HandlerSite = HandlerSite::new(
    "ExpoActor",
    "ExpoMessage",
    ActorType::Chain,
    MessageType::System,
);
alys_metrics::__private::inventory::submit! { SiteRegistration(&EXPO_SITE) }

/// The actor latency series of [`EXPO_SITE`] as [`key`] writes it, without `le`.
const EXPO_SITE_LABELS: &str =
    "actor=\"ExpoActor\",actor_type=\"chain\",message=\"ExpoMessage\",message_type=\"system\"";

const PROMETHEUS_242_NATIVE: &str = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited,application/openmetrics-text;version=1.0.0;q=0.8,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
const PROMETHEUS_242: &str = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

struct Reply {
    head: String,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_owned())
        })
    }
}

async fn get(addr: SocketAddr, headers: &[(&str, &str)]) -> Reply {
    let (head, body) = crate::client::get(addr, "/metrics", headers).await;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    Reply { head, body }
}

/// Updates the test families; the trace id of the span the actor message finished in.
fn drive() -> String {
    for (i, v) in [0.05, 0.5, 0.7, 5.0, 50.0, 0.0].into_iter().enumerate() {
        EXPO_TASK_DURATION
            .with("v1")
            .observe_with_exemplar(v, TraceId::from_u64(0xabc0 + i as u64));
    }
    EXPO_TASK_DURATION.with("v2").observe(0.3);
    EXPO_TASKS.with(Status::Success).inc_by(3);
    EXPO_TASKS
        .with(Status::Failure)
        .inc_by_with_exemplar(2, TraceId::from_u64(0xabc9));
    EXPO_LEVEL.set(-2.5);
    // Two messages: one finished inside a span (its exemplar), one outside every span.
    let subscriber = tracing_subscriber::fmt()
        .with_writer(std::io::sink)
        .finish();
    let id = tracing::subscriber::with_default(subscriber, || {
        let span = tracing::info_span!("expo_message");
        let _entered = span.enter();
        MessageGuard::start(&EXPO_SITE).finish(false);
        span.id().expect("an enabled span").into_u64()
    });
    MessageGuard::start(&EXPO_SITE).finish(false);
    format!("{id:016x}")
}

/// `alys_actor_message_throughput_per_second` is derived at scrape time over the time since
/// its last derivation (at least a second): a scrape more than a second after the first one
/// below would no longer count `drive()`'s messages, and the formats would differ. Derives it
/// once with them and once more a second later without them: it stays 0 until the next
/// message, however long the scrapes below take.
async fn settle_derived_throughput() {
    for _ in 0..2 {
        tokio::time::sleep(Duration::from_millis(1_050)).await;
        let _ = ACTOR_MESSAGE_THROUGHPUT_PER_SECOND.throughput_of(ActorType::Chain);
    }
}

/// Families whose values move on their own between two scrapes.
fn steady(samples: &Samples) -> Samples {
    samples
        .iter()
        .filter(|(k, _)| {
            !k.starts_with("process_")
                && !k.starts_with("alys_collector")
                // Computed from two clocks at each scrape: it moves by nanoseconds.
                && !k.starts_with("alys_actor_last_activity_timestamp_seconds")
        })
        .map(|(k, v)| (k.clone(), *v))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_format_carries_the_same_samples() {
    let _serial = crate::serial();
    let server = crate::client::start_exporter().await;
    let trace_id = drive();
    settle_derived_throughput().await;
    let addr = server.local_addr();

    let text = get(addr, &[]).await;
    assert_eq!(
        text.header("content-type").as_deref(),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    let text_body = String::from_utf8(text.body).unwrap();
    assert!(!text_body.contains("trace_id"), "no exemplar in text 0.0.4");
    let from_text = steady(&parse_text(&text_body));
    // 0, 0.05, 0.5 and 0.7 of validator v1 are at most 1.
    assert_eq!(
        from_text.get("alys_expo_task_duration_seconds_bucket{le=\"1\",validator=\"v1\"}"),
        Some(&4.0),
        "{from_text:?}"
    );
    let actor_count = format!("alys_actor_message_latency_seconds_count{{{EXPO_SITE_LABELS}}}");
    assert_eq!(from_text.get(&actor_count), Some(&2.0));

    let om = get(addr, &[("Accept", PROMETHEUS_242)]).await;
    assert_eq!(
        om.header("content-type").as_deref(),
        Some(OPENMETRICS_CONTENT_TYPE)
    );
    let om_body = String::from_utf8(om.body).unwrap();
    let (from_om, exemplars) = parse_openmetrics(&om_body);
    same(
        &steady(&from_om),
        &from_text,
        "OpenMetrics samples equal text's",
    );
    assert!(om_body.contains("# TYPE alys_expo_tasks counter\n"));
    assert!(om_body.contains("alys_expo_tasks_total{status=\"success\"} 3\n"));
    // A counter's exemplar: its latest increment.
    assert!(
        exemplars.contains(&(
            "alys_expo_tasks_total{status=\"failure\"}".to_owned(),
            "000000000000abc9".to_owned(),
            2.0
        )),
        "{exemplars:?}"
    );
    assert!(om_body.contains("# UNIT alys_expo_task_duration_seconds seconds\n"));
    assert!(om_body.contains("# HELP alys_expo_level A test level, with \\\"quotes\\\" and a back\\\\slash in its help.\n"));
    // One exemplar per bucket that got one: the latest (0.7 over 0.5 in (0.1, 1]).
    let mut ex: Vec<_> = exemplars
        .iter()
        .filter(|e| e.0.starts_with("alys_expo_task_duration_seconds_bucket"))
        .map(|e| (e.1.clone(), e.2))
        .collect();
    ex.sort_by(|a, b| a.1.total_cmp(&b.1));
    assert_eq!(
        ex,
        vec![
            ("000000000000abc5".to_owned(), 0.0),
            ("000000000000abc2".to_owned(), 0.7),
            ("000000000000abc3".to_owned(), 5.0),
            ("000000000000abc4".to_owned(), 50.0),
        ]
    );

    let pb = get(addr, &[("Accept", PROMETHEUS_242_NATIVE)]).await;
    assert_eq!(
        pb.header("content-type").as_deref(),
        Some(PROTOBUF_CONTENT_TYPE)
    );
    let (from_pb, pb_exemplars, native) = parse_protobuf(&pb.body);
    same(
        &steady(&from_pb),
        &from_text,
        "protobuf samples equal text's",
    );
    let mut om_exemplars = exemplars.clone();
    om_exemplars.sort_by(|a, b| a.0.cmp(&b.0));
    let mut pb_sorted = pb_exemplars.clone();
    pb_sorted.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(pb_sorted, om_exemplars, "the same exemplars in protobuf");

    // The actor message latency: the message finished in a span is its bucket's exemplar
    // (both were well under 1 ms, so both are in the first bucket), in OpenMetrics and
    // protobuf; its native buckets hold both messages at schema 3.
    let actor_exemplars: Vec<_> = exemplars
        .iter()
        .filter(|e| {
            e.0.starts_with("alys_actor_message_latency_seconds_bucket")
                && e.0.contains("ExpoActor")
        })
        .collect();
    assert_eq!(actor_exemplars.len(), 1, "{actor_exemplars:?}");
    assert_eq!(actor_exemplars[0].1, trace_id);
    assert!(
        actor_exemplars[0].0.contains("le=\"0.001\""),
        "{actor_exemplars:?}"
    );
    assert!((0.0..=0.001).contains(&actor_exemplars[0].2));
    let actor = &native[&format!("alys_actor_message_latency_seconds{{{EXPO_SITE_LABELS}}}")];
    assert_eq!(actor.schema, Some(3));
    assert_eq!(actor.sample_count, Some(2));
    let native_total = actor.zero_count.unwrap_or(0) as i64
        + actor
            .positive_delta
            .iter()
            .scan(0i64, |acc, d| {
                *acc += d;
                Some(*acc)
            })
            .sum::<i64>();
    assert_eq!(
        native_total, 2,
        "both messages in native buckets: {actor:?}"
    );
    // A native histogram also carries its exemplars in its own field, each with a timestamp
    // (what Prometheus 3 reads for native histograms): the same as its bucket exemplars.
    assert_eq!(actor.exemplars.len(), 1, "{actor:?}");
    assert!(actor.exemplars[0].timestamp.is_some());
    assert!(actor.exemplars[0]
        .label
        .iter()
        .any(|l| l.value.as_deref() == Some(trace_id.as_str())));
    let h = &native["alys_expo_task_duration_seconds{validator=\"v1\"}"];
    assert_eq!(
        h.exemplars.len(),
        4,
        "one per bucket with an exemplar: {h:?}"
    );
    assert!(h.exemplars.iter().all(|e| e.timestamp.is_some()));
    // Schema 2 holds 0.05, 0.5, 0.7, 5 and 50 in five buckets (<= 20): no reduction.
    assert_eq!(h.schema, Some(2));
    assert_eq!(h.zero_count, Some(1));
    assert_eq!(h.sample_count, Some(6));
    let deltas_total: i64 = {
        let mut acc = 0i64;
        h.positive_delta
            .iter()
            .map(|d| {
                acc += d;
                acc
            })
            .sum()
    };
    assert_eq!(deltas_total, 5);
    assert!(native.contains_key("alys_expo_task_duration_seconds{validator=\"v2\"}"));
    assert!(
        native.keys().all(|k| !k.starts_with("alys_expo_tasks")),
        "only native histograms carry a schema"
    );

    // Gzip applies to each format and decodes to the same samples.
    let gunzip = |body: &[u8]| {
        let mut decoded = Vec::new();
        flate2::read::GzDecoder::new(body)
            .read_to_end(&mut decoded)
            .expect("valid gzip");
        String::from_utf8(decoded).expect("UTF-8")
    };
    let gz = get(addr, &[("Accept-Encoding", "gzip")]).await;
    assert_eq!(gz.header("content-encoding").as_deref(), Some("gzip"));
    same(
        &steady(&parse_text(&gunzip(&gz.body))),
        &from_text,
        "gzipped text",
    );
    let gz = get(
        addr,
        &[("Accept", PROMETHEUS_242), ("Accept-Encoding", "gzip")],
    )
    .await;
    assert_eq!(gz.header("content-encoding").as_deref(), Some("gzip"));
    same(
        &steady(&parse_openmetrics(&gunzip(&gz.body)).0),
        &from_text,
        "gzipped OpenMetrics",
    );
    let gz = get(
        addr,
        &[
            ("Accept", PROMETHEUS_242_NATIVE),
            ("Accept-Encoding", "gzip"),
        ],
    )
    .await;
    let mut decoded = Vec::new();
    flate2::read::GzDecoder::new(&gz.body[..])
        .read_to_end(&mut decoded)
        .expect("valid gzip");
    same(
        &steady(&parse_protobuf(&decoded).0),
        &from_text,
        "gzipped protobuf",
    );

    server.shutdown().await;
}

/// Prometheus 3.5's default `Accept` (its `scrape_protocols` default), as it sends it.
const PROMETHEUS_35: &str = "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2";

/// Prometheus 3: its default `Accept` gets OpenMetrics with the escaping scheme echoed; text
/// format 1.0.0 is served when asked for (the same samples as 0.0.4, which stays the default);
/// each escaping scheme is echoed in `Content-Type` and leaves every name as it is (all are
/// legacy-valid); an unknown scheme is ignored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_3_gets_text_1_0_0_and_its_escaping_scheme_echoed() {
    let _serial = crate::serial();
    let server = crate::client::start_exporter().await;
    // The test families' series, without moving the values that
    // `every_format_carries_the_same_samples` checks (the two tests run in either order).
    EXPO_TASK_DURATION.with("v1");
    EXPO_TASK_DURATION.with("v2");
    settle_derived_throughput().await;
    let addr = server.local_addr();

    let text = get(addr, &[]).await;
    assert_eq!(
        text.header("content-type").as_deref(),
        Some("text/plain; version=0.0.4; charset=utf-8"),
        "no Accept: text 0.0.4, unchanged"
    );
    let from_text = steady(&parse_text(&String::from_utf8(text.body).unwrap()));

    let om = get(addr, &[("Accept", PROMETHEUS_35)]).await;
    assert_eq!(
        om.header("content-type").as_deref(),
        Some("application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=allow-utf-8")
    );
    let (from_om, _) = parse_openmetrics(&String::from_utf8(om.body).unwrap());
    same(
        &steady(&from_om),
        &from_text,
        "Prometheus 3.5's OpenMetrics samples equal text's",
    );

    for scheme in ["allow-utf-8", "underscores", "dots", "values"] {
        let accept = format!("text/plain;version=1.0.0;escaping={scheme}");
        let reply = get(addr, &[("Accept", &accept)]).await;
        assert_eq!(
            reply.header("content-type"),
            Some(format!(
                "text/plain; version=1.0.0; charset=utf-8; escaping={scheme}"
            )),
            "{accept}"
        );
        let body = String::from_utf8(reply.body).unwrap();
        same(
            &steady(&parse_text(&body)),
            &from_text,
            &format!("text 1.0.0 with escaping={scheme} equals text 0.0.4"),
        );
        let accept = format!(
            "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited;escaping={scheme}"
        );
        let reply = get(addr, &[("Accept", &accept)]).await;
        assert_eq!(
            reply.header("content-type"),
            Some(format!("{PROTOBUF_CONTENT_TYPE}; escaping={scheme}")),
            "{accept}"
        );
        let (from_pb, _, _) = parse_protobuf(&reply.body);
        same(
            &steady(&from_pb),
            &from_text,
            &format!("protobuf with escaping={scheme} equals text 0.0.4"),
        );
    }
    // Text 1.0.0 without a scheme; an unknown scheme is ignored (as client_golang does).
    for (accept, want) in [
        (
            "text/plain;version=1.0.0",
            "text/plain; version=1.0.0; charset=utf-8",
        ),
        (
            "text/plain;version=1.0.0;escaping=bogus",
            "text/plain; version=1.0.0; charset=utf-8",
        ),
        (
            "text/plain;version=2.0.0,text/plain;version=0.0.4;q=0.5",
            "text/plain; version=0.0.4; charset=utf-8",
        ),
    ] {
        let reply = get(addr, &[("Accept", accept)]).await;
        assert_eq!(
            reply.header("content-type").as_deref(),
            Some(want),
            "{accept}"
        );
    }
    server.shutdown().await;
}

/// The start time of the protobuf metric `m` (counter or histogram), in seconds.
fn created_of(m: &alys_metrics::encode::proto::Metric) -> Option<f64> {
    let ts = m
        .counter
        .as_ref()
        .and_then(|c| c.created_timestamp)
        .or_else(|| m.histogram.as_ref().and_then(|h| h.created_timestamp))?;
    Some(ts.seconds as f64 + f64::from(ts.nanos) * 1e-9)
}

/// Start times over real HTTP: protobuf carries every counter's and histogram's
/// `created_timestamp` (a declared family's enum-labelled series: the registry's start, the
/// same for all of them; a dynamic value's: when it took its slot; a scrape-time family's:
/// the process start), never a gauge's; OpenMetrics has `_created` lines only with `created_timestamps.openmetrics`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protobuf_carries_start_times_and_openmetrics_only_when_configured() {
    use alys_metrics::encode::created::CreatedTimestamps;
    use alys_metrics::encode::protobuf;
    let _serial = crate::serial();
    let server = alys_metrics::serve(MetricsConfig {
        bind: "127.0.0.1:0".parse().expect("an address"),
        collection_interval: Duration::from_secs(3600),
        created_timestamps: CreatedTimestamps {
            protobuf: true,
            openmetrics: true,
        },
        ..MetricsConfig::default()
    })
    .await
    .expect("the exporter starts");
    server.wait_ready().await;
    // The series this test reads, without moving the values `every_format_carries_the_same_samples`
    // checks: a dynamic value's series exists once the value has its slot.
    EXPO_TASK_DURATION.with("v1");
    let addr = server.local_addr();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();

    let pb = get(addr, &[("Accept", PROMETHEUS_242_NATIVE)]).await;
    let families = protobuf::decode(&pb.body).expect("delimited MetricFamily messages");
    let family = |name: &str| {
        families
            .iter()
            .find(|f| f.name.as_deref() == Some(name))
            .unwrap_or_else(|| panic!("{name} is served"))
    };
    let tasks = family("alys_expo_tasks_total");
    let started = created_of(&tasks.metric[0]).expect("a counter carries its start");
    assert!(
        started <= now && started > now - 3600.0,
        "{started} is the registry's start, before {now}"
    );
    assert!(tasks.metric.iter().all(|m| created_of(m) == Some(started)));
    let durations = family("alys_expo_task_duration_seconds");
    assert!(!durations.metric.is_empty(), "v1");
    for m in &durations.metric {
        let h = m.histogram.as_ref().unwrap();
        assert!(h.schema.is_some(), "a native histogram");
        let t = created_of(m).expect("a histogram carries its start");
        assert!(t <= now && t > now - 3600.0);
    }
    assert!(family("alys_expo_level").metric[0].gauge.is_some());
    assert_eq!(created_of(&family("alys_expo_level").metric[0]), None);
    // A family computed at scrape time: the process start, before the first scrape.
    let latency = family("alys_actor_message_latency_seconds");
    assert!(latency
        .metric
        .iter()
        .all(|m| created_of(m).is_some_and(|t| t <= now)));

    let om = get(addr, &[("Accept", PROMETHEUS_242)]).await;
    let om_body = String::from_utf8(om.body).unwrap();
    let created_line = om_body
        .lines()
        .find(|l| l.starts_with("alys_expo_tasks_created{status=\"success\"} "))
        .unwrap_or_else(|| panic!("a _created line: {om_body}"));
    let secs: f64 = created_line.rsplit(' ').next().unwrap().parse().unwrap();
    assert!((secs - started).abs() < 1e-6, "{created_line} vs {started}");
    assert!(om_body.contains("alys_expo_task_duration_seconds_created{validator=\"v1\"} "));
    assert!(
        !om_body.contains("alys_expo_level_created"),
        "no start for a gauge"
    );
    // A family computed at scrape time goes through the same encoder: each handler's latency
    // histogram and the built-in overflow counter carry the process start as well.
    let scrape_time_created: Vec<&str> = om_body
        .lines()
        .filter(|l| {
            l.starts_with("alys_actor_message_latency_seconds_created{")
                || l.starts_with("alys_label_overflow_created{")
        })
        .collect();
    assert!(
        scrape_time_created
            .iter()
            .any(|l| l.starts_with("alys_actor_message_latency_seconds_created{"))
            && scrape_time_created
                .iter()
                .any(|l| l.starts_with("alys_label_overflow_created{")),
        "{om_body}"
    );
    for line in &scrape_time_created {
        let secs: f64 = line.rsplit(' ').next().unwrap().parse().unwrap();
        assert!(secs <= now && secs > now - 3600.0, "{line}");
    }
    // Each series' `_created` line follows its samples.
    let mut lines = om_body.lines();
    lines
        .find(|l| l.starts_with("alys_expo_tasks_total{status=\"success\"} "))
        .expect("the counter's sample");
    assert_eq!(lines.next(), Some(created_line));
    server.shutdown().await;

    // The default: OpenMetrics without `_created`, protobuf with it.
    let server = crate::client::start_exporter().await;
    let addr = server.local_addr();
    let om = get(addr, &[("Accept", PROMETHEUS_242)]).await;
    let om_body = String::from_utf8(om.body).unwrap();
    assert!(!om_body.contains("_created"), "{om_body}");
    let pb = get(addr, &[("Accept", PROMETHEUS_242_NATIVE)]).await;
    let families = protobuf::decode(&pb.body).unwrap();
    let tasks = families
        .iter()
        .find(|f| f.name.as_deref() == Some("alys_expo_tasks_total"))
        .unwrap();
    assert_eq!(created_of(&tasks.metric[0]), Some(started));
    server.shutdown().await;
}
