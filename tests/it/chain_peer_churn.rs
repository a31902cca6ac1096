//! Peers that come and go: with `forget_peer` on disconnect, every connected peer keeps a
//! series of its own however many peers the node has seen, and memory stays bounded.
//!
//! It counts every series of `alys_peer_quality_score`, so it holds `crate::serial()`, as do the
//! tests of `chain` and `chain_network_pool` that score peers, and those forget their peers
//! before they end. (The 1,000,000-peer bound fills the label: `tests/solo/chain_peer_bound.rs`.)

use alys_metrics::chain::{
    admitted_peer_ids, forget_peer, peer_id_cap, record_peer_quality_score, ScoreRecorded,
};

fn quality_series(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| l.starts_with("alys_peer_quality_score{"))
        .collect()
}

#[test]
fn churning_peers_keep_their_own_series_when_forgotten_on_disconnect() {
    let _serial = crate::serial();
    let cap = peer_id_cap();
    // A steady set of 100 connected peers; 50,000 more connect, get scored and leave.
    for i in 0..100 {
        assert_eq!(
            record_peer_quality_score(&format!("steady-{i}"), 0.9),
            ScoreRecorded::Own
        );
    }
    for i in 0..50_000 {
        let id = format!("transient-{i}");
        assert_eq!(
            record_peer_quality_score(&id, 0.5),
            ScoreRecorded::Own,
            "peer {i} found no place although only 101 peers are connected"
        );
        assert!(forget_peer(&id));
        assert!(admitted_peer_ids() <= cap);
    }
    let text = alys_metrics::registry().encode_to_string();
    let series = quality_series(&text);
    assert_eq!(
        series.len(),
        100,
        "only the connected peers: {:?}",
        &series[..series.len().min(5)]
    );
    assert!(series
        .iter()
        .all(|l| l.contains("steady-") && l.ends_with(" 0.9")));
    assert!(!text.contains("transient-"));
    assert!(
        !text.contains("alys_peer_quality_score{peer_id=\"other\"}"),
        "nothing was folded"
    );
    assert!(text.contains("alys_peer_quality_folded_total 0\n"));
    assert_eq!(admitted_peer_ids(), 100);
}
