//! [`ActorMetrics`]: the counters one actor keeps about itself.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use super::{MailboxMetrics, MailboxSnapshot, MessageOutcome};
use crate::labels::{LabelValue, RestartReason};

const REASONS: usize = <RestartReason as LabelValue>::COUNT;

/// The counts of one [`ActorMetrics`] already exported to Prometheus by a bridge.
///
/// Kept with the metrics, not with a bridge's entry, so that metrics registered again (a
/// supervisor restart, or unregister then register) export only what is new.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Exported {
    pub(crate) processed: u64,
    pub(crate) failed: u64,
    pub(crate) dropped: u64,
    pub(crate) restarts: [u64; REASONS],
}

/// The process-wide origin of `last_activity` timestamps.
pub(crate) fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// What one actor measures about itself: messages processed and failed, processing time, its
/// mailbox, restarts by reason, state transitions, peak memory and last activity.
///
/// Updates are relaxed atomic operations. The counts reach Prometheus through an
/// [`ActorMetricsBridge`](super::ActorMetricsBridge) the metrics are registered with, which
/// exports what changed since its previous collection.
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use std::time::Duration;
/// use alys_metrics::actor::ActorMetrics;
///
/// let m = ActorMetrics::new();
/// assert_eq!(m.success_rate(), 1.0); // no messages yet
/// for _ in 0..99 {
///     m.record_message(Duration::from_millis(2), true);
/// }
/// m.record_message(Duration::from_millis(2), false);
/// let s = m.snapshot();
/// assert_eq!((s.messages_processed, s.messages_failed), (99, 1));
/// assert_eq!(s.avg_processing_time, Duration::from_millis(2));
/// assert!(s.is_healthy()); // 99 % success, 1 % errors
/// ```
#[derive(Debug)]
pub struct ActorMetrics {
    processed: AtomicU64,
    failed: AtomicU64,
    cancelled: AtomicU64,
    processing_nanos: AtomicU64,
    restarts: [AtomicU64; REASONS],
    state_transitions: AtomicU64,
    peak_memory: AtomicU64,
    /// Nanoseconds since [`epoch`] plus one; 0 means never active.
    last_activity: AtomicU64,
    mailbox: Arc<MailboxMetrics>,
    /// Touched only by a bridge's export, never on the hot path.
    exported: Mutex<Exported>,
}

impl Default for ActorMetrics {
    fn default() -> Self {
        Self::new()
    }
}

/// A copy of an actor's counters at one moment, with its health rules.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricsSnapshot {
    /// Messages handled successfully.
    pub messages_processed: u64,
    /// Messages whose handler returned an error or panicked.
    pub messages_failed: u64,
    /// Messages whose handling was abandoned (the future was dropped).
    pub messages_cancelled: u64,
    /// Time spent handling the processed and failed messages.
    pub total_processing_time: Duration,
    /// `total_processing_time` per processed or failed message; zero before the first.
    pub avg_processing_time: Duration,
    /// The actor's mailbox.
    pub mailbox: MailboxSnapshot,
    /// Restarts, by [`RestartReason`] index.
    pub restarts_by_reason: [u64; REASONS],
    /// Restarts for every reason.
    pub restarts: u64,
    /// State transitions recorded.
    pub state_transitions: u64,
    /// The largest memory use reported, in bytes.
    pub peak_memory_usage: u64,
    /// When the actor last finished a message, if it ever did.
    pub last_activity: Option<Instant>,
}

/// Success rate of `processed` and `failed` messages: 1.0 with no messages.
fn success_rate(processed: u64, failed: u64) -> f64 {
    match processed + failed {
        0 => 1.0,
        n => processed as f64 / n as f64,
    }
}

/// The health rule: success above 95 % and errors below 5 %.
fn healthy(success_rate: f64, error_rate: f64) -> bool {
    success_rate > 0.95 && error_rate < 0.05
}

impl MetricsSnapshot {
    /// Processed over processed plus failed; 1.0 with no messages.
    pub fn success_rate(&self) -> f64 {
        success_rate(self.messages_processed, self.messages_failed)
    }

