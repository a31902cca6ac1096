//! The `validator` label of the block timings is bounded: beyond 64 validators, timings share
//! the series `other` and the folds are counted. (A binary of its own: it fills the label.)

use alys_metrics::prelude::*;

#[time_block(production, validator = id)]
fn produce_as(id: usize) -> usize {
    id
}

fn lines_starting(text: &str, prefix: &str) -> usize {
    text.lines().filter(|l| l.starts_with(prefix)).count()
}

#[test]
fn validators_beyond_the_cap_share_other() {
    for id in 0..1_000usize {
        assert_eq!(produce_as(id), id);
    }
    let text = alys_metrics::registry().encode_to_string();
    assert_eq!(
        lines_starting(&text, "alys_block_production_duration_seconds_count{"),
        65,
        "64 validators and `other`"
    );
    assert!(text.contains("alys_block_production_duration_seconds_count{validator=\"63\"} 1\n"));
    assert!(!text.contains("validator=\"64\""));
    assert!(
        text.contains("alys_block_production_duration_seconds_count{validator=\"other\"} 936\n")
    );
    assert!(text.contains(
        "alys_label_overflow_total{metric=\"alys_block_production_duration_seconds\"} 936\n"
    ));
}
