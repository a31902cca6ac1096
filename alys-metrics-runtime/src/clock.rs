//! Where time is read: [`Clock`], tokio's [`RuntimeClock`] and the [`ManualClock`] tests move
//! by hand. Used by the collector (ages, tick durations) and the actor system's circuit
//! breakers; `collector` re-exports them under their old paths.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Where the collector reads the time to measure "seconds since the last success" and how long
/// each tick took.
///
/// The default, [`RuntimeClock`], follows tokio's clock (so it also follows
/// `tokio::time::pause`); tests that drive `/health` over real HTTP use a [`ManualClock`].
pub trait Clock: Send + Sync + 'static {
    /// The current instant.
    fn now(&self) -> Instant;
}

/// Tokio's clock: real time, or the paused clock under `tokio::time::pause`.
///
/// Built without tokio (no `process-collector`, `exporter` or `actor` feature) it is
/// [`Instant::now`].
#[derive(Clone, Copy, Debug, Default)]
pub struct RuntimeClock;

impl Clock for RuntimeClock {
    #[cfg(any(feature = "process-collector", feature = "actor"))]
    fn now(&self) -> Instant {
        tokio::time::Instant::now().into_std()
    }

    #[cfg(not(any(feature = "process-collector", feature = "actor")))]
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// A clock that moves only when told to, for tests.
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use std::time::Duration;
/// use alys_metrics::clock::{Clock, ManualClock};
///
/// let clock = ManualClock::new();
/// let t0 = clock.now();
/// clock.advance(Duration::from_secs(301));
/// assert_eq!(clock.now() - t0, Duration::from_secs(301));
/// ```
#[derive(Debug)]
pub struct ManualClock {
    base: Instant,
    offset_nanos: AtomicU64,
}

impl ManualClock {
    /// A clock standing at the current instant.
    pub fn new() -> Self {
        Self {
            base: Instant::now(),
            offset_nanos: AtomicU64::new(0),
        }
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let nanos = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        self.offset_nanos.fetch_add(nanos, Ordering::Relaxed);
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        self.base + Duration::from_nanos(self.offset_nanos.load(Ordering::Relaxed))
    }
}

impl<C: Clock + ?Sized> Clock for Arc<C> {
    fn now(&self) -> Instant {
        (**self).now()
    }
}

/// The hot path's clock: what a handler's latency, busy time and last activity are read from.
///
/// A reading is a tick of [`quanta`]'s clock: the CPU's time-stamp counter where it is invariant
/// (calibrated against the monotonic clock once, on first use; a read is `rdtsc`), else the
/// monotonic clock in nanoseconds. Only differences of readings mean anything:
/// [`nanos_between`] turns two into nanoseconds (a multiply and a shift), so a handler reads
/// the clock once when it starts and once when it ends, in a `u64`.
#[inline]
pub(crate) fn ticks() -> u64 {
    hot_clock().raw()
}

/// The nanoseconds from the reading `start` to the reading `end` (0 when `end` is not later).
#[inline]
pub(crate) fn nanos_between(start: u64, end: u64) -> u64 {
    hot_clock().delta_as_nanos(start, end)
}

/// A number of ticks (a difference of readings) in nanoseconds.
#[inline]
pub(crate) fn ticks_as_nanos(ticks: u64) -> u64 {
    nanos_between(0, ticks)
}

/// The calibrated clock (calibrating takes about a millisecond, once).
#[inline]
fn hot_clock() -> &'static quanta::Clock {
    static CLOCK: std::sync::OnceLock<quanta::Clock> = std::sync::OnceLock::new();
    CLOCK.get_or_init(quanta::Clock::new)
}

/// Calibrates the hot path's clock now (the registry's start), so that no message pays for it.
pub(crate) fn warm_up() {
    hot_clock();
}

/// The Unix time, in seconds, of the reading `at` (a reading in the past): the wall clock now,
/// less the time since.
pub(crate) fn unix_seconds_of(at: u64) -> f64 {
    let ago = Duration::from_nanos(nanos_between(at, ticks()));
    std::time::SystemTime::now()
        .checked_sub(ago)
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0.0, |d| d.as_secs_f64())
}
