//! The `validator` label of the block timings is bounded: beyond 64 validators, timings share
//! the series `other` and the folds are counted. (In `tests/solo/`, one test at a time: it
//! fills the label.)

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
    let _serial = crate::serial();
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

#[time_block(validation, validator = id)]
fn validate_as(id: &str) -> bool {
    !id.is_empty()
}

#[test]
fn remembered_validators_still_count_every_fold() {
    let _serial = crate::serial();
    // Each thread remembers its last validator; a folded one is never remembered.
    for _ in 0..3 {
        assert!(validate_as("first"));
        assert!(validate_as("second"));
    }
    for i in 0..70 {
        validate_as(&format!("v{i}"));
    }
    let before = folded_validations();
    for _ in 0..5 {
        validate_as("late-validator");
    }
    assert_eq!(folded_validations() - before, 5.0);
    let text = alys_metrics::registry().encode_to_string();
    assert!(text.contains("alys_block_validation_duration_seconds_count{validator=\"first\"} 3\n"));
    assert!(text.contains("alys_block_validation_duration_seconds_count{validator=\"second\"} 3\n"));
}

fn folded_validations() -> f64 {
    alys_metrics::registry()
        .encode_to_string()
        .lines()
        .find_map(|l| {
            l.strip_prefix(
                "alys_label_overflow_total{metric=\"alys_block_validation_duration_seconds\"} ",
            )
        })
        .map_or(0.0, |v| v.parse().expect("a count"))
}
