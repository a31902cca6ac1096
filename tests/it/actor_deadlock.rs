//! Deadlock detection with real actix actors: a chain actor and a storage actor that await
//! each other (each handler holds its mailbox with `AtomicResponse` while it awaits the
//! other's reply) are one wait cycle, counted once per episode; and a mailbox that holds
//! messages and processes none is a stalled mailbox, counted once per episode.
//!
//! The tests hold `crate::serial()`: the wait-for graph is the process's, so one detector at a
//! time looks at it, and no other module's actors (`actor_traffic`) add edges meanwhile.

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;
use alys_metrics::actor::mailbox;
use alys_metrics::actor::MailboxMetrics;
use alys_metrics::actor_system::{DeadlockDetector, SendMeasured};
use alys_metrics::instrument_actor;
use alys_metrics::labels::{ActorType, DeadlockKind};

// The value of one series (panics, saying what exists, when it is not exported).
use crate::samples::value;

const THRESHOLD: Duration = Duration::from_millis(200);
/// How long each side waits before giving up, which ends the episode.
const GIVE_UP: Duration = Duration::from_millis(1200);

#[derive(Default)]
struct ChainActor {
    storage: Option<Addr<StorageActor>>,
}
impl Actor for ChainActor {
    type Context = Context<Self>;
}

#[derive(Default)]
struct StorageActor {
    chain: Option<Addr<ChainActor>>,
}
impl Actor for StorageActor {
    type Context = Context<Self>;
}

/// Tells the chain actor where the storage actor is.
struct Peer(Addr<StorageActor>);
impl Message for Peer {
    type Result = ();
}
impl Handler<Peer> for ChainActor {
    type Result = ();
    fn handle(&mut self, msg: Peer, _: &mut Context<Self>) {
        self.storage = Some(msg.0);
    }
}

/// Asks the chain actor to ask the storage actor, which asks the chain actor back.
struct Ping;
impl Message for Ping {
    type Result = Result<(), MailboxError>;
}
struct Pong;
impl Message for Pong {
    type Result = Result<(), MailboxError>;
}
struct Back;
impl Message for Back {
    type Result = ();
}

#[instrument_actor(message = system)]
impl Handler<Ping> for ChainActor {
    type Result = AtomicResponse<Self, Result<(), MailboxError>>;
    fn handle(&mut self, _: Ping, _: &mut Context<Self>) -> Self::Result {
        let storage = self.storage.clone().expect("peer set");
        // Created here, inside the handler: the sender is the chain actor.
        let request = storage.send_measured(Pong).timeout(GIVE_UP * 2);
        AtomicResponse::new(Box::pin(
            async move { request.await.and_then(|r| r) }.into_actor(self),
        ))
    }
}

#[instrument_actor(message = system)]
impl Handler<Back> for ChainActor {
    type Result = ();
    fn handle(&mut self, _: Back, _: &mut Context<Self>) {}
}

#[instrument_actor(message = system)]
impl Handler<Pong> for StorageActor {
    type Result = AtomicResponse<Self, Result<(), MailboxError>>;
    fn handle(&mut self, _: Pong, _: &mut Context<Self>) -> Self::Result {
        let chain = self.chain.clone().expect("peer set");
        // The chain actor's mailbox is held by its `Ping`: `Back` waits until this gives up.
        let request = chain.send_measured(Back).timeout(GIVE_UP);
        AtomicResponse::new(Box::pin(request.into_actor(self)))
    }
}

/// Runs the detector every 50 ms for `span`, returning the wait cycles it counted.
async fn watch(detector: &mut DeadlockDetector, span: Duration) -> Vec<String> {
    let end = Instant::now() + span;
    let mut found = Vec::new();
    while Instant::now() < end {
        tokio::time::sleep(Duration::from_millis(50)).await;
        for d in detector.check(Instant::now()) {
            if d.kind == DeadlockKind::WaitCycle {
                found.push(d.actors_involved);
            }
        }
    }
    found
}

#[test]
fn two_actors_awaiting_each_other_are_one_wait_cycle_per_episode() {
    let _s = crate::serial();
    System::new().block_on(async {
        let mut detector = DeadlockDetector::new(THRESHOLD);
        let chain = ChainActor::default().start();
        let storage = StorageActor::create({
            let chain = chain.clone();
            move |_| StorageActor { chain: Some(chain) }
        });
        chain.send(Peer(storage)).await.unwrap();
        let series = "alys_actor_deadlock_detections_total{detection_type=\"wait_cycle\",actors_involved=\"chain-storage\"}";

        for episode in 1..=2 {
            let ping = actix::spawn(chain.send(Ping));
            // Held well past the threshold, checked many times: counted once.
            let found = watch(&mut detector, GIVE_UP + Duration::from_millis(400)).await;
            assert_eq!(found, vec!["chain-storage".to_string()], "episode {episode}");
            // The storage actor gave up (its request to the chain actor timed out) and replied
            // with that error, so the chain actor got its reply: the cycle is gone.
            assert!(matches!(ping.await.unwrap().unwrap(), Err(MailboxError::Timeout)));
            assert_eq!(value(series), f64::from(episode));
            assert!(watch(&mut detector, Duration::from_millis(400)).await.is_empty());
        }
        assert_eq!(
            value("alys_actor_message_timeout_events_total{from_actor=\"storage\",to_actor=\"chain\",message_type=\"system\"}"),
            2.0
        );
        assert_eq!(
            value("alys_inter_actor_message_queue_size{from_actor=\"chain\",to_actor=\"storage\"}"),
            0.0
        );
    });
}

#[test]
fn a_mailbox_holding_messages_and_processing_none_is_stalled_once_per_episode() {
    let _s = crate::serial();
    let metrics = Arc::new(MailboxMetrics::new());
    let (tx, mut rx) = mailbox::bounded::<u32>(8, Arc::clone(&metrics));
    let mut detector = DeadlockDetector::new(Duration::from_secs(30));
    detector.watch_mailbox(ActorType::Bridge, Arc::clone(&metrics));
    let series = "alys_actor_deadlock_detections_total{detection_type=\"stalled_mailbox\",actors_involved=\"bridge\"}";

    let mut check = |t: Instant| detector.check(t);
    assert_eq!(value(series), 0.0); // watched: its series exists at 0
    let t0 = Instant::now();
    assert!(check(t0).is_empty()); // empty: not stalled
    tx.try_send(1).unwrap();
    tx.try_send(2).unwrap();
    assert!(check(t0 + Duration::from_secs(1)).is_empty());
    assert!(check(t0 + Duration::from_secs(30)).is_empty()); // 29 s so far
    let found = check(t0 + Duration::from_secs(31));
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].kind, DeadlockKind::StalledMailbox);
    assert_eq!(found[0].actors_involved, "bridge");
    assert!(check(t0 + Duration::from_secs(90)).is_empty()); // same episode
    assert_eq!(value(series), 1.0);

    // It processes one: the episode ends; stalled again for the threshold, counted again.
    assert_eq!(rx.try_recv().unwrap(), 1);
    assert!(check(t0 + Duration::from_secs(91)).is_empty());
    assert!(check(t0 + Duration::from_secs(92)).is_empty());
    assert_eq!(check(t0 + Duration::from_secs(122)).len(), 1);
    assert_eq!(value(series), 2.0);
}
