//! `ActorMetricsBridge`: repeated collections export exactly the true totals, restarts and
//! health changes are detected once, mailbox sizes are summed per actor type, and ten
//! thousand actors register and collect.
//!
//! The bridge's gauges (`alys_actor_total_count`, ...) are process-wide, so the tests hold
//! `crate::serial()` and assert on counter deltas. Each leaves no actor registered (and the
//! throughput test collects once more without one): what a bridge reported last is
//! process-wide, and `actor_shapes::no_lying_zeros` checks what the attribute derives when no
//! bridge has actors.

use std::sync::Arc;
use std::time::Duration;

use alys_metrics::actor::{mailbox, ActorMetrics, ActorMetricsBridge, NoRuntime};
use alys_metrics::labels::{ActorType, LifecycleEvent, MessageType, RestartReason};
use alys_metrics::LabelValue;

/// The value of one series in the exposition text, as Prometheus would read it.
fn value(series: &str) -> f64 {
    let text = alys_metrics::registry().encode_to_string();
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no series `{series}` in:\n{text}"))
}

/// As [`value`], 0 for a series not exported yet.
fn value_or_zero(series: &str) -> f64 {
    let text = alys_metrics::registry().encode_to_string();
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or(0.0)
}

fn typed(family: &str, t: ActorType) -> f64 {
    value(&format!("{family}{{actor_type=\"{}\"}}", t.as_str()))
}

fn lifecycle(t: ActorType, e: LifecycleEvent) -> f64 {
    value(&format!(
        "alys_actor_lifecycle_events_total{{actor_type=\"{}\",event=\"{}\"}}",
        t.as_str(),
        e.as_str()
    ))
}

fn restarts(t: ActorType, r: RestartReason) -> f64 {
    value(&format!(
        "alys_actor_restarts_total{{actor_type=\"{}\",reason=\"{}\"}}",
        t.as_str(),
        r.as_str()
    ))
}

const PROCESSED: &str = "alys_actor_messages_processed_total";
const ERRORS: &str = "alys_actor_message_errors_total";

#[test]
fn repeated_collections_export_exactly_the_true_totals() {
    let _s = crate::serial();
    let t = ActorType::Chain;
    let (p0, e0) = (typed(PROCESSED, t), typed(ERRORS, t));
    let bridge = ActorMetricsBridge::new(Duration::from_secs(5));
    let a = Arc::new(ActorMetrics::new());
    let b = Arc::new(ActorMetrics::new());
    bridge.register("chain-a", t, Arc::clone(&a));
    bridge.register("chain-b", t, Arc::clone(&b));
    for _ in 0..100 {
        a.record_message(Duration::from_micros(50), true);
    }
    for _ in 0..7 {
        b.record_message(Duration::from_micros(50), false);
    }
    let first = bridge.collect();
    assert_eq!(first.messages, 107);
    for _ in 0..5 {
        assert_eq!(bridge.collect().messages, 0, "nothing new, nothing added");
    }
    assert_eq!(typed(PROCESSED, t) - p0, 100.0);
    assert_eq!(typed(ERRORS, t) - e0, 7.0);
    assert_eq!(typed("alys_actor_message_throughput_per_second", t), 0.0);

    for _ in 0..10 {
        b.record_message(Duration::from_micros(50), true);
    }
    let summary = bridge.collect();
    bridge.collect();
    assert_eq!(summary.messages, 10);
    assert_eq!(typed(PROCESSED, t) - p0, 110.0);
    assert_eq!(typed(ERRORS, t) - e0, 7.0);

    // Counts recorded after the last collection are exported when the actor leaves.
    a.record_message(Duration::ZERO, true);
    assert!(bridge.unregister("chain-a"));
    assert!(!bridge.unregister("chain-a"));
    bridge.collect();
    assert_eq!(typed(PROCESSED, t) - p0, 111.0);
    bridge.unregister("chain-b");
}

/// A runtime whose clock only moves when the test advances it.
fn paused_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("runtime")
}

