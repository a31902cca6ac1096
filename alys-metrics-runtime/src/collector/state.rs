//! The collector's state as the exporter's `/health` and `/ready` read it, and the clock it
//! measures ages with.

#[cfg(feature = "process-collector")]
use std::sync::{Arc, Mutex, MutexGuard};
#[cfg(feature = "process-collector")]
use std::time::{Duration, Instant};

#[cfg(feature = "process-collector")]
use tokio::sync::watch;

#[cfg(feature = "process-collector")]
use super::health::{ProcessHealthStatus, ProcessResourceAttribution};

#[cfg(feature = "process-collector")]
/// How long collection may fail before `/health` reports `degraded` and an error is logged.
pub const STALE_AFTER: Duration = Duration::from_secs(300);

// The clocks live in `crate::clock` (below every domain module, which all use them); these
// keep their old paths.
pub use crate::clock::{Clock, ManualClock, RuntimeClock};

#[cfg(feature = "process-collector")]
/// A snapshot of the collector's state.
#[derive(Clone, Debug, PartialEq)]
pub struct CollectorStatus {
    /// Ticks run so far.
    pub ticks: u64,
    /// Ticks in a row, up to the last one, in which every sub-collection failed.
    pub consecutive_failures: u64,
    /// Ticks in which every sub-collection failed, in all.
    pub total_failures: u64,
    /// Whether any tick has succeeded (at least partly).
    pub has_succeeded: bool,
    /// Seconds since a tick last succeeded; since the collector was created when none has.
    pub seconds_since_success: f64,
    /// True when [`seconds_since_success`](Self::seconds_since_success) exceeds
    /// [`STALE_AFTER`].
    pub stale: bool,
    /// How long the last tick took.
    pub last_duration: Duration,
    /// The process's health from the last tick that read both the process and the host's
    /// memory; `None` until then, and again once that reading is older than [`STALE_AFTER`]
    /// (see [`process_health_stale`](Self::process_health_stale)).
    pub process_health: Option<ProcessHealthStatus>,
    /// The attribution that health was computed from (`None` exactly when `process_health` is).
    pub attribution: Option<ProcessResourceAttribution>,
    /// True when no tick has read both the process and the host's memory for over
    /// [`STALE_AFTER`] (since the collector was created when none has), although other
    /// sub-collections may succeed: the last reading is then dropped rather than reported as
    /// current.
    pub process_health_stale: bool,
}

#[cfg(feature = "process-collector")]
#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) created: Instant,
    pub(crate) last_success: Option<Instant>,
    pub(crate) ticks: u64,
    pub(crate) consecutive_failures: u64,
    pub(crate) total_failures: u64,
    pub(crate) last_duration: Duration,
    pub(crate) attribution: Option<ProcessResourceAttribution>,
    pub(crate) health: Option<ProcessHealthStatus>,
    /// When `health` and `attribution` were last read.
    pub(crate) health_read_at: Option<Instant>,
    /// Whether the "no success for 300 s" error was logged since the last success.
    pub(crate) stale_logged: bool,
    /// Which sub-collections failed in the last tick (for logging transitions only).
    pub(crate) failing: [bool; 5],
}

#[cfg(feature = "process-collector")]
/// The collector's shared state: read by the exporter, written by the collector after each
/// tick. Obtain it from [`ProcessCollector::state`](super::ProcessCollector::state) or from the
/// exporter's `MetricsServer::collector`.
pub struct CollectorState {
    clock: Arc<dyn Clock>,
    inner: Mutex<Inner>,
    first_tick: watch::Sender<bool>,
}

#[cfg(feature = "process-collector")]
impl std::fmt::Debug for CollectorState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CollectorState")
            .field("status", &self.status())
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "process-collector")]
impl CollectorState {
    pub(crate) fn new(clock: Arc<dyn Clock>) -> Self {
        let created = clock.now();
        Self {
            clock,
            inner: Mutex::new(Inner {
                created,
                last_success: None,
                ticks: 0,
                consecutive_failures: 0,
                total_failures: 0,
                last_duration: Duration::ZERO,
                attribution: None,
                health: None,
                health_read_at: None,
                stale_logged: false,
                failing: [false; 5],
            }),
            first_tick: watch::Sender::new(false),
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn now(&self) -> Instant {
        self.clock.now()
    }

    pub(crate) fn mark_ticked(&self) {
        self.first_tick.send_replace(true);
    }

    pub(crate) fn age(inner: &Inner, now: Instant) -> Duration {
        now.saturating_duration_since(inner.last_success.unwrap_or(inner.created))
    }

    /// Seconds since a tick last succeeded (since creation when none has).
    pub fn seconds_since_success(&self) -> f64 {
        let now = self.clock.now();
        Self::age(&self.lock(), now).as_secs_f64()
    }

    /// Whether the first tick has run (successfully or not).
    pub fn has_run(&self) -> bool {
        *self.first_tick.borrow()
    }

    /// Waits until the first tick has run.
    pub async fn wait_first_tick(&self) {
        let mut rx = self.first_tick.subscribe();
        // The sender lives in `self`, so the channel cannot close while this borrows it.
        let _ = rx.wait_for(|ran| *ran).await;
    }

    /// A snapshot of the state now.
    pub fn status(&self) -> CollectorStatus {
        let now = self.clock.now();
        let inner = self.lock();
        let age = Self::age(&inner, now);
        let health_age =
            now.saturating_duration_since(inner.health_read_at.unwrap_or(inner.created));
        let process_health_stale = health_age > STALE_AFTER;
        let (process_health, attribution) = if process_health_stale {
            (None, None)
        } else {
            (inner.health, inner.attribution)
        };
        CollectorStatus {
            ticks: inner.ticks,
            consecutive_failures: inner.consecutive_failures,
            total_failures: inner.total_failures,
            has_succeeded: inner.last_success.is_some(),
            seconds_since_success: age.as_secs_f64(),
            stale: age > STALE_AFTER,
            last_duration: inner.last_duration,
            process_health,
            attribution,
            process_health_stale,
        }
    }
}
