//! With the plain attribute and no bridge, throughput, health and last activity come from
//! what the attribute records: not a 0 that lies on a busy actor.
//!
//! One of the reply shapes of `tests/it/actor_shapes/`, here because the throughput is derived
//! at scrape time over the time since the process's last derivation (at least a second): any
//! scrape anywhere in the process moves that window, so the test needs the process to itself.

use std::time::Duration;

use actix::prelude::*;
use alys_metrics::actor::{Derived, MessageOutcome};
use alys_metrics::actor::{ACTOR_LAST_ACTIVITY, ACTOR_MESSAGE_THROUGHPUT_PER_SECOND};
use alys_metrics::labels::ActorType;
use alys_metrics::prelude::*;

use crate::serial;
use crate::shapes::{before, InFlightProbe, WORK};

static PROBE: InFlightProbe = InFlightProbe::new();

struct BusyStreamActor;

impl Actor for BusyStreamActor {
    type Context = Context<Self>;
}

#[derive(Message)]
#[rtype(result = "u32")]
struct StreamHeartbeat;

#[instrument_actor]
impl Handler<StreamHeartbeat> for BusyStreamActor {
    type Result = ResponseFuture<u32>;

    fn handle(&mut self, _: StreamHeartbeat, _: &mut Context<Self>) -> Self::Result {
        Box::pin(async {
            PROBE.look(ActorType::Stream);
            tokio::time::sleep(WORK).await;
            1
        })
    }
}

fn sample(text: &str, prefix: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(prefix)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no `{prefix}` in:\n{text}"))
}

#[actix_rt::test]
async fn throughput_health_and_last_activity_follow_the_attribute() {
    let _s = serial();
    let b = before(
        ActorType::Stream,
        "BusyStreamActor",
        "StreamHeartbeat",
        &PROBE,
    );
    let text = alys_metrics::registry().encode_to_string();
    assert_eq!(
        sample(
            &text,
            "alys_actor_last_activity_timestamp_seconds{actor_type=\"stream\",actor=\"BusyStreamActor\"}"
        ),
        0.0,
        "never active yet"
    );
    let addr = BusyStreamActor.start();
    for _ in 0..5 {
        assert_eq!(addr.send(StreamHeartbeat).await.unwrap(), 1);
    }
    b.assert(5, MessageOutcome::Ok);
    // The throughput was derived at the latest by the scrape above, before the messages; a
    // second after it, the next scrape derives it again, over a window that holds them.
    tokio::time::sleep(Duration::from_secs(1)).await;

    let text = alys_metrics::registry().encode_to_string();
    let last = sample(
        &text,
        "alys_actor_last_activity_timestamp_seconds{actor_type=\"stream\",actor=\"BusyStreamActor\"}",
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    assert!(
        now - last < 5.0 && now >= last - 0.01,
        "last activity {last} vs now {now}"
    );
    let _ = &ACTOR_LAST_ACTIVITY;

    // Every message of this actor succeeded: it is counted, and healthy.
    let (healthy, total) = Derived::actor_counts();
    assert!(total >= 1 && healthy >= 1, "{healthy}/{total}");
    assert_eq!(sample(&text, "alys_actor_total_count"), total as f64);

    // At least the 5 messages over the window the scrape after the pause derived.
    let rate = ACTOR_MESSAGE_THROUGHPUT_PER_SECOND.throughput_of(ActorType::Stream);
    assert!(rate > 0.0, "throughput {rate}");
}
