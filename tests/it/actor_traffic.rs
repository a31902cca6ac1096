//! Inter-actor traffic measured at the sender with real actix actors: request/response latency
//! and the requests in flight per edge (1 while waiting, 0 after, also for a dropped request),
//! timeouts, dead letters, broadcasts and the communication patterns, with exact counts.
//! Each test uses edges of its own, and holds `crate::serial()`: the chain actor's instrumented
//! handler counts outcomes and in-flight messages of the `chain` type, which `actor_shapes`
//! asserts exactly, and `actor_deadlock`'s detector looks at every edge of the process.

use std::time::Duration;

use actix::prelude::*;
use alys_metrics::actor_system::{broadcast_measured, SendMeasured};
use alys_metrics::instrument_actor;

// The value of one series (panics, saying what exists, when it is not exported).
use crate::samples::value;

/// A request that waits `.0` before its reply.
#[derive(Clone)]
struct Wait(Duration);
impl Message for Wait {
    type Result = u64;
}

/// Stops the actor.
struct Halt;
impl Message for Halt {
    type Result = ();
}

macro_rules! waiting_actor {
    ($name:ident) => {
        #[derive(Default)]
        struct $name;
        impl Actor for $name {
            type Context = Context<Self>;
        }
        impl Handler<Wait> for $name {
            type Result = ResponseFuture<u64>;
            fn handle(&mut self, msg: Wait, _: &mut Context<Self>) -> Self::Result {
                Box::pin(async move {
                    tokio::time::sleep(msg.0).await;
                    7
                })
            }
        }
        impl Handler<Halt> for $name {
            type Result = ();
            fn handle(&mut self, _: Halt, ctx: &mut Context<Self>) {
                ctx.stop();
            }
        }
    };
}

waiting_actor!(StorageActor);
waiting_actor!(SyncActor);
waiting_actor!(EngineActor);
waiting_actor!(BridgeActor);
waiting_actor!(StreamActor);
waiting_actor!(NetworkActor);

#[test]
fn request_response_counts_latency_and_in_flight() {
    let _serial = crate::serial();
    System::new().block_on(async {
        let addr = StorageActor.start();
        for _ in 0..3 {
            assert_eq!(addr.send_measured(Wait(Duration::ZERO)).await.unwrap(), 7);
        }
        let edge = "{from_actor=\"external\",to_actor=\"storage\"}";
        assert_eq!(value(&format!("alys_inter_actor_message_latency_seconds_count{edge}")), 3.0);
        assert_eq!(value(&format!("alys_inter_actor_message_queue_size{edge}")), 0.0);

        // One request waiting: 1 in flight, 0 once answered.
        let waiting = actix::spawn(addr.send_measured(Wait(Duration::from_millis(300))));
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(value(&format!("alys_inter_actor_message_queue_size{edge}")), 1.0);
        assert_eq!(waiting.await.unwrap().unwrap(), 7);
        assert_eq!(value(&format!("alys_inter_actor_message_queue_size{edge}")), 0.0);
        let latency_sum = value(&format!("alys_inter_actor_message_latency_seconds_sum{edge}"));
        assert!(latency_sum >= 0.3, "sum {latency_sum}");

        // A request dropped before its reply ends too: back to 0, no latency observed.
        let dropped = addr.send_measured(Wait(Duration::from_millis(10)));
        assert_eq!(value(&format!("alys_inter_actor_message_queue_size{edge}")), 1.0);
        drop(dropped);
        assert_eq!(value(&format!("alys_inter_actor_message_queue_size{edge}")), 0.0);
        assert_eq!(value(&format!("alys_inter_actor_message_latency_seconds_count{edge}")), 4.0);

        assert_eq!(
            value("alys_actor_communication_patterns_total{pattern_type=\"request_response\",actors_involved=\"external-storage\"}"),
            5.0
        );
    });
}