#[test]
fn throughput_is_messages_per_second_over_the_window() {
    let _s = crate::serial();
    let t = ActorType::Stream;
    paused_runtime().block_on(async {
        let bridge = ActorMetricsBridge::new(Duration::from_secs(5));
        let m = Arc::new(ActorMetrics::new());
        bridge.register("stream-1", t, Arc::clone(&m));
        bridge.collect();
        for _ in 0..40 {
            m.record_message(Duration::from_millis(1), true);
        }
        tokio::time::advance(Duration::from_secs(4)).await;
        let s = bridge.collect();
        assert_eq!((s.messages, s.window), (40, Duration::from_secs(4)));
        // 40 messages in 4 s, whatever their processing time (1 ms: "1/avg" would say 1000).
        assert_eq!(typed("alys_actor_message_throughput_per_second", t), 10.0);
        bridge.unregister("stream-1");
        // A collection without actors: the bridge no longer speaks for `stream`.
        tokio::time::advance(Duration::from_secs(1)).await;
        bridge.collect();
    });
}

#[test]
fn restarts_are_detected_once_with_their_reason() {
    let _s = crate::serial();
    let t = ActorType::Engine;
    let bridge = ActorMetricsBridge::new(Duration::from_secs(5));
    let m = Arc::new(ActorMetrics::new());
    let r0 = restarts(t, RestartReason::Panic);
    let o0 = restarts(t, RestartReason::Other);
    let l0 = lifecycle(t, LifecycleEvent::Restart);
    let spawn0 = lifecycle(t, LifecycleEvent::Spawn);
    bridge.register("engine-1", t, Arc::clone(&m));
    assert_eq!(lifecycle(t, LifecycleEvent::Spawn) - spawn0, 1.0);

    m.record_restart(RestartReason::Panic);
    m.record_restart(RestartReason::Panic);
    assert!(bridge.record_lifecycle_event("engine-1", LifecycleEvent::Restart));
    assert!(!bridge.record_lifecycle_event("nobody", LifecycleEvent::Restart));
    for _ in 0..3 {
        bridge.collect();
    }
    assert_eq!(restarts(t, RestartReason::Panic) - r0, 2.0);
    assert_eq!(restarts(t, RestartReason::Other) - o0, 1.0);
    assert_eq!(lifecycle(t, LifecycleEvent::Restart) - l0, 3.0);
    assert_eq!(bridge.aggregate_stats().total_restarts, 3);
    bridge.unregister("engine-1");
}

#[test]
fn metrics_registered_again_export_only_what_is_new() {
    let _s = crate::serial();
    let t = ActorType::Storage;
    let bridge = ActorMetricsBridge::new(Duration::from_secs(5));
    let m = Arc::new(ActorMetrics::new());
    let (p0, e0) = (typed(PROCESSED, t), typed(ERRORS, t));
    let r0 = restarts(t, RestartReason::Panic);
    let l0 = lifecycle(t, LifecycleEvent::Restart);
    bridge.register("storage-rereg", t, Arc::clone(&m));
    for _ in 0..5 {
        m.record_message(Duration::from_millis(1), true);
    }
    m.record_message(Duration::from_millis(1), false);
    m.record_restart(RestartReason::Panic);
    bridge.collect();
    let exported = |p: f64, e: f64, r: f64, l: f64| {
        assert_eq!(typed(PROCESSED, t) - p0, p, "processed");
        assert_eq!(typed(ERRORS, t) - e0, e, "errors");
        assert_eq!(restarts(t, RestartReason::Panic) - r0, r, "restarts");
        assert_eq!(
            lifecycle(t, LifecycleEvent::Restart) - l0,
            l,
            "restart events"
        );
    };
    exported(5.0, 1.0, 1.0, 1.0);

    // A supervisor restart: the actor registers again under its name with the same metrics.
    bridge.register("storage-rereg", t, Arc::clone(&m));
    bridge.collect();
    exported(5.0, 1.0, 1.0, 1.0);

    // Unregister, then register again.
    assert!(bridge.unregister("storage-rereg"));
    bridge.register("storage-rereg", t, Arc::clone(&m));
    bridge.collect();
    exported(5.0, 1.0, 1.0, 1.0);

    // What happens afterwards is still exported, once.
    m.record_message(Duration::from_millis(1), true);
    m.record_restart(RestartReason::Panic);
    bridge.register("storage-rereg", t, Arc::clone(&m));
    bridge.collect();
    bridge.collect();
    exported(6.0, 1.0, 2.0, 2.0);
    assert!(bridge.unregister("storage-rereg"));
}

