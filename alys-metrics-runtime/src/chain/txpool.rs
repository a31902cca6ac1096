//! Transaction pool: size, pending and queued transactions, processing
//! rate and its counter, rejections by reason, and the pool's health score.

use std::time::Duration;

use crate::catalogue::chain::{
    TXPOOL_MAX_SIZE, TXPOOL_PENDING, TXPOOL_PROCESSED, TXPOOL_PROCESSING_RATE, TXPOOL_QUEUED,
    TXPOOL_RECEIVED, TXPOOL_REJECTIONS, TXPOOL_SIZE,
};
use crate::labels::RejectionReason;

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Sets `alys_txpool_size`.
pub fn update_transaction_pool_size(size: usize) {
    TXPOOL_SIZE.set(count(size));
}

/// Sets `alys_txpool_max_size`, the pool's capacity in transactions.
pub fn set_transaction_pool_max_size(max: usize) {
    TXPOOL_MAX_SIZE.set(count(max));
}

/// Counts `n` transactions received by the pool, before admission (accepted or rejected;
/// rejections are counted by reason with [`record_transaction_rejection`]).
///
/// Their `alys_txpool_rejected_total` is not exported: it is the sum over reasons of
/// `alys_txpool_rejections_total`, served by a recording rule in `ops/`.
pub fn record_transactions_received(n: u64) {
    TXPOOL_RECEIVED.inc_by(n);
}

/// Transactions per second over a window, in fractional seconds: 0 for an empty window.
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use std::time::Duration;
/// use alys_metrics::chain::transaction_processing_rate;
/// assert_eq!(transaction_processing_rate(30, Duration::from_millis(1_500)), 20.0);
/// assert_eq!(transaction_processing_rate(30, Duration::ZERO), 0.0);
/// ```
pub fn transaction_processing_rate(processed: u64, window: Duration) -> f64 {
    let secs = window.as_secs_f64();
    if secs > 0.0 {
        processed as f64 / secs
    } else {
        0.0
    }
}

/// Sets `alys_txpool_processing_rate` from the transactions processed in a window
/// ([`transaction_processing_rate`]) and adds them to `alys_txpool_processed_total`, the
/// counter to take `rate()` of. Returns the rate.
///
/// Call it once per window with the transactions processed in that window only.
pub fn record_transaction_processing_rate(processed: u64, window: Duration) -> f64 {
    let rate = transaction_processing_rate(processed, window);
    TXPOOL_PROCESSING_RATE.set(rate);
    TXPOOL_PROCESSED.inc_by(processed);
    tracing::trace!(
        processed,
        window_secs = window.as_secs_f64(),
        rate,
        "transaction processing rate recorded"
    );
    rate
}

/// Counts one rejected transaction under its reason.
pub fn record_transaction_rejection(reason: RejectionReason) {
    TXPOOL_REJECTIONS.with(reason).inc();
}

/// Counts `n` rejected transactions under one reason.
pub fn record_transaction_rejections(reason: RejectionReason, n: u64) {
    TXPOOL_REJECTIONS.with(reason).inc_by(n);
}

/// One window of pool activity, for [`record_transaction_pool_metrics`].
#[derive(Clone, Copy, Debug, Default)]
pub struct TxPoolUpdate<'a> {
    /// Transactions in the pool now.
    pub size: usize,
    /// Of which executable now.
    pub pending: usize,
    /// Of which waiting for an earlier nonce.
    pub queued: usize,
    /// Transactions processed during the window.
    pub processed: u64,
    /// Length of the window.
    pub window: Duration,
    /// Rejections during the window, by reason; a reason may appear more than once.
    pub rejections: &'a [(RejectionReason, u64)],
}

/// Records one window of pool activity at once: size, pending, queued, the processing rate
/// and processed counter ([`record_transaction_processing_rate`]) and the rejections.
/// Returns the processing rate.
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use std::time::Duration;
/// use alys_metrics::chain::{record_transaction_pool_metrics, TxPoolUpdate};
/// use alys_metrics::labels::RejectionReason;
///
/// let rate = record_transaction_pool_metrics(&TxPoolUpdate {
///     size: 120,
///     pending: 100,
///     queued: 20,
///     processed: 50,
///     window: Duration::from_secs(5),
///     rejections: &[(RejectionReason::InvalidNonce, 5), (RejectionReason::PoolFull, 2)],
/// });
/// assert_eq!(rate, 10.0);
/// let text = alys_metrics::registry().encode_to_string();
/// assert!(text.contains("alys_txpool_rejections_total{reason=\"invalid_nonce\"} 5\n"));
/// assert!(text.contains("alys_txpool_queued 20\n"));
/// ```
pub fn record_transaction_pool_metrics(update: &TxPoolUpdate<'_>) -> f64 {
    TXPOOL_SIZE.set(count(update.size));
    TXPOOL_PENDING.set(count(update.pending));
    TXPOOL_QUEUED.set(count(update.queued));
    let rate = record_transaction_processing_rate(update.processed, update.window);
    let mut rejected = 0u64;
    for (reason, n) in update.rejections {
        TXPOOL_REJECTIONS.with(*reason).inc_by(*n);
        rejected = rejected.saturating_add(*n);
    }
    tracing::debug!(
        size = update.size,
        pending = update.pending,
        queued = update.queued,
        rate,
        rejected,
        "transaction pool metrics updated"
    );
    rate
}

