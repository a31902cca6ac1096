//! The governance stream API, read from the exposition text the way Prometheus reads it:
//! connection status per endpoint, messages, request correlation (answered, timed out, lost
//! with the connection, abandoned at the table's bound), heartbeats, the endpoint health score,
//! the signature correlation rate, backpressure, reconnects, federation updates, and the
//! series of a removed endpoint, and promtool on the exposition with endpoints.
//!
//! The tests share the registry: each test uses endpoints of its own, and together they stay
//! under the cap of 16 endpoints (`tests/solo/governance_cap.rs` tests the cap; no other
//! module of this binary adds endpoints).

use std::time::{Duration, Instant};

use crate::samples::{exposition, series, value};
use alys_metrics::chain::governance::{
    add_endpoint, endpoint_health_score, record_federation_update, remove_endpoint,
    GovernanceEndpoint,
};
use alys_metrics::labels::{
    BackpressureSeverity, FederationStage, FederationUpdateKind, GovernanceErrorKind,
    GovernanceMessageKind, GovernanceRequestKind, ReconnectReason,
};

fn error_series(endpoint: &str, error: &str, message: &str) -> String {
    format!(
        "alys_governance_message_errors_total{{endpoint=\"{endpoint}\",error_type=\"{error}\",message_type=\"{message}\"}}"
    )
}

fn connected(endpoint: &str, node: &str) -> GovernanceEndpoint {
    let gov = add_endpoint(endpoint, node);
    gov.set_connected(true);
    gov
}

const SECS: fn(u64) -> Duration = Duration::from_secs;
const MS: fn(u64) -> Duration = Duration::from_millis;

#[test]
fn answered_requests_are_observed_and_unanswered_ones_time_out_as_errors() {
    let gov = connected("corr-a", "node-a");
    let t0 = Instant::now();
    let sig = GovernanceRequestKind::Signature;
    // Timeouts far beyond the test's run time, so that only this test's expiry calls settle
    // them (not the real-clock sweep of another test).
    gov.request_sent_at(1, sig, SECS(600), t0);
    gov.request_sent_at(2, sig, SECS(600), t0);
    gov.request_sent_at(3, GovernanceRequestKind::FederationState, SECS(300), t0);
    assert_eq!(gov.pending_requests(), 3);

    // Request 1 answered after 300 ms: one observation in the 0.5 s bucket, not in 0.25 s.
    assert_eq!(gov.response_received_at(1, t0 + MS(300)), Some(MS(300)));
    let h = "alys_governance_request_correlation_duration_seconds";
    let text = exposition();
    let b = |le: &str| {
        series(
            &text,
            &format!("{h}_bucket{{request_type=\"signature\",endpoint=\"corr-a\",le=\"{le}\"}}"),
        )
    };
    assert_eq!(b("0.25"), Some(0.0));
    assert_eq!(b("0.5"), Some(1.0));
    assert_eq!(b("+Inf"), Some(1.0));
    assert_eq!(
        series(
            &text,
            &format!("{h}_sum{{request_type=\"signature\",endpoint=\"corr-a\"}}")
        ),
        Some(0.3)
    );

    // At 301 s the federation-state request (300 s timeout) is overdue; at 601 s request 2 is.
    assert_eq!(gov.expire_overdue_at(t0 + SECS(301)), 1);
    assert_eq!(gov.pending_requests(), 1);
    assert_eq!(gov.expire_overdue_at(t0 + SECS(601)), 1);
    assert_eq!(gov.pending_requests(), 0, "nothing is left open");

    let text = exposition();
    assert_eq!(
        series(
            &text,
            &error_series("corr-a", "timeout", "signature_request")
        ),
        Some(1.0)
    );
    assert_eq!(
        series(
            &text,
            &error_series("corr-a", "timeout", "federation_update")
        ),
        Some(1.0)
    );
    // Timeouts are not observed as durations.
    assert_eq!(
        series(
            &text,
            &format!("{h}_count{{request_type=\"signature\",endpoint=\"corr-a\"}}")
        ),
        Some(1.0)
    );
    assert_eq!(
        series(
            &text,
            &format!("{h}_count{{request_type=\"federation_state\",endpoint=\"corr-a\"}}")
        ),
        Some(0.0)
    );
    // Sent and received are counted by the correlation calls themselves.
    let sent = "alys_governance_messages_sent_total{endpoint=\"corr-a\",message_type=";
    let received = "alys_governance_messages_received_total{endpoint=\"corr-a\",message_type=";
    assert_eq!(
        series(&text, &format!("{sent}\"signature_request\"}}")),
        Some(2.0)
    );
    assert_eq!(
        series(&text, &format!("{received}\"signature_response\"}}")),
        Some(1.0)
    );

    // The late response to the timed-out request 2 is neither observed nor counted.
    assert_eq!(gov.response_received_at(2, t0 + SECS(602)), None);
    let text = exposition();
    assert_eq!(
        series(&text, &format!("{received}\"signature_response\"}}")),
        Some(1.0)
    );
    assert_eq!(
        series(
            &text,
            &format!("{h}_count{{request_type=\"signature\",endpoint=\"corr-a\"}}")
        ),
        Some(1.0)
    );
    // One signature answered, one timed out.
    assert_eq!(gov.signature_correlation_rate(), Some(0.5));
    assert_eq!(
        series(
            &text,
            "alys_governance_signature_correlation_rate{endpoint=\"corr-a\"}"
        ),
        Some(0.5)
    );
}

