//! Every kind with every core type it accepts, labelled and unlabelled.

use alys_metrics::{labels::Status, prelude::*};

/// Requests served.
#[alys_metric(counter)]
pub static REQUESTS: Counter;

/// Gas burnt, as a float counter.
#[alys_metric(counter, labels(status))]
pub static GAS_BURNT: FloatCounter;

/// Connected peers.
#[alys_metric(gauge)]
pub static PEERS: IntGauge;

/// Load average, by sync state.
#[alys_metric(gauge, labels(sync_state))]
pub static LOAD: Gauge;

/// Time to import a block, in seconds.
#[alys_metric(histogram)]
pub static IMPORT_DURATION: Histogram;

/// Time to handle a message, by actor and message type.
#[alys_metric(histogram, labels(actor_type, message_type))]
pub static HANDLE_LATENCY: Histogram;

/// Compiled out: the registration generated beside it must go with it.
#[alys_metric(counter)]
#[cfg(any())]
pub static COMPILED_OUT: Counter;

fn main() {
    REQUESTS.inc();
    REQUESTS.inc_by(2);
    let _: u64 = REQUESTS.get();
    GAS_BURNT.with(Status::Success).inc_by(1.5);
    PEERS.set(3);
    PEERS.dec();
    LOAD.with(SyncState::Synced).set(0.5);
    IMPORT_DURATION.observe(0.25);
    let _timer = HANDLE_LATENCY
        .with(ActorType::Chain, MessageType::Sync)
        .start_timer();
    let _: u64 = IMPORT_DURATION.sample_count();
}
