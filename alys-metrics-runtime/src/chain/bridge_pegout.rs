//! A peg-out: requested, transaction built, signatures collected, broadcast, then confirmed
//! or failed.

use std::fmt;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use super::bridge_in_flight::{touch, InFlight, PEGOUTS};
use crate::catalogue::bridge::{
    BRIDGE_PEGOUTS_BROADCAST, BRIDGE_PEGOUTS_PROCESSED, BRIDGE_PEGOUT_ATTEMPTS,
    BRIDGE_PEGOUT_FAILURES, BRIDGE_PEGOUT_PROCESSING_DURATION, BRIDGE_PEGOUT_VOLUME_BTC,
    BRIDGE_RETRIES, BRIDGE_SIGNATURES_RECEIVED, BRIDGE_SIGNATURE_COLLECTION_DURATION,
    BRIDGE_SIGNATURE_REQUESTS, BRIDGE_TX_BROADCAST_DURATION, BRIDGE_TX_BUILD_DURATION,
};
use crate::labels::{BridgeOperation, PegOutFailure};

/// Where a peg-out stands. The stages only move forward, except through
/// [`PegOut::retry`], which goes back to `Requested`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PegOutStage {
    /// Burnt on the sidechain; the transaction is being built.
    Requested,
    /// The transaction is built; its signatures are not requested yet.
    TxBuilt,
    /// Signatures are requested; the quorum is not reached yet.
    Signing,
    /// The quorum of signatures is reached.
    Signed,
    /// The Bitcoin network accepted the transaction; it awaits its confirmation.
    Broadcast,
}

impl PegOutStage {
    fn as_str(self) -> &'static str {
        match self {
            PegOutStage::Requested => "requested",
            PegOutStage::TxBuilt => "tx_built",
            PegOutStage::Signing => "signing",
            PegOutStage::Signed => "signed",
            PegOutStage::Broadcast => "broadcast",
        }
    }
}

impl fmt::Display for PegOutStage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stage transition a peg-out cannot make from where it stands; nothing was recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StageError {
    /// Where the peg-out stands.
    pub current: PegOutStage,
    /// The stage the call asked for.
    pub requested: PegOutStage,
}

impl fmt::Display for StageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "a peg-out at stage `{}` cannot move to `{}`: its stages go requested -> tx_built -> \
             signing -> signed -> broadcast; call retry() to start again from requested",
            self.current, self.requested
        )
    }
}

impl std::error::Error for StageError {}

/// One peg-out, from its request (the burn on the sidechain) to its confirmation on Bitcoin
/// (or its failure).
///
/// [`requested`](Self::requested) counts an attempt (`alys_bridge_pegout_attempts_total`)
/// and makes the peg-out pending (`alys_bridge_pending_pegouts`, the oldest pending in
/// `alys_bridge_oldest_pending_pegout_timestamp_seconds`) until the handle ends. In between,
/// the stages, each timing the time since the previous transition:
///
/// | call | records |
/// |---|---|
/// | [`tx_built`](Self::tx_built) | `alys_bridge_tx_build_duration_seconds` (since the request or the last retry) |
/// | [`signatures_requested`](Self::signatures_requested)`(n, quorum)` | `alys_bridge_signature_requests_total` += n; starts the collection |
/// | [`signature_received`](Self::signature_received) | `alys_bridge_signatures_received_total`; at the quorum, `alys_bridge_signature_collection_duration_seconds` |
/// | [`broadcast`](Self::broadcast) | `alys_bridge_pegouts_broadcast_total`, `alys_bridge_tx_broadcast_duration_seconds` (since the quorum) |
/// | [`retry`](Self::retry) | `alys_bridge_retries_total{operation="pegout"}`; back to `Requested` |
/// | [`confirmed`](Self::confirmed) | `alys_bridge_pegouts_processed_total`, `alys_bridge_pegout_volume_btc_total`, `alys_bridge_pegout_processing_duration_seconds` (since the request) |
/// | [`failed`](Self::failed) | `alys_bridge_pegout_failures_total{reason}` |
/// | dropped without an end | a failure with reason `abandoned` (`panicked` while unwinding) |
///
/// A transition to a stage the peg-out has reached already returns a [`StageError`] and
/// records nothing; a later stage may be reached directly (a stage skipped is not timed).
/// `confirmed` and `failed` end the peg-out from any stage.
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use alys_metrics::chain::bridge::PegOut;
///
/// let mut out = PegOut::requested(25_000_000); // 0.25 BTC
/// out.tx_built()?;
/// out.signatures_requested(5, 3)?; // five members asked, three signatures needed
/// assert!(!out.signature_received());
/// assert!(!out.signature_received());
/// assert!(out.signature_received()); // the quorum
/// out.broadcast()?;
/// out.confirmed();
/// # Ok::<(), alys_metrics::chain::bridge::StageError>(())
/// ```
#[derive(Debug)]
#[must_use = "a peg-out is pending until it is confirmed, failed or dropped (dropped, it counts as abandoned)"]
pub struct PegOut {
    slot: &'static AtomicU64,
    amount_sat: u64,
    requested: Instant,
    stage: PegOutStage,
    /// When the current stage was entered.
    since: Instant,
    signatures: u32,
    quorum: u32,
    ended: bool,
}

