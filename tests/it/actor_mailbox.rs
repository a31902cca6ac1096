//! The instrumented mailbox: a full mailbox drops and counts `try_send`s, while `send` waits
//! for room instead; every message is counted once on each side and the size follows the
//! queue. Its counts reach Prometheus through the bridge.
//!
//! The tests that run a bridge hold `crate::serial()`: a bridge's collection sets the mailbox
//! gauge of every actor type, so two bridges collecting at once (here or in `actor_bridge`)
//! would overwrite each other's values. They unregister their actors when done (see
//! `actor_bridge`).

use std::sync::Arc;
use std::time::Duration;

use alys_metrics::actor::mailbox::{self, TrySendError};
use alys_metrics::actor::{ActorMetrics, ActorMetricsBridge, MailboxMetrics};
use alys_metrics::labels::ActorType;

// The value of one series (panics, saying what exists, when it is not exported).
use crate::samples::value;

#[tokio::test]
async fn send_waits_for_room_where_try_send_drops() {
    let metrics = Arc::new(MailboxMetrics::new());
    let (tx, mut rx) = mailbox::bounded::<u32>(2, Arc::clone(&metrics));
    tx.send(1).await.expect("room");
    tx.send(2).await.expect("room");
    assert!(matches!(tx.try_send(3), Err(TrySendError::Full(3))));

    let waiting = tokio::spawn({
        let tx = tx.clone();
        async move { tx.send(4).await }
    });
    tokio::task::yield_now().await;
    let s = metrics.snapshot();
    assert_eq!(
        (s.queued, s.dropped, s.current_size),
        (2, 1, 2),
        "the waiting send is not queued yet"
    );

    assert_eq!(rx.recv().await, Some(1));
    waiting
        .await
        .expect("joins")
        .expect("sent once there was room");
    assert_eq!(rx.recv().await, Some(2));
    assert_eq!(rx.recv().await, Some(4));
    drop(tx);
    assert_eq!(rx.recv().await, None);

    let s = metrics.snapshot();
    assert_eq!(
        (
            s.queued,
            s.processed,
            s.dropped,
            s.current_size,
            s.max_size_reached
        ),
        (3, 3, 1, 0, 2)
    );
    assert!(s.avg_wait_time() <= s.total_wait_time);
}

#[tokio::test]
async fn an_overflowing_actor_mailbox_is_exported_by_the_bridge() {
    let _serial = crate::serial();
    let bridge = ActorMetricsBridge::new(Duration::from_secs(5));
    let actor = Arc::new(ActorMetrics::new());
    let (tx, mut rx) = mailbox::bounded::<u32>(8, Arc::clone(actor.mailbox()));
    bridge.register("chain-mailbox", ActorType::Chain, Arc::clone(&actor));
    // A delta: the bridge tests of this binary drop chain messages too.
    let dropped0 = value("alys_actor_mailbox_dropped_total{actor_type=\"chain\"}");

    let refused = (0..20).filter(|n| tx.try_send(*n).is_err()).count();
    assert_eq!(refused, 12);
    bridge.collect();
    assert_eq!(
        value("alys_actor_mailbox_dropped_total{actor_type=\"chain\"}") - dropped0,
        12.0
    );
    assert_eq!(value("alys_actor_mailbox_size{actor_type=\"chain\"}"), 8.0);

    while rx.try_recv().is_ok() {}
    bridge.collect();
    bridge.collect();
    assert_eq!(
        value("alys_actor_mailbox_dropped_total{actor_type=\"chain\"}") - dropped0,
        12.0
    );
    assert_eq!(value("alys_actor_mailbox_size{actor_type=\"chain\"}"), 0.0);
    assert_eq!(actor.snapshot().mailbox.max_size_reached, 8);
    bridge.unregister("chain-mailbox");
}

#[tokio::test]
async fn messages_left_in_a_stopped_actors_mailbox_are_exported_as_dropped() {
    let _serial = crate::serial();
    let bridge = ActorMetricsBridge::new(Duration::from_secs(5));
    let actor = Arc::new(ActorMetrics::new());
    let dropped = "alys_actor_mailbox_dropped_total{actor_type=\"sync\"}";
    let size = "alys_actor_mailbox_size{actor_type=\"sync\"}";
    let (tx, mut rx) = mailbox::bounded::<u32>(16, Arc::clone(actor.mailbox()));
    bridge.register("sync-mailbox", ActorType::Sync, Arc::clone(&actor));
    bridge.collect();
    let dropped0 = value(dropped);

    for n in 0..6 {
        tx.try_send(n).expect("room");
    }
    assert_eq!(rx.recv().await, Some(0));
    bridge.collect();
    assert_eq!(value(size), 5.0);

    // The actor stops with five messages unhandled: they are dropped, not queued forever.
    drop(rx);
    assert!(matches!(tx.try_send(9), Err(TrySendError::Closed(9))));
    bridge.collect();
    assert_eq!(value(size), 0.0);
    assert_eq!(value(dropped) - dropped0, 5.0);

    // Restarted with a new mailbox over the same counters, the size starts from zero again.
    let (tx, mut rx) = mailbox::bounded::<u32>(16, Arc::clone(actor.mailbox()));
    tx.try_send(1).expect("room");
    bridge.collect();
    assert_eq!(value(size), 1.0);
    assert_eq!(rx.recv().await, Some(1));
    bridge.collect();
    assert_eq!(value(size), 0.0);
    assert_eq!(value(dropped) - dropped0, 5.0);
    bridge.unregister("sync-mailbox");
}
