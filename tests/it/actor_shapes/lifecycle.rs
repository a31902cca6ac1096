//! A panicking handler is `panicked`, a dropped future `cancelled`; neither stays in flight.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context as TaskContext, Waker};

use alys_metrics::actor::MessageOutcome;
use alys_metrics::labels::ActorType;
use alys_metrics::prelude::*;

use super::common::{outcomes, WORK};
use crate::serial;
use alys_metrics::actor::ACTOR_MESSAGES_IN_FLIGHT;
use alys_metrics::labels::LabelValue;

struct NetworkActor;

struct BroadcastBlock;
struct StopNetwork;

type Boxed<T> = Pin<Box<dyn Future<Output = T> + Send>>;

#[instrument_actor]
impl NetworkActor {
    fn handle_stop(&mut self, _: StopNetwork) -> u8 {
        std::thread::sleep(WORK);
        panic!("stop failed")
    }

    fn handle_broadcast(&mut self, _: BroadcastBlock) -> Boxed<u8> {
        Box::pin(std::future::pending())
    }
}

#[test]
fn panics_and_dropped_futures_are_counted_and_leave_nothing_in_flight() {
    let _s = serial();
    let t = ActorType::Network;
    let o0 = outcomes(t);
    let caught = std::panic::catch_unwind(|| NetworkActor.handle_stop(StopNetwork));
    assert!(caught.is_err());
    let mut fut = NetworkActor.handle_broadcast(BroadcastBlock);
    let mut cx = TaskContext::from_waker(Waker::noop());
    assert!(fut.as_mut().poll(&mut cx).is_pending());
    assert_eq!(ACTOR_MESSAGES_IN_FLIGHT.get(t), 1);
    drop(fut);
    let o1 = outcomes(t);
    assert_eq!(
        o1[MessageOutcome::Panicked.index()] - o0[MessageOutcome::Panicked.index()],
        1
    );
    assert_eq!(
        o1[MessageOutcome::Cancelled.index()] - o0[MessageOutcome::Cancelled.index()],
        1
    );
    assert_eq!(
        o1[MessageOutcome::Ok.index()],
        o0[MessageOutcome::Ok.index()]
    );
    assert_eq!(ACTOR_MESSAGES_IN_FLIGHT.get(t), 0);
    let (n, count, sum) = super::common::series("NetworkActor", "StopNetwork");
    assert_eq!((n, count), (1, 1));
    assert!(sum >= WORK.as_secs_f64());
    let (n, count, _) = super::common::series("NetworkActor", "BroadcastBlock");
    // A cancelled message has no latency.
    assert_eq!((n, count), (1, 0));
}
