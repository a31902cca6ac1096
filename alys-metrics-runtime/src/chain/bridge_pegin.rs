//! A peg-in: detected on Bitcoin, confirmations observed, then minted or failed.

use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use super::bridge_in_flight::{touch, InFlight, PEGINS};
use crate::catalogue::bridge::{
    BRIDGE_PEGINS_PROCESSED, BRIDGE_PEGIN_ATTEMPTS, BRIDGE_PEGIN_CONFIRMATIONS,
    BRIDGE_PEGIN_FAILURES, BRIDGE_PEGIN_PROCESSING_DURATION, BRIDGE_PEGIN_VOLUME_BTC,
    BRIDGE_RETRIES,
};
use crate::labels::{BridgeOperation, PegInFailure};

/// One peg-in, from its detection on Bitcoin to its mint on the sidechain (or its failure).
///
/// [`detected`](Self::detected) counts an attempt (`alys_bridge_pegin_attempts_total`) and
/// makes the peg-in pending (`alys_bridge_pending_pegins`, the oldest pending in
/// `alys_bridge_oldest_pending_pegin_timestamp_seconds`) until the handle ends:
///
/// - [`minted`](Self::minted): `alys_bridge_pegins_processed_total`, the amount in
///   `alys_bridge_pegin_volume_btc_total`, the time since detection in
///   `alys_bridge_pegin_processing_duration_seconds`, and the last observed
///   [`confirmations`](Self::confirmations) in `alys_bridge_pegin_confirmations`;
/// - [`failed`](Self::failed): `alys_bridge_pegin_failures_total{reason}`;
/// - dropped without either: a failure with reason `abandoned`, or `panicked` when dropped
///   while its thread unwinds.
///
/// Keep the handle where the bridge keeps the peg-in (its map of pending deposits): it is
/// `Send` and `Sync`, and every method but the end takes `&mut self`.
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use alys_metrics::chain::bridge::PegIn;
/// use alys_metrics::labels::PegInFailure;
///
/// let mut deposit = PegIn::detected(150_000_000); // 1.5 BTC
/// deposit.confirmations(1);
/// deposit.confirmations(6);
/// deposit.minted();
///
/// let refused = PegIn::detected(500);
/// refused.failed(PegInFailure::BelowMinimum);
///
/// let text = alys_metrics::registry().encode_to_string();
/// assert!(text.contains("alys_bridge_pegin_failures_total{reason=\"below_minimum\"} "));
/// ```
#[derive(Debug)]
#[must_use = "a peg-in is pending until it is minted, failed or dropped (dropped, it counts as abandoned)"]
pub struct PegIn {
    slot: &'static AtomicU64,
    amount_sat: u64,
    detected: Instant,
    confirmations: u32,
    ended: bool,
}

impl PegIn {
    /// A deposit of `amount_sat` satoshis to the federation, detected now.
    pub fn detected(amount_sat: u64) -> Self {
        Self::detected_at(amount_sat, Instant::now())
    }

    /// A deposit of `amount_sat` satoshis detected at `at` (a deposit seen before the node
    /// restarted, or a test's instant).
    pub fn detected_at(amount_sat: u64, at: Instant) -> Self {
        BRIDGE_PEGIN_ATTEMPTS.inc();
        touch(at);
        Self {
            slot: PEGINS.claim(at),
            amount_sat,
            detected: at,
            confirmations: 0,
            ended: false,
        }
    }

    /// The deposit now has `confirmations` confirmations on Bitcoin (fewer after a
    /// reorganisation). No metric moves until the end: the count at the mint is observed.
    #[inline]
    pub fn confirmations(&mut self, confirmations: u32) {
        self.confirmations = confirmations;
    }

    /// The mint failed and is tried again: counts `alys_bridge_retries_total{operation="pegin"}`.
    pub fn retry(&mut self) {
        BRIDGE_RETRIES.with(BridgeOperation::PegIn).inc();
    }

    /// The amount, in satoshis.
    pub fn amount_sat(&self) -> u64 {
        self.amount_sat
    }

    /// The confirmations last observed.
    pub fn confirmations_observed(&self) -> u32 {
        self.confirmations
    }

    /// When the deposit was detected.
    pub fn detected_instant(&self) -> Instant {
        self.detected
    }

    /// Minted on the sidechain now; returns the time since detection.
    pub fn minted(self) -> Duration {
        self.minted_at(Instant::now())
    }

    /// Minted at `at`; returns the time since detection (zero if `at` is before it).
    pub fn minted_at(mut self, at: Instant) -> Duration {
        let took = at.saturating_duration_since(self.detected);
        BRIDGE_PEGINS_PROCESSED.inc();
        BRIDGE_PEGIN_VOLUME_BTC.inc_sat(self.amount_sat);
        BRIDGE_PEGIN_PROCESSING_DURATION.observe(took.as_secs_f64());
        BRIDGE_PEGIN_CONFIRMATIONS.observe(f64::from(self.confirmations));
        touch(at);
        self.ended = true;
        took
    }

    /// The peg-in ended without a mint, for `reason`.
    pub fn failed(self, reason: PegInFailure) {
        self.failed_at(reason, Instant::now());
    }

    /// The peg-in ended without a mint at `at`, for `reason`.
    pub fn failed_at(mut self, reason: PegInFailure, at: Instant) {
        BRIDGE_PEGIN_FAILURES.with(reason).inc();
        touch(at);
        self.ended = true;
    }
}

impl Drop for PegIn {
    fn drop(&mut self) {
        if !self.ended {
            let reason = if std::thread::panicking() {
                PegInFailure::Panicked
            } else {
                PegInFailure::Abandoned
            };
            BRIDGE_PEGIN_FAILURES.with(reason).inc();
        }
        InFlight::release(self.slot);
    }
}