    /// Failed over processed plus failed; 0.0 with no messages.
    pub fn error_rate(&self) -> f64 {
        1.0 - self.success_rate()
    }

    /// Success rate above 0.95 and error rate below 0.05.
    pub fn is_healthy(&self) -> bool {
        healthy(self.success_rate(), self.error_rate())
    }

    /// Messages in the mailbox when the snapshot was taken.
    pub fn mailbox_size(&self) -> u64 {
        self.mailbox.current_size
    }
}

impl ActorMetrics {
    /// Zeroed metrics with a mailbox of their own.
    pub fn new() -> Self {
        Self::with_mailbox(Arc::new(MailboxMetrics::new()))
    }

    /// Zeroed metrics that report the size of `mailbox` (an instrumented mailbox made with
    /// [`mailbox::bounded`](super::mailbox::bounded)).
    pub fn with_mailbox(mailbox: Arc<MailboxMetrics>) -> Self {
        epoch();
        Self {
            processed: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            cancelled: AtomicU64::new(0),
            processing_nanos: AtomicU64::new(0),
            restarts: std::array::from_fn(|_| AtomicU64::new(0)),
            state_transitions: AtomicU64::new(0),
            peak_memory: AtomicU64::new(0),
            last_activity: AtomicU64::new(0),
            mailbox,
            exported: Mutex::new(Exported::default()),
        }
    }

    /// The actor's mailbox counters: pass them to
    /// [`mailbox::bounded`](super::mailbox::bounded), or update them by hand.
    pub fn mailbox(&self) -> &Arc<MailboxMetrics> {
        &self.mailbox
    }

    /// Records a handled message: processed when `success`, else failed.
    #[inline]
    pub fn record_message(&self, processing_time: Duration, success: bool) {
        self.record_outcome(
            processing_time,
            if success {
                MessageOutcome::Ok
            } else {
                MessageOutcome::Error
            },
        );
    }

    /// Records a message by its outcome: `ok` is processed; `error` and `panicked` are
    /// failed; `cancelled` is counted apart and adds no processing time.
    #[inline]
    pub fn record_outcome(&self, processing_time: Duration, outcome: MessageOutcome) {
        self.record_outcome_at(processing_time, outcome, Instant::now());
    }

    /// As [`record_outcome`](Self::record_outcome), for a message that finished at `end`.
    #[inline]
    pub(crate) fn record_outcome_at(
        &self,
        processing_time: Duration,
        outcome: MessageOutcome,
        end: Instant,
    ) {
        match outcome {
            MessageOutcome::Ok => self.processed.fetch_add(1, Ordering::Relaxed),
            MessageOutcome::Error | MessageOutcome::Panicked => {
                self.failed.fetch_add(1, Ordering::Relaxed)
            }
            MessageOutcome::Cancelled => {
                self.cancelled.fetch_add(1, Ordering::Relaxed);
                return;
            }
        };
        self.processing_nanos
            .fetch_add(nanos(processing_time), Ordering::Relaxed);
        self.last_activity.store(
            nanos(end.saturating_duration_since(epoch())).saturating_add(1),
            Ordering::Relaxed,
        );
    }

    /// What a bridge has exported of these metrics so far; the bridge updates it as it
    /// exports.
    pub(crate) fn exported(&self) -> MutexGuard<'_, Exported> {
        self.exported.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records a restart of the actor.
    pub fn record_restart(&self, reason: RestartReason) {
        self.restarts[reason.index()].fetch_add(1, Ordering::Relaxed);
    }

    /// Records a state transition of the actor.
    pub fn record_state_transition(&self) {
        self.state_transitions.fetch_add(1, Ordering::Relaxed);
    }

    /// Reports the actor's current memory use in bytes; the peak is kept.
    pub fn record_memory_usage(&self, bytes: u64) {
        self.peak_memory.fetch_max(bytes, Ordering::Relaxed);
    }

    /// Messages handled successfully.
    pub fn messages_processed(&self) -> u64 {
        self.processed.load(Ordering::Relaxed)
    }