#[test]
fn a_request_that_times_out_is_counted_by_message_type() {
    let _serial = crate::serial();
    System::new().block_on(async {
        let addr = SyncActor.start();
        let r = addr
            .send_measured(Wait(Duration::from_millis(500)))
            .timeout(Duration::from_millis(50))
            .await;
        assert!(matches!(r, Err(MailboxError::Timeout)));
        assert_eq!(addr.send_measured(Wait(Duration::ZERO)).await.unwrap(), 7);
        let edge = "from_actor=\"external\",to_actor=\"sync\"";
        assert_eq!(
            value(&format!(
                "alys_actor_message_timeout_events_total{{{edge},message_type=\"unclassified\"}}"
            )),
            1.0
        );
        // Only the answered request is a latency; neither is still in flight.
        assert_eq!(
            value(&format!(
                "alys_inter_actor_message_latency_seconds_count{{{edge}}}"
            )),
            1.0
        );
        assert_eq!(
            value(&format!("alys_inter_actor_message_queue_size{{{edge}}}")),
            0.0
        );
    });
}

#[test]
fn sends_to_a_stopped_actor_are_dead_letters() {
    let _serial = crate::serial();
    System::new().block_on(async {
        let addr = EngineActor.start();
        addr.send(Halt).await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!addr.connected());
        assert!(matches!(
            addr.send_measured(Wait(Duration::ZERO)).await,
            Err(MailboxError::Closed)
        ));
        addr.do_send_measured(Wait(Duration::ZERO));
        assert_eq!(value("alys_actor_dead_letters_total{actor_type=\"engine\"}"), 2.0);
        assert_eq!(
            value("alys_inter_actor_message_queue_size{from_actor=\"external\",to_actor=\"engine\"}"),
            0.0
        );
        assert_eq!(
            value("alys_actor_communication_patterns_total{pattern_type=\"fire_and_forget\",actors_involved=\"engine-external\"}"),
            1.0
        );
    });
}

#[test]
fn a_broadcast_is_one_pattern_and_a_dead_letter_per_stopped_recipient() {
    let _serial = crate::serial();
    System::new().block_on(async {
        let a = BridgeActor.start().measured_recipient::<Wait>();
        let b = BridgeActor.start().measured_recipient::<Wait>();
        let stopped = StreamActor.start();
        stopped.send(Halt).await.unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        let c = stopped.measured_recipient::<Wait>();
        assert_eq!(broadcast_measured(&[a, b, c], Wait(Duration::ZERO)), 2);
        assert_eq!(
            value("alys_actor_communication_patterns_total{pattern_type=\"broadcast\",actors_involved=\"bridge-external-stream\"}"),
            1.0
        );
        assert_eq!(value("alys_actor_dead_letters_total{actor_type=\"stream\"}"), 1.0);
        assert_eq!(value("alys_actor_dead_letters_total{actor_type=\"bridge\"}"), 0.0);
    });
}

// The sender is the instrumented handler that sends: a chain actor asking the network actor.

/// Asks the network actor for a reply.
struct AskNetwork(Addr<NetworkActor>);
impl Message for AskNetwork {
    type Result = Result<u64, MailboxError>;
}

struct ChainActor;
impl Actor for ChainActor {
    type Context = Context<Self>;
}

#[instrument_actor(message = system)]
impl Handler<AskNetwork> for ChainActor {
    type Result = ResponseFuture<Result<u64, MailboxError>>;
    fn handle(&mut self, msg: AskNetwork, _: &mut Context<Self>) -> Self::Result {
        let request = msg.0.send_measured(Wait(Duration::ZERO));
        Box::pin(request)
    }
}

#[test]
fn the_sender_is_the_handler_that_sends() {
    let _serial = crate::serial();
    System::new().block_on(async {
        let network = NetworkActor.start();
        let chain = ChainActor.start();
        // Measured too, so that `external` is a sender whatever ran before: the edges' labels
        // are capped dynamic ones, which export the combinations of the values seen so far,
        // and the external -> network series read below exists only once `external` was seen.
        assert_eq!(
            chain
                .send_measured(AskNetwork(network.clone()))
                .await
                .unwrap(),
            Ok(7)
        );
        assert_eq!(
            value("alys_inter_actor_message_latency_seconds_count{from_actor=\"chain\",to_actor=\"network\"}"),
            1.0
        );
        // Nothing was sent to it from outside a handler.
        assert_eq!(
            value("alys_inter_actor_message_latency_seconds_count{from_actor=\"external\",to_actor=\"network\"}"),
            0.0
        );
        assert_eq!(
            value("alys_actor_communication_patterns_total{pattern_type=\"request_response\",actors_involved=\"chain-network\"}"),
            1.0
        );
    });
}