#[test]
fn a_request_is_timed_out_by_the_next_call_that_looks_at_the_clock() {
    let gov = connected("corr-b", "node-b");
    let t0 = Instant::now();
    gov.request_sent_at(7, GovernanceRequestKind::ProposalStatus, MS(100), t0);
    // No expiry call: sending the next request, 200 ms later, settles the first one.
    gov.request_sent_at(
        8,
        GovernanceRequestKind::ProposalStatus,
        MS(100),
        t0 + MS(200),
    );
    assert_eq!(gov.pending_requests(), 1);
    assert_eq!(value(&error_series("corr-b", "timeout", "proposal")), 1.0);
    // And the real-clock path, with the process-wide sweep: request 8 is due 300 ms after t0,
    // request 9 1 ms after it is sent.
    gov.request_sent(9, GovernanceRequestKind::Other, Duration::from_millis(1));
    std::thread::sleep(MS(350).saturating_sub(t0.elapsed()));
    assert!(alys_metrics::chain::governance::expire_overdue_requests() >= 2);
    assert_eq!(gov.pending_requests(), 0);
    assert_eq!(value(&error_series("corr-b", "timeout", "proposal")), 2.0);
    assert_eq!(value(&error_series("corr-b", "timeout", "other")), 1.0);
}

#[test]
fn open_requests_are_bounded_and_evicted_ones_count_as_abandoned() {
    let gov = connected("corr-bound", "node-c");
    gov.set_max_pending(3);
    let t0 = Instant::now();
    for id in 0..10 {
        // Later requests have later deadlines: the earliest are evicted first.
        gov.request_sent_at(id, GovernanceRequestKind::Signature, SECS(30), t0 + MS(id));
    }
    assert_eq!(gov.pending_requests(), 3);
    assert_eq!(
        value(&error_series(
            "corr-bound",
            "abandoned",
            "signature_request"
        )),
        7.0
    );
    // The three kept are the newest: ids 7, 8 and 9.
    assert_eq!(gov.response_received_at(0, t0 + SECS(1)), None);
    assert!(gov.response_received_at(9, t0 + SECS(1)).is_some());
    // A reused id settles the open request under it as abandoned.
    gov.request_sent_at(8, GovernanceRequestKind::Signature, SECS(30), t0 + SECS(2));
    assert_eq!(
        value(&error_series(
            "corr-bound",
            "abandoned",
            "signature_request"
        )),
        8.0
    );
    assert_eq!(gov.expire_overdue_at(t0 + SECS(60)), 2);
    assert_eq!(gov.pending_requests(), 0);

    // A peer that never answers cannot grow memory: 100,000 requests, 1,024 kept at most.
    let flood = connected("corr-flood", "node-d");
    for id in 0..100_000 {
        flood.request_sent_at(id, GovernanceRequestKind::Other, SECS(3600), t0);
    }
    assert_eq!(
        flood.pending_requests(),
        alys_metrics::chain::governance::DEFAULT_MAX_PENDING_REQUESTS
    );
    assert_eq!(
        value(&error_series("corr-flood", "abandoned", "other")),
        (100_000 - alys_metrics::chain::governance::DEFAULT_MAX_PENDING_REQUESTS) as f64
    );
}