#[test]
fn health_degrades_and_recovers_once() {
    let _s = crate::serial();
    let t = ActorType::Bridge;
    let bridge = ActorMetricsBridge::new(Duration::from_secs(5));
    let m = Arc::new(ActorMetrics::new());
    let ok = Arc::new(ActorMetrics::new());
    bridge.register("bridge-flaky", t, Arc::clone(&m));
    bridge.register("bridge-ok", t, Arc::clone(&ok));
    let recover0 = lifecycle(t, LifecycleEvent::Recover);

    for _ in 0..10 {
        m.record_message(Duration::ZERO, false);
    }
    let s = bridge.collect();
    assert_eq!((s.actors, s.healthy), (2, 1));
    assert_eq!(value("alys_actor_healthy_count"), 1.0);
    assert_eq!(value("alys_actor_total_count"), 2.0);

    for _ in 0..1000 {
        m.record_message(Duration::ZERO, true);
    }
    assert_eq!(bridge.collect().healthy, 2);
    bridge.collect();
    assert_eq!(lifecycle(t, LifecycleEvent::Recover) - recover0, 1.0);
    assert_eq!(value("alys_actor_healthy_count"), 2.0);
    bridge.unregister("bridge-flaky");
    bridge.unregister("bridge-ok");
}

#[test]
fn the_mailbox_gauge_is_the_sum_over_the_actors_of_a_type_and_drops_are_counted() {
    let _s = crate::serial();
    let t = ActorType::Storage;
    let bridge = ActorMetricsBridge::new(Duration::from_secs(5));
    let dropped0 = typed("alys_actor_mailbox_dropped_total", t);
    let mut receivers = Vec::new();
    for (i, queued) in [(0, 3), (1, 10)] {
        let m = Arc::new(ActorMetrics::new());
        let (tx, rx) = mailbox::bounded::<u32>(4, Arc::clone(m.mailbox()));
        let refused = (0..queued).filter(|n| tx.try_send(*n).is_err()).count();
        assert_eq!(refused, queued.saturating_sub(4) as usize);
        bridge.register(format!("storage-{i}"), t, m);
        receivers.push((tx, rx));
    }
    bridge.collect();
    assert_eq!(typed("alys_actor_mailbox_size", t), 7.0, "3 + 4");
    assert_eq!(typed("alys_actor_mailbox_dropped_total", t) - dropped0, 6.0);

    let (_, rx) = &mut receivers[1];
    for _ in 0..4 {
        rx.try_recv().expect("queued");
    }
    bridge.collect();
    bridge.collect();
    assert_eq!(typed("alys_actor_mailbox_size", t), 3.0);
    assert_eq!(typed("alys_actor_mailbox_dropped_total", t) - dropped0, 6.0);
    let snap = receivers[1].1.metrics().snapshot();
    assert_eq!(
        (
            snap.queued,
            snap.processed,
            snap.dropped,
            snap.max_size_reached
        ),
        (4, 4, 6, 4)
    );
    bridge.unregister("storage-0");
    bridge.unregister("storage-1");
}

#[test]
fn message_events_count_at_once_and_export_their_totals_at_collection() {
    let _s = crate::serial();
    let t = ActorType::Supervisor;
    let bridge = ActorMetricsBridge::new(Duration::from_secs(5));
    // Events recorded without a handler site are exported under `actor_type` and
    // `message_type` only, once there is one.
    let series = "alys_actor_messages_total{actor_type=\"supervisor\",message_type=\"lifecycle\"}";
    let latency =
        "alys_actor_message_latency_seconds_count{actor_type=\"supervisor\",message_type=\"lifecycle\"}";
    let (m0, p0, e0) = (value_or_zero(series), typed(PROCESSED, t), typed(ERRORS, t));
    let lat0 = value_or_zero(latency);
    let handle = bridge.register("root", t, Arc::new(ActorMetrics::new()));
    assert!(bridge.record_message_event(
        "root",
        MessageType::Lifecycle,
        Duration::from_millis(3),
        true
    ));
    assert!(!bridge.record_message_event("nobody", MessageType::Lifecycle, Duration::ZERO, true));
    handle.record_message(MessageType::Lifecycle, Duration::from_millis(7), false);

    assert_eq!(value(series) - m0, 2.0);
    assert_eq!(value(latency) - lat0, 2.0);
    assert_eq!(typed(PROCESSED, t) - p0, 0.0, "exported by the collection");
    bridge.collect();
    bridge.collect();
    assert_eq!(typed(PROCESSED, t) - p0, 1.0);
    assert_eq!(typed(ERRORS, t) - e0, 1.0);
    assert_eq!(typed("alys_actor_messages_in_flight", t), 0.0);
    let stats = bridge.aggregate_stats();
    assert_eq!(stats.avg_response_time, Duration::from_millis(5));
    assert_eq!(stats.overall_success_rate, 0.5);
    bridge.unregister("root");
}

