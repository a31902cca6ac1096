//! The `peer_id` bound: 1,000,000 distinct peer ids do not grow the number of series or the
//! tables behind them. (In `tests/solo/`, one test at a time: it fills the label.)

use std::fmt::Write;

use alys_metrics::chain::{
    admitted_peer_ids, peer_id_cap, record_peer_connection_metrics, record_peer_quality_score,
    set_peer_id_cap, PeerConnectionStats, ScoreRecorded, PEER_ID_CAP_MAX,
};

fn exposition() -> String {
    alys_metrics::registry().encode_to_string()
}

fn peer_series(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| l.starts_with("alys_peer_quality_score{"))
        .collect()
}

use crate::samples::series as sample;

#[test]
fn a_million_peer_ids_stay_within_the_cap() {
    let _serial = crate::serial();
    assert_eq!(peer_id_cap(), PEER_ID_CAP_MAX);
    assert_eq!(set_peer_id_cap(0), 1, "clamped up");
    assert_eq!(set_peer_id_cap(100_000), PEER_ID_CAP_MAX, "clamped down");
    assert_eq!(set_peer_id_cap(32), 32);

    let mut own = 0;
    let mut id = String::with_capacity(32);
    for i in 0..1_000_000u32 {
        id.clear();
        write!(id, "12D3KooW-{i}").expect("writing to a String");
        if record_peer_quality_score(&id, f64::from(i % 100) / 100.0) == ScoreRecorded::Own {
            own += 1;
        }
        if i % 100_000 == 0 {
            // Flat all along: the tables never hold more than the cap.
            assert!(admitted_peer_ids() <= 32);
        }
    }
    assert_eq!(own, 32);
    assert_eq!(admitted_peer_ids(), 32);

    let text = exposition();
    let series = peer_series(&text);
    assert_eq!(series.len(), 33, "32 peers and `other`: {series:?}");
    assert_eq!(
        sample(&text, "alys_peer_quality_score{peer_id=\"12d3koow-0\"}"),
        Some(0.0)
    );
    assert_eq!(
        sample(&text, "alys_peer_quality_score{peer_id=\"12d3koow-31\"}"),
        Some(0.31)
    );
    assert_eq!(
        sample(&text, "alys_peer_quality_score{peer_id=\"12d3koow-32\"}"),
        None
    );
    assert_eq!(
        sample(&text, "alys_peer_quality_score{peer_id=\"other\"}"),
        Some(0.99),
        "the latest folded score"
    );
    assert_eq!(
        sample(&text, "alys_peer_quality_folded_total"),
        Some(999_968.0)
    );
    // The label itself never saw the folded ids.
    assert_eq!(
        sample(
            &text,
            "alys_label_overflow_total{metric=\"alys_peer_quality_score\"}"
        ),
        Some(0.0)
    );

    // An admitted peer keeps its series; a batch gives `other` the mean of the folded peers.
    let stats = PeerConnectionStats::default();
    record_peer_connection_metrics(
        3,
        [
            ("12D3KooW-5", 0.5),
            ("late-peer-1", 0.25),
            ("late-peer-2", 0.75),
        ],
        &[],
        &stats,
    );
    let text = exposition();
    assert_eq!(
        sample(&text, "alys_peer_quality_score{peer_id=\"12d3koow-5\"}"),
        Some(0.5)
    );
    assert_eq!(
        sample(&text, "alys_peer_quality_score{peer_id=\"other\"}"),
        Some(0.5)
    );
    assert_eq!(
        sample(&text, "alys_peer_quality_folded_total"),
        Some(999_970.0)
    );
    assert_eq!(peer_series(&text).len(), 33);

    // Raising the cap admits new peers again, up to the compile-time cap of the label.
    set_peer_id_cap(PEER_ID_CAP_MAX);
    for i in 0..1_000u32 {
        record_peer_quality_score(&format!("second-wave-{i}"), 0.5);
    }
    assert_eq!(admitted_peer_ids(), PEER_ID_CAP_MAX);
    assert_eq!(peer_series(&exposition()).len(), PEER_ID_CAP_MAX + 1);
}
