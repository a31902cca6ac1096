//! The cap of 16 governance endpoints: beyond it endpoints share the series `other`; removing
//! an endpoint frees its place for the next one. In `tests/solo/`, since the cap is
//! process-wide.

use crate::samples::{exposition, series};
use alys_metrics::chain::governance::{add_endpoint, remove_endpoint, GOVERNANCE_ENDPOINT_CAP};
use alys_metrics::labels::GovernanceMessageKind;

fn status_lines(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| l.starts_with("alys_governance_connection_status{"))
        .collect()
}

#[test]
fn endpoints_beyond_the_cap_share_other_until_one_is_removed() {
    let _serial = crate::serial();
    assert_eq!(GOVERNANCE_ENDPOINT_CAP, 16);
    let own: Vec<_> = (0..16)
        .map(|i| add_endpoint(&format!("gov-{i:02}"), &format!("node-{i:02}")))
        .collect();
    for (i, e) in own.iter().enumerate() {
        assert_eq!(e.label(), format!("gov-{i:02}"));
        e.set_connected(true);
    }
    let extra = add_endpoint("gov-16", "node-16");
    assert_eq!(extra.label(), "other");
    extra.set_connected(true);
    extra.message_sent(GovernanceMessageKind::Proposal);
    let text = exposition();
    let lines = status_lines(&text);
    assert_eq!(lines.len(), 17, "16 endpoints and other: {lines:#?}");
    assert_eq!(
        lines.last().copied(),
        Some("alys_governance_connection_status{endpoint=\"other\",node_id=\"other\"} 1")
    );
    assert_eq!(
        series(
            &text,
            "alys_governance_messages_sent_total{endpoint=\"other\",message_type=\"proposal\"}"
        ),
        Some(1.0)
    );
    assert!(
        !text.contains("gov-16"),
        "the 17th endpoint has no series of its own"
    );
    assert_eq!(
        series(
            &text,
            "alys_label_overflow_total{metric=\"alys_governance_connection_status\"}"
        ),
        Some(1.0)
    );

    // Removing an endpoint with series frees its place: the next endpoint added gets it.
    assert!(remove_endpoint("gov-03"));
    let next = add_endpoint("gov-17", "node-17");
    assert_eq!(next.label(), "gov-17");
    next.message_sent(GovernanceMessageKind::Heartbeat);
    let text = exposition();
    assert!(!text.contains("gov-03"));
    assert_eq!(
        series(
            &text,
            "alys_governance_messages_sent_total{endpoint=\"gov-17\",message_type=\"heartbeat\"}"
        ),
        Some(1.0)
    );
    assert_eq!(status_lines(&text).len(), 17);
    // Removing a folded endpoint removes nothing of the others.
    assert!(remove_endpoint("gov-16"));
    assert!(exposition().contains("endpoint=\"other\""));
}