    /// Messages that failed.
    pub fn messages_failed(&self) -> u64 {
        self.failed.load(Ordering::Relaxed)
    }

    /// Restarts for every reason.
    pub fn restarts(&self) -> u64 {
        self.restarts
            .iter()
            .map(|r| r.load(Ordering::Relaxed))
            .sum()
    }

    /// Processed over processed plus failed; 1.0 with no messages.
    pub fn success_rate(&self) -> f64 {
        success_rate(self.messages_processed(), self.messages_failed())
    }

    /// Failed over processed plus failed; 0.0 with no messages.
    pub fn error_rate(&self) -> f64 {
        1.0 - self.success_rate()
    }

    /// Success rate above 0.95 and error rate below 0.05.
    pub fn is_healthy(&self) -> bool {
        healthy(self.success_rate(), self.error_rate())
    }

    /// When the actor last finished a message, if it ever did.
    pub fn last_activity(&self) -> Option<Instant> {
        match self.last_activity.load(Ordering::Relaxed) {
            0 => None,
            n => epoch().checked_add(Duration::from_nanos(n - 1)),
        }
    }

    /// A copy of every counter.
    pub fn snapshot(&self) -> MetricsSnapshot {
        let messages_processed = self.messages_processed();
        let messages_failed = self.messages_failed();
        let total_processing_time =
            Duration::from_nanos(self.processing_nanos.load(Ordering::Relaxed));
        let handled = messages_processed + messages_failed;
        let restarts_by_reason: [u64; REASONS] =
            std::array::from_fn(|i| self.restarts[i].load(Ordering::Relaxed));
        MetricsSnapshot {
            messages_processed,
            messages_failed,
            messages_cancelled: self.cancelled.load(Ordering::Relaxed),
            total_processing_time,
            avg_processing_time: match handled {
                0 => Duration::ZERO,
                n => Duration::from_nanos(nanos(total_processing_time) / n),
            },
            mailbox: self.mailbox.snapshot(),
            restarts: restarts_by_reason.iter().sum(),
            restarts_by_reason,
            state_transitions: self.state_transitions.load(Ordering::Relaxed),
            peak_memory_usage: self.peak_memory.load(Ordering::Relaxed),
            last_activity: self.last_activity(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_follow_the_seed_rules() {
        let m = ActorMetrics::new();
        assert_eq!((m.success_rate(), m.error_rate()), (1.0, 0.0));
        assert!(m.is_healthy());
        for _ in 0..95 {
            m.record_message(Duration::ZERO, true);
        }
        for _ in 0..5 {
            m.record_message(Duration::ZERO, false);
        }
        // Exactly 95 % is not "above 95 %".
        assert!(!m.is_healthy());
        assert!(!m.snapshot().is_healthy());
        m.record_message(Duration::ZERO, true);
        assert!(m.is_healthy());
    }

    #[test]
    fn cancelled_messages_are_neither_processed_nor_failed() {
        let m = ActorMetrics::new();
        m.record_outcome(Duration::from_secs(1), MessageOutcome::Cancelled);
        m.record_outcome(Duration::from_secs(1), MessageOutcome::Panicked);
        let s = m.snapshot();
        assert_eq!(
            (
                s.messages_processed,
                s.messages_failed,
                s.messages_cancelled
            ),
            (0, 1, 1)
        );
        assert_eq!(s.total_processing_time, Duration::from_secs(1));
        assert!(s.last_activity.is_some());
    }

    #[test]
    fn restarts_memory_and_transitions_are_kept() {
        let m = ActorMetrics::new();
        assert_eq!(m.last_activity(), None);
        m.record_restart(RestartReason::Panic);
        m.record_restart(RestartReason::Panic);
        m.record_restart(RestartReason::Timeout);
        m.record_state_transition();
        m.record_memory_usage(10);
        m.record_memory_usage(4);
        let s = m.snapshot();
        assert_eq!(s.restarts, 3);
        assert_eq!(s.restarts_by_reason[RestartReason::Panic.index()], 2);
        assert_eq!((s.state_transitions, s.peak_memory_usage), (1, 10));
    }
}
