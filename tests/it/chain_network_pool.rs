//! Peer disconnections by reason, peer request round trips, and the transaction pool's
//! received counter and capacity, read from the exposition text.
//!
//! The disconnection and pool tests hold `crate::serial()`: `chain_peer_churn` counts every
//! peer series, and `chain` asserts that no `pool_full` rejection was counted meanwhile.

use std::time::Duration;

use crate::samples::{exposition, series};
use alys_metrics::chain::{
    peer_disconnected, record_peer_quality_score, record_peer_request_rtt,
    record_transaction_rejection, record_transactions_received, set_transaction_pool_max_size,
};
use alys_metrics::labels::{PeerDisconnectReason, RejectionReason};

#[test]
fn disconnections_are_counted_by_reason_and_the_peer_is_forgotten() {
    let _serial = crate::serial();
    record_peer_quality_score("peer-banned-1", 0.1);
    record_peer_quality_score("peer-remote-1", 0.9);
    assert!(peer_disconnected(
        "peer-banned-1",
        PeerDisconnectReason::Banned
    ));
    assert!(peer_disconnected(
        "peer-remote-1",
        PeerDisconnectReason::Remote
    ));
    // Never scored: counted, nothing to forget.
    assert!(!peer_disconnected(
        "peer-unknown",
        PeerDisconnectReason::Remote
    ));
    let text = exposition();
    let d = |r: &str| {
        series(
            &text,
            &format!("alys_peer_disconnections_total{{reason=\"{r}\"}}"),
        )
    };
    assert_eq!(d("banned"), Some(1.0));
    assert_eq!(d("remote"), Some(2.0));
    assert_eq!(
        d("too_many_peers"),
        Some(0.0),
        "every reason exists from start-up"
    );
    assert!(!text.contains("peer-banned-1") && !text.contains("peer-remote-1"));
}

#[test]
fn peer_round_trips_fill_the_network_latency_histogram() {
    for ms in [8, 40, 40, 300, 1_200] {
        record_peer_request_rtt(Duration::from_millis(ms));
    }
    let text = exposition();
    let b = |le: &str| {
        series(
            &text,
            &format!("alys_network_latency_seconds_bucket{{le=\"{le}\"}}"),
        )
    };
    assert_eq!(b("0.01"), Some(1.0));
    assert_eq!(b("0.05"), Some(3.0));
    assert_eq!(b("0.5"), Some(4.0));
    assert_eq!(
        b("1"),
        Some(4.0),
        "NetworkLatencyHigh's threshold is a bucket bound"
    );
    assert_eq!(b("+Inf"), Some(5.0));
    assert_eq!(
        series(&text, "alys_network_latency_seconds_sum"),
        Some(1.588)
    );
}

#[test]
fn received_transactions_and_capacity() {
    let _serial = crate::serial();
    set_transaction_pool_max_size(50_000);
    record_transactions_received(120);
    record_transactions_received(30);
    record_transaction_rejection(RejectionReason::PoolFull);
    let text = exposition();
    assert_eq!(series(&text, "alys_txpool_max_size"), Some(50_000.0));
    assert_eq!(series(&text, "alys_txpool_received_total"), Some(150.0));
    // Their alys_txpool_rejected_total is the sum over reasons of this family, not a family
    // of its own.
    assert_eq!(
        series(&text, "alys_txpool_rejections_total{reason=\"pool_full\"}"),
        Some(1.0)
    );
    assert!(!text.contains("alys_txpool_rejected_total"));
}