impl PegOut {
    /// A peg-out of `amount_sat` satoshis, requested now.
    pub fn requested(amount_sat: u64) -> Self {
        Self::requested_at(amount_sat, Instant::now())
    }

    /// A peg-out of `amount_sat` satoshis requested at `at`.
    pub fn requested_at(amount_sat: u64, at: Instant) -> Self {
        BRIDGE_PEGOUT_ATTEMPTS.inc();
        touch(at);
        Self {
            slot: PEGOUTS.claim(at),
            amount_sat,
            requested: at,
            stage: PegOutStage::Requested,
            since: at,
            signatures: 0,
            quorum: 0,
            ended: false,
        }
    }

    /// Where the peg-out stands.
    pub fn stage(&self) -> PegOutStage {
        self.stage
    }

    /// The amount, in satoshis.
    pub fn amount_sat(&self) -> u64 {
        self.amount_sat
    }

    /// Signatures received in the current collection.
    pub fn signatures(&self) -> u32 {
        self.signatures
    }

    /// Moves to `to` at `at`: the time spent since the previous transition, or a
    /// [`StageError`] when `to` is not ahead.
    fn advance(&mut self, to: PegOutStage, at: Instant) -> Result<Duration, StageError> {
        if to <= self.stage {
            return Err(StageError {
                current: self.stage,
                requested: to,
            });
        }
        let took = at.saturating_duration_since(self.since);
        self.stage = to;
        self.since = at;
        touch(at);
        Ok(took)
    }

    /// The transaction is built (UTXOs selected, fee set).
    ///
    /// # Errors
    ///
    /// A [`StageError`] when the peg-out is past `Requested`; nothing is recorded then.
    pub fn tx_built(&mut self) -> Result<(), StageError> {
        self.tx_built_at(Instant::now())
    }

    /// [`tx_built`](Self::tx_built) at `at`.
    ///
    /// # Errors
    ///
    /// As [`tx_built`](Self::tx_built).
    pub fn tx_built_at(&mut self, at: Instant) -> Result<(), StageError> {
        let took = self.advance(PegOutStage::TxBuilt, at)?;
        BRIDGE_TX_BUILD_DURATION.observe(took.as_secs_f64());
        Ok(())
    }

    /// `requested` federation members were asked to sign; `quorum` signatures are needed.
    /// Called again while signing, it asks more members (and may change the quorum) without
    /// restarting the collection's clock. A quorum of 0 is reached at once.
    ///
    /// # Errors
    ///
    /// A [`StageError`] when the quorum is reached already; nothing is recorded then.
    pub fn signatures_requested(&mut self, requested: u32, quorum: u32) -> Result<(), StageError> {
        self.signatures_requested_at(requested, quorum, Instant::now())
    }

    /// [`signatures_requested`](Self::signatures_requested) at `at`.
    ///
    /// # Errors
    ///
    /// As [`signatures_requested`](Self::signatures_requested).
    pub fn signatures_requested_at(
        &mut self,
        requested: u32,
        quorum: u32,
        at: Instant,
    ) -> Result<(), StageError> {
        if self.stage != PegOutStage::Signing {
            self.advance(PegOutStage::Signing, at)?;
            self.signatures = 0;
        } else {
            touch(at);
        }
        self.quorum = quorum;
        BRIDGE_SIGNATURE_REQUESTS.inc_by(u64::from(requested));
        self.check_quorum(at);
        Ok(())
    }

