//! Forks, orphan and stale blocks, and consensus participation: the slots of the federation,
//! which of them got their block, and the slots of this node's authority that passed without
//! one (missed block proposals).
//!
//! # Participation window
//!
//! `alys_consensus_participation_rate` is the share of the last [`PARTICIPATION_WINDOW`] (100)
//! slots recorded with [`record_slot`] in which the slot's authority produced a block: 200 s
//! at Alys's 2 s slots. Record every slot once, when it is decided (the block imported, or
//! the slot over without one); the window holds outcomes in the order recorded. The counter
//! behind it, `alys_consensus_slots_total{result}`, gives the same share over any window in
//! PromQL.
//!
//! ```
//! # extern crate alys_metrics_runtime as alys_metrics;
//! use alys_metrics::chain::consensus::{record_slot, SlotAuthor};
//!
//! let rate = record_slot(SlotAuthor::Ours, false); // our slot, no block: a missed proposal
//! assert!(rate < 1.0);
//! let text = alys_metrics::registry().encode_to_string();
//! assert!(text.contains("alys_missed_block_proposals_total 1\n"));
//! assert!(text.contains("alys_consensus_slots_total{result=\"missed\"} 1\n"));
//! ```

use std::sync::{Mutex, PoisonError};

use crate::catalogue::chain::{
    CHAIN_FORKS, CONSENSUS_PARTICIPATION_RATE, CONSENSUS_SLOTS, MISSED_BLOCK_PROPOSALS,
    ORPHAN_BLOCKS, STALE_BLOCKS,
};
use crate::labels::SlotResult;

/// Slots the participation rate looks back over.
pub const PARTICIPATION_WINDOW: usize = 100;

/// Whose slot it was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlotAuthor {
    /// This node's authority: a slot without a block is a missed block proposal.
    Ours,
    /// Another authority.
    Other,
}

/// The outcomes of the last [`PARTICIPATION_WINDOW`] slots, one bit each (1: produced).
#[derive(Debug)]
struct SlotWindow {
    bits: u128,
    len: usize,
}

static WINDOW: Mutex<SlotWindow> = Mutex::new(SlotWindow { bits: 0, len: 0 });

impl SlotWindow {
    const MASK: u128 = (1u128 << PARTICIPATION_WINDOW) - 1;

    fn push(&mut self, produced: bool) -> f64 {
        self.bits = ((self.bits << 1) | u128::from(produced)) & Self::MASK;
        self.len = (self.len + 1).min(PARTICIPATION_WINDOW);
        f64::from(self.bits.count_ones()) / self.len as f64
    }
}

/// Records one decided slot: whose it was and whether its block was produced. Counts it in
/// `alys_consensus_slots_total{result}`, counts our slot without a block in
/// `alys_missed_block_proposals_total`, and sets `alys_consensus_participation_rate` over the
/// last 100 slots, which it returns.
pub fn record_slot(author: SlotAuthor, produced: bool) -> f64 {
    let result = if produced {
        SlotResult::Produced
    } else {
        SlotResult::Missed
    };
    CONSENSUS_SLOTS.with(result).inc();
    if author == SlotAuthor::Ours && !produced {
        MISSED_BLOCK_PROPOSALS.inc();
        tracing::warn!("this node's slot passed without a block: missed block proposal");
    }
    // The gauge is set under the lock, so concurrent slots cannot leave an older rate.
    let mut window = WINDOW.lock().unwrap_or_else(PoisonError::into_inner);
    let rate = window.push(produced);
    CONSENSUS_PARTICIPATION_RATE.set(rate);
    rate
}

/// Counts a fork: a second valid block seen at a height that already had one.
pub fn record_fork(height: u64) {
    CHAIN_FORKS.inc();
    tracing::warn!(height, "fork detected: competing blocks at one height");
}

/// Counts `n` valid blocks left off the canonical chain when a fork was resolved.
pub fn record_orphan_blocks(n: u64) {
    ORPHAN_BLOCKS.inc_by(n);
}

/// Counts a valid block that arrived after a newer block was imported past its height.
pub fn record_stale_block() {
    STALE_BLOCKS.inc();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_rate_over_the_last_hundred() {
        let mut w = SlotWindow { bits: 0, len: 0 };
        assert_eq!(w.push(true), 1.0);
        assert_eq!(w.push(false), 0.5);
        for _ in 0..98 {
            w.push(true);
        }
        assert_eq!(w.len, 100);
        assert_eq!(w.bits.count_ones(), 99);
        // The first (produced) slot leaves the window, a missed one enters: 98 of 100.
        assert_eq!(w.push(false), 0.98);
    }
}