#[test]
fn a_disconnection_settles_open_requests_as_connection_errors() {
    let gov = connected("conn-a", "anduro-1");
    let status = "alys_governance_connection_status{endpoint=\"conn-a\",node_id=\"anduro-1\"}";
    assert_eq!(value(status), 1.0);
    gov.request_sent(1, GovernanceRequestKind::Signature, SECS(30));
    gov.request_sent(2, GovernanceRequestKind::Registration, SECS(30));
    gov.set_connected(false);
    assert_eq!(value(status), 0.0);
    assert_eq!(gov.pending_requests(), 0);
    assert_eq!(
        value(&error_series("conn-a", "connection", "signature_request")),
        1.0
    );
    assert_eq!(
        value(&error_series("conn-a", "connection", "registration")),
        1.0
    );
    assert_eq!(
        value("alys_governance_endpoint_health_score{endpoint=\"conn-a\"}"),
        0.0,
        "a disconnected endpoint is unhealthy"
    );
    assert_eq!(gov.signature_correlation_rate(), Some(0.0));
    gov.reconnect_attempt(ReconnectReason::ConnectionLost);
    gov.reconnect_attempt(ReconnectReason::RetryFailed);
    gov.reconnect_attempt(ReconnectReason::RetryFailed);
    let r = "alys_governance_reconnect_attempts_total{endpoint=\"conn-a\",reason=";
    let text = exposition();
    assert_eq!(
        series(&text, &format!("{r}\"connection_lost\"}}")),
        Some(1.0)
    );
    assert_eq!(series(&text, &format!("{r}\"retry_failed\"}}")), Some(2.0));
    assert_eq!(series(&text, &format!("{r}\"manual\"}}")), Some(0.0));
}

#[test]
fn connection_status_has_one_series_per_endpoint_not_one_per_pair() {
    let a = connected("pair-a", "anduro-a");
    let _b = add_endpoint("pair-b", "anduro-b"); // added, not yet connected
    let text = exposition();
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("alys_governance_connection_status{endpoint=\"pair-"))
        .collect();
    assert_eq!(
        lines,
        [
            "alys_governance_connection_status{endpoint=\"pair-a\",node_id=\"anduro-a\"} 1",
            "alys_governance_connection_status{endpoint=\"pair-b\",node_id=\"anduro-b\"} 0",
        ]
    );
    assert!(!text.contains("endpoint=\"pair-a\",node_id=\"anduro-b\""));
    // Adding an endpoint again returns the same handle.
    add_endpoint("pair-a", "ignored").set_connected(false);
    assert_eq!(
        value("alys_governance_connection_status{endpoint=\"pair-a\",node_id=\"anduro-a\"}"),
        0.0
    );
    drop(a);
}

