//! Forks, orphan and stale blocks, missed block proposals and the consensus participation
//! rate over its window of the last 100 slots, read from the exposition text. One test: the
//! window is process-wide.

use crate::samples::value;
use alys_metrics::chain::{
    record_fork, record_orphan_blocks, record_slot, record_stale_block, SlotAuthor,
    PARTICIPATION_WINDOW,
};

#[test]
fn participation_is_the_share_of_the_last_100_slots_with_a_block() {
    assert_eq!(PARTICIPATION_WINDOW, 100);
    assert_eq!(value("alys_consensus_participation_rate"), 0.0);
    assert_eq!(value("alys_missed_block_proposals_total"), 0.0);

    // Four slots: ours produced, another's produced, another's missed, ours missed.
    assert_eq!(record_slot(SlotAuthor::Ours, true), 1.0);
    assert_eq!(record_slot(SlotAuthor::Other, true), 1.0);
    assert_eq!(record_slot(SlotAuthor::Other, false), 2.0 / 3.0);
    assert_eq!(record_slot(SlotAuthor::Ours, false), 0.5);
    assert_eq!(value("alys_consensus_participation_rate"), 0.5);
    assert_eq!(
        value("alys_missed_block_proposals_total"),
        1.0,
        "only our own empty slot is a missed proposal"
    );
    assert_eq!(
        value("alys_consensus_slots_total{result=\"produced\"}"),
        2.0
    );
    assert_eq!(value("alys_consensus_slots_total{result=\"missed\"}"), 2.0);

    // 96 more produced slots fill the window: 98 of 100.
    for _ in 0..96 {
        record_slot(SlotAuthor::Other, true);
    }
    assert_eq!(value("alys_consensus_participation_rate"), 0.98);
    // Slot 101 pushes out slot 1 (produced): a missed slot makes it 97 of 100.
    assert_eq!(record_slot(SlotAuthor::Other, false), 0.97);
    // Slots 102 and 103 (produced) push out slots 2 (produced) and 3 (missed): the window is
    // slots 4..=103, of which 4 and 101 are missed: 98 of 100.
    record_slot(SlotAuthor::Other, true);
    assert_eq!(record_slot(SlotAuthor::Other, true), 0.98);
    // 20 missed slots (104..=123) push out slots 4..=23 (one missed): the window 24..=123
    // holds 77 + 2 produced slots, below ConsensusParticipationLow's 0.8.
    for _ in 0..20 {
        record_slot(SlotAuthor::Other, false);
    }
    assert_eq!(value("alys_consensus_participation_rate"), 0.79);
    // The counters keep the whole history.
    assert_eq!(
        value("alys_consensus_slots_total{result=\"produced\"}"),
        100.0
    );
    assert_eq!(value("alys_consensus_slots_total{result=\"missed\"}"), 23.0);
}

#[test]
fn forks_orphans_and_stale_blocks_are_counted() {
    record_fork(1_000);
    record_orphan_blocks(2);
    record_orphan_blocks(1);
    record_stale_block();
    assert_eq!(value("alys_chain_forks_total"), 1.0);
    assert_eq!(value("alys_orphan_blocks_total"), 3.0);
    assert_eq!(value("alys_stale_blocks_total"), 1.0);
}