    /// A federation member's signature arrived. Returns `true` when it completes the quorum:
    /// then the time since the signatures were requested is observed. Every signature is
    /// counted, also one that arrives before the request was recorded or after the quorum.
    #[inline]
    pub fn signature_received(&mut self) -> bool {
        BRIDGE_SIGNATURES_RECEIVED.inc();
        if self.stage != PegOutStage::Signing {
            return false;
        }
        self.signatures += 1;
        if self.signatures < self.quorum {
            return false;
        }
        self.check_quorum(Instant::now())
    }

    /// [`signature_received`](Self::signature_received), the quorum timed at `at`.
    pub fn signature_received_at(&mut self, at: Instant) -> bool {
        BRIDGE_SIGNATURES_RECEIVED.inc();
        if self.stage != PegOutStage::Signing {
            return false;
        }
        self.signatures += 1;
        self.check_quorum(at)
    }

    /// While signing with the quorum reached: observes the collection and moves to `Signed`.
    fn check_quorum(&mut self, at: Instant) -> bool {
        if self.stage != PegOutStage::Signing || self.signatures < self.quorum {
            return false;
        }
        if let Ok(took) = self.advance(PegOutStage::Signed, at) {
            BRIDGE_SIGNATURE_COLLECTION_DURATION.observe(took.as_secs_f64());
        }
        true
    }

    /// The Bitcoin network accepted the signed transaction.
    ///
    /// # Errors
    ///
    /// A [`StageError`] when it was broadcast already (after a [`retry`](Self::retry) it may
    /// be broadcast again); nothing is recorded then.
    pub fn broadcast(&mut self) -> Result<(), StageError> {
        self.broadcast_at(Instant::now())
    }

    /// [`broadcast`](Self::broadcast) at `at`.
    ///
    /// # Errors
    ///
    /// As [`broadcast`](Self::broadcast).
    pub fn broadcast_at(&mut self, at: Instant) -> Result<(), StageError> {
        let took = self.advance(PegOutStage::Broadcast, at)?;
        BRIDGE_PEGOUTS_BROADCAST.inc();
        BRIDGE_TX_BROADCAST_DURATION.observe(took.as_secs_f64());
        Ok(())
    }

    /// The transaction must be built again (a fee bump, a conflict, a lost quorum): counts a
    /// retry and goes back to `Requested`; the collection in progress, if any, is dropped
    /// unobserved.
    pub fn retry(&mut self) {
        self.retry_at(Instant::now());
    }

    /// [`retry`](Self::retry) at `at`.
    pub fn retry_at(&mut self, at: Instant) {
        BRIDGE_RETRIES.with(BridgeOperation::PegOut).inc();
        self.stage = PegOutStage::Requested;
        self.since = at;
        self.signatures = 0;
        self.quorum = 0;
        touch(at);
    }

    /// Confirmed on Bitcoin now; returns the time since the request.
    pub fn confirmed(self) -> Duration {
        self.confirmed_at(Instant::now())
    }

    /// Confirmed at `at`; returns the time since the request.
    pub fn confirmed_at(mut self, at: Instant) -> Duration {
        let took = at.saturating_duration_since(self.requested);
        BRIDGE_PEGOUTS_PROCESSED.inc();
        BRIDGE_PEGOUT_VOLUME_BTC.inc_sat(self.amount_sat);
        BRIDGE_PEGOUT_PROCESSING_DURATION.observe(took.as_secs_f64());
        touch(at);
        self.ended = true;
        took
    }

    /// The peg-out ended without a confirmation, for `reason`.
    pub fn failed(self, reason: PegOutFailure) {
        self.failed_at(reason, Instant::now());
    }

    /// [`failed`](Self::failed) at `at`.
    pub fn failed_at(mut self, reason: PegOutFailure, at: Instant) {
        BRIDGE_PEGOUT_FAILURES.with(reason).inc();
        touch(at);
        self.ended = true;
    }
}

impl Drop for PegOut {
    fn drop(&mut self) {
        if !self.ended {
            let reason = if std::thread::panicking() {
                PegOutFailure::Panicked
            } else {
                PegOutFailure::Abandoned
            };
            BRIDGE_PEGOUT_FAILURES.with(reason).inc();
        }
        InFlight::release(self.slot);
    }
}
