//! [`ActorMetrics`]: what one actor reports about itself that no handler sees.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::{MailboxMetrics, MailboxSnapshot};
use crate::labels::{LabelValue, RestartReason};

const REASONS: usize = <RestartReason as LabelValue>::COUNT;

/// The counts of one [`ActorMetrics`] already exported to Prometheus by a bridge.
///
/// Kept with the metrics, not with a bridge's entry, so that metrics registered again (a
/// supervisor restart, or unregister then register) export only what is new.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Exported {
    pub(crate) dropped: u64,
    pub(crate) restarts: [u64; REASONS],
}

/// What one actor reports about itself that its handlers do not see: its mailbox, restarts by
/// reason (when a supervisor of the node's own restarts it), state transitions and peak
/// memory. Messages are counted by the handlers' `#[instrument_actor]` sites, not here.
///
/// Updates are relaxed atomic operations. The mailbox and restart counts reach Prometheus
/// through an [`ActorMetricsBridge`](super::ActorMetricsBridge) the metrics are registered
/// with, which exports what changed since its previous collection.
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use alys_metrics::actor::ActorMetrics;
/// use alys_metrics::labels::RestartReason;
///
/// let m = ActorMetrics::new();
/// m.mailbox().on_enqueue();
/// m.record_restart(RestartReason::Panic);
/// m.record_memory_usage(4096);
/// let s = m.snapshot();
/// assert_eq!((s.mailbox_size(), s.restarts, s.peak_memory_usage), (1, 1, 4096));
/// ```
#[derive(Debug)]
pub struct ActorMetrics {
    restarts: [AtomicU64; REASONS],
    state_transitions: AtomicU64,
    peak_memory: AtomicU64,
    mailbox: Arc<MailboxMetrics>,
    /// Touched only by a bridge's export, never on the hot path.
    exported: Mutex<Exported>,
}

impl Default for ActorMetrics {
    fn default() -> Self {
        Self::new()
    }
}

/// A copy of an actor's counters at one moment.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricsSnapshot {
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
}

impl MetricsSnapshot {
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
        Self {
            restarts: std::array::from_fn(|_| AtomicU64::new(0)),
            state_transitions: AtomicU64::new(0),
            peak_memory: AtomicU64::new(0),
            mailbox,
            exported: Mutex::new(Exported::default()),
        }
    }

    /// The actor's mailbox counters: pass them to
    /// [`mailbox::bounded`](super::mailbox::bounded), or update them by hand.
    pub fn mailbox(&self) -> &Arc<MailboxMetrics> {
        &self.mailbox
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

    /// Restarts for every reason.
    pub fn restarts(&self) -> u64 {
        self.restarts
            .iter()
            .map(|r| r.load(Ordering::Relaxed))
            .sum()
    }

    /// A copy of every counter.
    pub fn snapshot(&self) -> MetricsSnapshot {
        let restarts_by_reason: [u64; REASONS] =
            std::array::from_fn(|i| self.restarts[i].load(Ordering::Relaxed));
        MetricsSnapshot {
            mailbox: self.mailbox.snapshot(),
            restarts: restarts_by_reason.iter().sum(),
            restarts_by_reason,
            state_transitions: self.state_transitions.load(Ordering::Relaxed),
            peak_memory_usage: self.peak_memory.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restarts_memory_and_transitions_are_kept() {
        let m = ActorMetrics::new();
        m.record_restart(RestartReason::Panic);
        m.record_restart(RestartReason::Panic);
        m.record_restart(RestartReason::Timeout);
        m.record_state_transition();
        m.record_memory_usage(10);
        m.record_memory_usage(4);
        let s = m.snapshot();
        assert_eq!(s.restarts, 3);
        assert_eq!(m.restarts(), 3);
        assert_eq!(s.restarts_by_reason[RestartReason::Panic.index()], 2);
        assert_eq!((s.state_transitions, s.peak_memory_usage), (1, 10));
    }
}