/// The transaction pool health score, in `0.1..=1.0` (higher is better): the mean of
/// a utilisation score and a rejection score.
///
/// - utilisation `u = current_size / max_size` (0 when `max_size` is 0, an unbounded pool):
///   the score is `1 - u / 2` below 80 % and **drops to 0.1 at 80 %** — a step from 0.6 just
///   below the threshold, so the health score falls by 0.25 when the pool crosses 80 %.
/// - rejection rate `r` (a fraction, 0.05 = 5 %): `1 - 10 r` below 5 %, 0.1 from 5 % (a step
///   from 0.5 to 0.1).
///
/// `r` is clamped to `0..=1`; a NaN rate counts as the worst (the formula gives it 0.1).
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use alys_metrics::chain::txpool_health_score;
/// assert_eq!(txpool_health_score(1_000, 0, 0.0), 1.0);
/// assert_eq!(txpool_health_score(1_000, 500, 0.0), 0.875);
/// assert!((txpool_health_score(1_000, 799, 0.0) - 0.80025).abs() < 1e-12);
/// assert!((txpool_health_score(1_000, 800, 0.0) - 0.55).abs() < 1e-12);
/// ```
pub fn txpool_health_score(max_size: usize, current_size: usize, rejection_rate: f64) -> f64 {
    let utilization = if max_size > 0 {
        current_size as f64 / max_size as f64
    } else {
        0.0
    };
    let rejection_rate = if rejection_rate.is_nan() {
        1.0
    } else {
        rejection_rate.clamp(0.0, 1.0)
    };
    let utilization_score = if utilization < 0.8 {
        1.0 - utilization * 0.5
    } else {
        0.1
    };
    let rejection_score = if rejection_rate < 0.05 {
        1.0 - rejection_rate * 10.0
    } else {
        0.1
    };
    let health = (utilization_score + rejection_score) / 2.0;
    tracing::trace!(
        max_size,
        current_size,
        utilization,
        rejection_rate,
        health,
        "transaction pool health calculated"
    );
    health
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn health_at_the_edges() {
        // max size 0: utilisation counts as 0.
        assert_eq!(txpool_health_score(0, 0, 0.0), 1.0);
        assert_eq!(txpool_health_score(0, 10_000, 0.0), 1.0);
        // The step at 80 % utilisation.
        assert!(close(
            txpool_health_score(100, 79, 0.0),
            (1.0 - 0.395 + 1.0) / 2.0
        ));
        assert!(close(txpool_health_score(100, 80, 0.0), 0.55));
        assert!(close(txpool_health_score(100, 200, 0.0), 0.55));
        // The step at 5 % rejections.
        assert!(close(
            txpool_health_score(100, 0, 0.049),
            (1.0 + 0.51) / 2.0
        ));
        assert!(close(txpool_health_score(100, 0, 0.05), 0.55));
        // Worst case.
        assert!(close(txpool_health_score(100, 100, 1.0), 0.1));
    }

    #[test]
    fn health_clamps_bad_rejection_rates() {
        assert!(close(txpool_health_score(100, 0, f64::NAN), 0.55));
        assert_eq!(txpool_health_score(100, 0, -3.0), 1.0, "not above 1");
        assert!(close(txpool_health_score(100, 0, f64::INFINITY), 0.55));
        assert!(close(txpool_health_score(100, 0, f64::NEG_INFINITY), 1.0));
    }

    #[test]
    fn rate_uses_fractional_seconds() {
        assert_eq!(
            transaction_processing_rate(1, Duration::from_millis(100)),
            10.0
        );
        assert_eq!(transaction_processing_rate(0, Duration::from_secs(1)), 0.0);
        assert_eq!(transaction_processing_rate(u64::MAX, Duration::ZERO), 0.0);
    }

    #[test]
    fn counts_saturate() {
        assert_eq!(count(usize::MAX), i64::MAX);
    }
}