#[test]
fn health_score_and_signature_rate_follow_their_formulas() {
    let gov = connected("health-a", "anduro-h");
    let health = "alys_governance_endpoint_health_score{endpoint=\"health-a\"}";
    assert_eq!(value(health), 1.0, "connected, nothing settled yet");
    let t0 = Instant::now();
    // 4 signature requests answered, 1 timed out: answered share 0.8.
    // Timeouts far beyond the test's run time: only the explicit expiry settles request 4
    // (the real-clock sweep of another test cannot).
    for id in 0..5 {
        gov.request_sent_at(id, GovernanceRequestKind::Signature, SECS(600), t0);
    }
    for id in 0..4 {
        gov.response_received_at(id, t0 + MS(100));
    }
    gov.expire_overdue_at(t0 + SECS(601));
    // No heartbeat yet: 0.7 x 0.8 + 0.3 x 1.
    assert_eq!(value(health), 0.86);
    assert_eq!(
        value("alys_governance_signature_correlation_rate{endpoint=\"health-a\"}"),
        0.8
    );
    // Heartbeats of 100 ms and 1.05 s: mean 0.1 + 0.2 x (1.05 - 0.1) = 0.29 s,
    // heartbeat score 1 - 0.19 / 1.9 = 0.9, health 0.56 + 0.27 = 0.83.
    gov.heartbeat_sent();
    gov.heartbeat_answered(MS(100));
    assert_eq!(value(health), 0.86);
    gov.heartbeat_sent();
    gov.heartbeat_answered(MS(1050));
    assert_eq!(value(health), 0.83);
    assert_eq!(gov.health_score(), 0.83);
    assert_eq!(
        endpoint_health_score(true, Some(0.8), Some(Duration::from_millis(290))),
        0.83
    );
    gov.heartbeat_missed();
    let text = exposition();
    assert_eq!(
        series(&text, &error_series("health-a", "timeout", "heartbeat")),
        Some(1.0)
    );
    assert_eq!(
        series(
            &text,
            "alys_governance_heartbeat_rtt_seconds_count{endpoint=\"health-a\"}"
        ),
        Some(2.0)
    );
    assert_eq!(
        series(
            &text,
            "alys_governance_heartbeat_rtt_seconds_bucket{endpoint=\"health-a\",le=\"0.1\"}"
        ),
        Some(1.0)
    );
    assert_eq!(
        series(
            &text,
            "alys_governance_messages_sent_total{endpoint=\"health-a\",message_type=\"heartbeat\"}"
        ),
        Some(2.0)
    );
    // Only signature requests feed the signature rate: other answered requests move the
    // health score, not it.
    gov.request_sent_at(
        100,
        GovernanceRequestKind::ProposalStatus,
        SECS(2),
        t0 + SECS(700),
    );
    gov.response_received_at(100, t0 + SECS(700) + MS(10));
    assert_eq!(gov.signature_correlation_rate(), Some(0.8));
}

#[test]
fn the_signature_rate_appears_with_the_first_settled_signature_request() {
    let gov = connected("sigrate-late", "anduro-s");
    let s = "alys_governance_signature_correlation_rate{endpoint=\"sigrate-late\"}";
    assert_eq!(series(&exposition(), s), None);
    gov.request_sent(1, GovernanceRequestKind::Signature, SECS(5));
    assert_eq!(series(&exposition(), s), None, "open, not settled");
    gov.response_received(1);
    assert_eq!(series(&exposition(), s), Some(1.0));
}

