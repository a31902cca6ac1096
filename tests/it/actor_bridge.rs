//! `ActorMetricsBridge`: what it alone sees is exported exactly (restarts detected once with
//! their reason, dropped messages as deltas, mailbox sizes summed per actor type, spawn and
//! stop events), and it counts no message: the handler sites are the one writer of message
//! counts, latency and outcomes. Ten thousand actors register, collect and leave.
//!
//! The bridge's families are process-wide, so the tests hold `crate::serial()` and assert on
//! counter deltas; each leaves no actor registered.

use std::sync::Arc;
use std::time::Duration;

use alys_metrics::actor::{mailbox, ActorMetrics, ActorMetricsBridge, NoRuntime};
use alys_metrics::labels::{ActorType, LifecycleEvent, RegistrationEvent, RestartReason};
use alys_metrics::LabelValue;

// The value of one series (panics, saying what exists, when it is not exported).
use crate::samples::value;

fn typed(family: &str, t: ActorType) -> f64 {
    value(&format!("{family}{{actor_type=\"{}\"}}", t.as_str()))
}

fn lifecycle(t: ActorType, e: RegistrationEvent) -> f64 {
    value(&format!(
        "alys_actor_registration_events_total{{actor_type=\"{}\",event=\"{}\"}}",
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

/// The message families by actor type, which only handler sites write.
fn message_families(t: ActorType) -> [f64; 3] {
    [
        typed(PROCESSED, t),
        typed(ERRORS, t),
        value(&format!(
            "alys_actor_message_outcomes_total{{actor_type=\"{}\",outcome=\"ok\"}}",
            t.as_str()
        )),
    ]
}

#[test]
fn repeated_collections_export_exactly_the_true_totals_and_no_message() {
    let _s = crate::serial();
    let t = ActorType::Chain;
    let messages0 = message_families(t);
    let (r0, d0) = (
        restarts(t, RestartReason::Timeout),
        typed("alys_actor_mailbox_dropped_total", t),
    );
    let bridge = ActorMetricsBridge::new(Duration::from_secs(5));
    let a = Arc::new(ActorMetrics::new());
    let b = Arc::new(ActorMetrics::new());
    bridge.register("chain-a", t, Arc::clone(&a));
    bridge.register("chain-b", t, Arc::clone(&b));
    for _ in 0..3 {
        a.record_restart(RestartReason::Timeout);
    }
    for _ in 0..7 {
        b.mailbox().on_drop();
    }
    let first = bridge.collect();
    assert_eq!((first.actors, first.restarts), (2, 3));
    for _ in 0..5 {
        assert_eq!(bridge.collect().restarts, 0, "nothing new, nothing added");
    }
    assert_eq!(restarts(t, RestartReason::Timeout) - r0, 3.0);
    assert_eq!(typed("alys_actor_mailbox_dropped_total", t) - d0, 7.0);

    // Counts recorded after the last collection are exported when the actor leaves.
    a.record_restart(RestartReason::Timeout);
    b.mailbox().on_drop();
    assert!(bridge.unregister("chain-a"));
    assert!(!bridge.unregister("chain-a"));
    assert!(bridge.unregister("chain-b"));
    bridge.collect();
    assert_eq!(restarts(t, RestartReason::Timeout) - r0, 4.0);
    assert_eq!(typed("alys_actor_mailbox_dropped_total", t) - d0, 8.0);
    assert_eq!(
        message_families(t),
        messages0,
        "the bridge counts no message"
    );
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
fn restarts_are_detected_once_with_their_reason_and_counted_once() {
    let _s = crate::serial();
    let t = ActorType::Engine;
    let bridge = ActorMetricsBridge::new(Duration::from_secs(5));
    let m = Arc::new(ActorMetrics::new());
    let r0 = restarts(t, RestartReason::Panic);
    let o0 = restarts(t, RestartReason::Other);
    let spawn0 = lifecycle(t, RegistrationEvent::Spawn);
    bridge.register("engine-1", t, Arc::clone(&m));
    assert_eq!(lifecycle(t, RegistrationEvent::Spawn) - spawn0, 1.0);

    m.record_restart(RestartReason::Panic);
    m.record_restart(RestartReason::Panic);
    assert!(bridge.record_lifecycle_event("engine-1", LifecycleEvent::Restart));
    assert!(!bridge.record_lifecycle_event("nobody", LifecycleEvent::Restart));
    for _ in 0..3 {
        bridge.collect();
    }
    assert_eq!(restarts(t, RestartReason::Panic) - r0, 2.0);
    assert_eq!(restarts(t, RestartReason::Other) - o0, 1.0);
    // Once: the operators' `alys_actor_lifecycle_events_total{event="restart"}` is a recording
    // rule over these (`ops/spellings.yml`), not a second series of the node.
    let text = alys_metrics::registry().encode_to_string();
    assert!(
        !text.contains("alys_actor_lifecycle_events_total"),
        "{text}"
    );
    assert_eq!(bridge.aggregate_stats().total_restarts, 3);
    bridge.unregister("engine-1");
}

#[test]
fn metrics_registered_again_export_only_what_is_new() {
    let _s = crate::serial();
    let t = ActorType::Storage;
    let bridge = ActorMetricsBridge::new(Duration::from_secs(5));
    let m = Arc::new(ActorMetrics::new());
    let d0 = typed("alys_actor_mailbox_dropped_total", t);
    let r0 = restarts(t, RestartReason::Panic);
    bridge.register("storage-rereg", t, Arc::clone(&m));
    for _ in 0..5 {
        m.mailbox().on_drop();
    }
    m.record_restart(RestartReason::Panic);
    bridge.collect();
    let exported = |d: f64, r: f64| {
        assert_eq!(
            typed("alys_actor_mailbox_dropped_total", t) - d0,
            d,
            "dropped"
        );
        assert_eq!(restarts(t, RestartReason::Panic) - r0, r, "restarts");
    };
    exported(5.0, 1.0);

    // A supervisor restart: the actor registers again under its name with the same metrics.
    bridge.register("storage-rereg", t, Arc::clone(&m));
    bridge.collect();
    exported(5.0, 1.0);

    // Unregister, then register again.
    assert!(bridge.unregister("storage-rereg"));
    bridge.register("storage-rereg", t, Arc::clone(&m));
    bridge.collect();
    exported(5.0, 1.0);

    // What happens afterwards is still exported, once.
    m.mailbox().on_drop();
    m.record_restart(RestartReason::Panic);
    bridge.register("storage-rereg", t, Arc::clone(&m));
    bridge.collect();
    bridge.collect();
    exported(6.0, 2.0);
    assert!(bridge.unregister("storage-rereg"));
}

#[test]
fn events_the_node_reports_are_counted_at_once() {
    let _s = crate::serial();
    let t = ActorType::Bridge;
    let bridge = ActorMetricsBridge::new(Duration::from_secs(5));
    bridge.register("bridge-flaky", t, Arc::new(ActorMetrics::new()));
    let (recover0, stop0) = (
        lifecycle(t, RegistrationEvent::Recover),
        lifecycle(t, RegistrationEvent::Stop),
    );
    assert!(bridge.record_lifecycle_event("bridge-flaky", LifecycleEvent::Recover));
    assert!(bridge.record_lifecycle_event("bridge-flaky", LifecycleEvent::Stop));
    assert_eq!(lifecycle(t, RegistrationEvent::Recover) - recover0, 1.0);
    assert_eq!(lifecycle(t, RegistrationEvent::Stop) - stop0, 1.0);
    bridge.unregister("bridge-flaky");
    assert_eq!(lifecycle(t, RegistrationEvent::Stop) - stop0, 2.0);
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
    assert_eq!(bridge.aggregate_stats().total_mailbox_size, 7);

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
fn ten_thousand_actors_register_collect_and_leave() {
    let _s = crate::serial();
    let t = ActorType::Network;
    let bridge = ActorMetricsBridge::new(Duration::from_secs(5));
    let (spawn0, stop0, r0) = (
        lifecycle(t, RegistrationEvent::Spawn),
        lifecycle(t, RegistrationEvent::Stop),
        restarts(t, RestartReason::Other),
    );
    let messages0 = message_families(t);
    let actors: Vec<Arc<ActorMetrics>> =
        (0..10_000).map(|_| Arc::new(ActorMetrics::new())).collect();
    for (i, m) in actors.iter().enumerate() {
        bridge.register(format!("net-{i}"), t, Arc::clone(m));
        m.record_restart(RestartReason::Other);
    }
    assert_eq!(bridge.len(), 10_000);
    let s = bridge.collect();
    assert_eq!((s.actors, s.restarts), (10_000, 10_000));
    bridge.collect();
    assert_eq!(restarts(t, RestartReason::Other) - r0, 10_000.0);
    assert_eq!(lifecycle(t, RegistrationEvent::Spawn) - spawn0, 10_000.0);

    for i in 0..10_000 {
        assert!(bridge.unregister(&format!("net-{i}")));
    }
    assert!(bridge.is_empty());
    assert_eq!(lifecycle(t, RegistrationEvent::Stop) - stop0, 10_000.0);
    assert_eq!(
        restarts(t, RestartReason::Other) - r0,
        10_000.0,
        "leaving adds nothing twice"
    );
    assert_eq!(
        message_families(t),
        messages0,
        "the bridge counts no message"
    );
}

#[test]
fn background_collection_needs_a_runtime_and_runs_on_one() {
    let _s = crate::serial();
    let bridge = Arc::new(ActorMetricsBridge::new(Duration::from_secs(5)));
    assert_eq!(bridge.start_collection().err(), Some(NoRuntime));

    let t = ActorType::Sync;
    let r0 = restarts(t, RestartReason::Panic);
    paused_runtime().block_on(async {
        let task = bridge.start_collection().expect("inside a runtime");
        let m = Arc::new(ActorMetrics::new());
        bridge.register("sync-bg", t, Arc::clone(&m));
        m.record_restart(RestartReason::Panic);
        tokio::time::sleep(Duration::from_secs(6)).await;
        assert_eq!(
            restarts(t, RestartReason::Panic) - r0,
            1.0,
            "collected after one interval"
        );
        m.record_restart(RestartReason::Panic);
        tokio::time::sleep(Duration::from_secs(10)).await;
        assert_eq!(
            restarts(t, RestartReason::Panic) - r0,
            2.0,
            "and every interval, without re-adding"
        );
        bridge.unregister("sync-bg");
        task.abort();
    });
}