#[test]
fn system_health_needs_80_percent_healthy_actors_and_95_percent_success() {
    let _s = crate::serial();
    let bridge = ActorMetricsBridge::new(Duration::from_secs(5));
    assert!(bridge.is_system_healthy(), "no actors: healthy");
    let actors: Vec<Arc<ActorMetrics>> = (0..10).map(|_| Arc::new(ActorMetrics::new())).collect();
    for (i, m) in actors.iter().enumerate() {
        bridge.register(format!("sys-{i}"), ActorType::System, Arc::clone(m));
        for _ in 0..1000 {
            m.record_message(Duration::ZERO, true);
        }
    }
    // Two unhealthy actors out of ten: 80 % healthy, overall success still above 95 %.
    for m in &actors[..2] {
        for _ in 0..100 {
            m.record_message(Duration::ZERO, false);
        }
    }
    assert!(bridge.is_system_healthy());
    let third = &actors[2];
    for _ in 0..100 {
        third.record_message(Duration::ZERO, false);
    }
    assert!(!bridge.is_system_healthy(), "70 % healthy");
    let stats = bridge.aggregate_stats();
    assert_eq!((stats.total_actors, stats.healthy_actors), (10, 7));
    assert_eq!(stats.total_messages_failed, 300);
    for i in 0..10 {
        bridge.unregister(&format!("sys-{i}"));
    }
}

#[test]
fn ten_thousand_actors_register_collect_and_leave() {
    let _s = crate::serial();
    let t = ActorType::Network;
    let bridge = ActorMetricsBridge::new(Duration::from_secs(5));
    let (p0, spawn0, stop0) = (
        typed(PROCESSED, t),
        lifecycle(t, LifecycleEvent::Spawn),
        lifecycle(t, LifecycleEvent::Stop),
    );
    // With no actor in any bridge, the instrumented actors that handled a message (those of
    // the other modules of this binary that ran before).
    let total0 = value("alys_actor_total_count");
    let actors: Vec<Arc<ActorMetrics>> =
        (0..10_000).map(|_| Arc::new(ActorMetrics::new())).collect();
    for (i, m) in actors.iter().enumerate() {
        bridge.register(format!("net-{i}"), t, Arc::clone(m));
        m.record_message(Duration::from_micros(10), true);
    }
    assert_eq!(bridge.len(), 10_000);
    assert_eq!(value("alys_actor_total_count"), 10_000.0);
    let s = bridge.collect();
    assert_eq!((s.actors, s.healthy, s.messages), (10_000, 10_000, 10_000));
    bridge.collect();
    assert_eq!(typed(PROCESSED, t) - p0, 10_000.0);
    assert_eq!(value("alys_actor_healthy_count"), 10_000.0);
    assert_eq!(lifecycle(t, LifecycleEvent::Spawn) - spawn0, 10_000.0);

    for i in 0..10_000 {
        assert!(bridge.unregister(&format!("net-{i}")));
    }
    assert!(bridge.is_empty());
    assert_eq!(value("alys_actor_total_count"), total0);
    assert_eq!(lifecycle(t, LifecycleEvent::Stop) - stop0, 10_000.0);
    assert_eq!(
        typed(PROCESSED, t) - p0,
        10_000.0,
        "leaving adds nothing twice"
    );
}

#[test]
fn background_collection_needs_a_runtime_and_runs_on_one() {
    let _s = crate::serial();
    let bridge = Arc::new(ActorMetricsBridge::new(Duration::from_secs(5)));
    assert_eq!(bridge.start_collection().err(), Some(NoRuntime));

    let t = ActorType::Sync;
    let p0 = typed(PROCESSED, t);
    paused_runtime().block_on(async {
        let task = bridge.start_collection().expect("inside a runtime");
        let m = Arc::new(ActorMetrics::new());
        bridge.register("sync-bg", t, Arc::clone(&m));
        m.record_message(Duration::ZERO, true);
        tokio::time::sleep(Duration::from_secs(6)).await;
        assert_eq!(
            typed(PROCESSED, t) - p0,
            1.0,
            "collected after one interval"
        );
        m.record_message(Duration::ZERO, true);
        tokio::time::sleep(Duration::from_secs(10)).await;
        assert_eq!(
            typed(PROCESSED, t) - p0,
            2.0,
            "and every interval, without re-adding"
        );
        bridge.unregister("sync-bg");
        task.abort();
    });
}