#[test]
fn buffers_backpressure_messages_and_federation_updates() {
    let gov = connected("buf-a", "anduro-b");
    gov.set_buffer_size(GovernanceMessageKind::Attestation, 180);
    gov.message_sent(GovernanceMessageKind::ChainEvent);
    gov.message_received(GovernanceMessageKind::Proposal);
    gov.message_received(GovernanceMessageKind::Proposal);
    gov.message_error(
        GovernanceErrorKind::InvalidSignature,
        GovernanceMessageKind::SignatureResponse,
    );
    // A buffer of 200 filling up: 99 nothing, 100 low, 150 medium, 180 high, 200 critical.
    let seen: Vec<_> = [99, 100, 150, 180, 200]
        .into_iter()
        .map(|len| gov.observe_send_buffer(len, 200))
        .collect();
    assert_eq!(
        seen,
        [
            None,
            Some(BackpressureSeverity::Low),
            Some(BackpressureSeverity::Medium),
            Some(BackpressureSeverity::High),
            Some(BackpressureSeverity::Critical),
        ]
    );
    gov.backpressure(BackpressureSeverity::Critical);
    let text = exposition();
    let bp = "alys_governance_backpressure_events_total{endpoint=\"buf-a\",severity=";
    assert_eq!(series(&text, &format!("{bp}\"low\"}}")), Some(1.0));
    assert_eq!(series(&text, &format!("{bp}\"medium\"}}")), Some(1.0));
    assert_eq!(series(&text, &format!("{bp}\"high\"}}")), Some(1.0));
    assert_eq!(series(&text, &format!("{bp}\"critical\"}}")), Some(2.0));
    assert_eq!(
        series(
            &text,
            "alys_governance_message_buffer_size{endpoint=\"buf-a\",message_type=\"attestation\"}"
        ),
        Some(180.0)
    );
    assert_eq!(
        series(
            &text,
            "alys_governance_message_buffer_size{endpoint=\"buf-a\",message_type=\"heartbeat\"}"
        ),
        Some(0.0)
    );
    assert_eq!(
        series(
            &text,
            "alys_governance_messages_received_total{endpoint=\"buf-a\",message_type=\"proposal\"}"
        ),
        Some(2.0)
    );
    assert_eq!(
        series(
            &text,
            "alys_governance_messages_sent_total{endpoint=\"buf-a\",message_type=\"chain_event\"}"
        ),
        Some(1.0)
    );
    assert_eq!(
        series(
            &text,
            &error_series("buf-a", "invalid_signature", "signature_response")
        ),
        Some(1.0)
    );

    // Only the (error, message) pairs that can happen are series: 55 of 8 x 9 per endpoint.
    // A decode error of a chain event (which only the node sends) has none and is counted
    // as `other`; a signature response (which the node never sends) has no buffer series.
    let errors = "alys_governance_message_errors_total{endpoint=\"buf-a\",";
    assert_eq!(
        text.lines().filter(|l| l.starts_with(errors)).count(),
        55,
        "{text}"
    );
    for (error, message) in [
        ("decode", "chain_event"),
        ("decode", "signature_request"),
        ("timeout", "attestation"),
        ("abandoned", "heartbeat"),
        ("buffer_full", "signature_response"),
        ("invalid_signature", "heartbeat"),
    ] {
        assert_eq!(series(&text, &error_series("buf-a", error, message)), None);
    }
    for (error, message) in [
        ("decode", "attestation"),
        ("timeout", "heartbeat"),
        ("buffer_full", "attestation"),
        ("connection", "signature_request"),
        ("abandoned", "other"),
        ("other", "signature_response"),
    ] {
        assert_eq!(
            series(&text, &error_series("buf-a", error, message)),
            Some(0.0),
            "{error} {message}"
        );
    }
    assert_eq!(
        series(
            &text,
            "alys_governance_message_buffer_size{endpoint=\"buf-a\",message_type=\"signature_response\"}"
        ),
        None
    );
    gov.message_error(
        GovernanceErrorKind::Decode,
        GovernanceMessageKind::ChainEvent,
    );
    gov.set_buffer_size(GovernanceMessageKind::SignatureResponse, 3);
    let text = exposition();
    assert_eq!(
        series(&text, &error_series("buf-a", "other", "chain_event")),
        Some(1.0)
    );
    assert_eq!(
        series(&text, &error_series("buf-a", "decode", "chain_event")),
        None
    );
    assert_eq!(
        series(
            &text,
            "alys_governance_message_buffer_size{endpoint=\"buf-a\",message_type=\"signature_response\"}"
        ),
        None
    );

    record_federation_update(
        FederationUpdateKind::KeyRotation,
        FederationStage::VerifySignatures,
        MS(30),
    );
    record_federation_update(
        FederationUpdateKind::KeyRotation,
        FederationStage::VerifySignatures,
        MS(700),
    );
    let text = exposition();
    let f = "alys_federation_update_processing_duration_seconds";
    let labels = "update_type=\"key_rotation\",processing_stage=\"verify_signatures\"";
    assert_eq!(
        series(&text, &format!("{f}_bucket{{{labels},le=\"0.05\"}}")),
        Some(1.0)
    );
    assert_eq!(
        series(&text, &format!("{f}_bucket{{{labels},le=\"0.5\"}}")),
        Some(1.0)
    );
    assert_eq!(
        series(&text, &format!("{f}_bucket{{{labels},le=\"1\"}}")),
        Some(2.0)
    );
    assert_eq!(series(&text, &format!("{f}_sum{{{labels}}}")), Some(0.73));
    // Every enum series of the family exists from start-up.
    assert_eq!(
        series(
            &text,
            &format!("{f}_count{{update_type=\"member_added\",processing_stage=\"decode\"}}")
        ),
        Some(0.0)
    );
}

#[test]
fn a_removed_endpoint_loses_its_series_and_its_handle_records_nothing() {
    let gov = connected("gone-a", "anduro-g");
    gov.message_sent(GovernanceMessageKind::Proposal);
    gov.request_sent(1, GovernanceRequestKind::Signature, SECS(5));
    gov.response_received(1);
    assert!(exposition().contains("endpoint=\"gone-a\""));
    assert!(remove_endpoint("gone-a"));
    assert!(!remove_endpoint("gone-a"));
    let text = exposition();
    assert!(
        !text.contains("gone-a"),
        "every series of the endpoint is gone"
    );
    assert!(!text.contains("anduro-g"), "its node id too");
    // A stale handle is inert.
    gov.message_sent(GovernanceMessageKind::Proposal);
    gov.set_connected(true);
    gov.request_sent(2, GovernanceRequestKind::Signature, SECS(5));
    assert_eq!(gov.pending_requests(), 0);
    assert!(!exposition().contains("gone-a"));
    // Added again, it starts from zero.
    let again = add_endpoint("gone-a", "anduro-g2");
    let text = exposition();
    assert_eq!(
        series(
            &text,
            "alys_governance_messages_sent_total{endpoint=\"gone-a\",message_type=\"proposal\"}"
        ),
        Some(0.0)
    );
    assert_eq!(
        series(
            &text,
            "alys_governance_connection_status{endpoint=\"gone-a\",node_id=\"anduro-g2\"}"
        ),
        Some(0.0)
    );
    drop(again);
    assert!(remove_endpoint("gone-a"));
}

#[test]
fn promtool_accepts_the_governance_families_with_endpoints() {
    let gov = connected("lint-a", "anduro-lint");
    gov.request_sent(1, GovernanceRequestKind::Signature, SECS(600));
    gov.response_received(1);
    gov.heartbeat_sent();
    gov.heartbeat_answered(MS(20));
    let text = exposition();
    assert!(text.contains("alys_governance_connection_status{endpoint=\"lint-a\""));
    let Some(crate::lint::PromtoolReport { report, .. }) = crate::lint::check_metrics(&text) else {
        return;
    };
    let unexpected: Vec<&str> = report
        .lines()
        .filter(|l| !l.trim().is_empty())
        .filter(|l| {
            let name = l.split_whitespace().next().unwrap_or_default();
            !(alys_metrics::catalogue::LINT_EXCEPTIONS.contains(&name) && l.contains("_count"))
        })
        .collect();
    assert!(unexpected.is_empty(), "promtool: {unexpected:#?}");
}
