//! [`CircuitBreaker`]: stops calling a failing dependency for a while, and records its own
//! state in `alys_actor_circuit_breaker_state{actor,dependency}` (0 closed, 1 half-open,
//! 2 open), its transitions in `alys_actor_circuit_breaker_transitions_total` and the calls it
//! refused in `alys_actor_circuit_breaker_rejections_total`.
//!
//! # States
//!
//! - **Closed**: calls go through. The breaker opens after
//!   [`failure_threshold`](BreakerConfig::failure_threshold) failures in a row, or when the
//!   failure rate over the last [`FailureRate::window`] calls reaches
//!   [`FailureRate::rate`] (once at least [`FailureRate::min_calls`] were seen).
//! - **Open**: calls are refused ([`Rejected`]) for [`open_for`](BreakerConfig::open_for).
//! - **Half-open**: after the cool-down, up to [`half_open_calls`](BreakerConfig::half_open_calls)
//!   trial calls go through at a time (the others are refused). A trial's failure opens the
//!   breaker again for another cool-down; [`close_after`](BreakerConfig::close_after) trial
//!   successes close it.
//!
//! The move from open to half-open happens when the breaker is next asked (a call, or
//! [`state`](CircuitBreaker::state)), on the breaker's [`Clock`], which tests replace with a
//! [`ManualClock`](crate::clock::ManualClock).
//!
//! ```
//! # extern crate alys_metrics_runtime as alys_metrics;
//! use std::sync::Arc;
//! use std::time::Duration;
//! use alys_metrics::actor_system::{BreakerConfig, CircuitBreaker};
//! use alys_metrics::clock::ManualClock;
//! use alys_metrics::labels::{ActorType, BreakerState};
//!
//! let clock = Arc::new(ManualClock::new());
//! let config = BreakerConfig { failure_threshold: 2, open_for: Duration::from_secs(10), ..Default::default() };
//! let breaker = CircuitBreaker::with_clock(ActorType::Bridge, "bitcoind", config, clock.clone());
//!
//! for _ in 0..2 {
//!     let _ = breaker.call(|| Err::<(), _>("connection refused"));
//! }
//! assert_eq!(breaker.state(), BreakerState::Open);
//! assert!(breaker.call(|| Ok::<_, ()>(1)).unwrap_err().is_rejected());
//!
//! clock.advance(Duration::from_secs(10));
//! assert_eq!(breaker.state(), BreakerState::HalfOpen);
//! assert_eq!(breaker.call(|| Ok::<_, ()>(1)).unwrap(), 1);
//! assert_eq!(breaker.state(), BreakerState::Closed);
//!
//! let text = alys_metrics::registry().encode_to_string();
//! assert!(text.contains("alys_actor_circuit_breaker_state{actor=\"bridge\",dependency=\"bitcoind\"} 0\n"));
//! assert!(text.contains(
//!     "alys_actor_circuit_breaker_transitions_total{actor=\"bridge\",dependency=\"bitcoind\",state=\"open\"} 1\n"
//! ));
//! ```

use std::fmt;
use std::future::Future;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::dependency_pairs::{entry, Entry};
use crate::catalogue::actor_system::{
    ACTOR_CIRCUIT_BREAKER_REJECTIONS, ACTOR_CIRCUIT_BREAKER_TRANSITIONS,
};
use crate::clock::{Clock, RuntimeClock};
use crate::labels::{ActorType, BreakerState, LabelValue};
use crate::metric::Counter;

/// When a [`CircuitBreaker`] opens, how long it stays open and how it closes again.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BreakerConfig {
    /// Failures in a row that open the breaker (default 5; 0 is taken as 1).
    pub failure_threshold: u32,
    /// A failure rate that opens the breaker, or `None` (default: none).
    pub failure_rate: Option<FailureRate>,
    /// How long the breaker stays open before it lets trial calls through (default 30 s).
    pub open_for: Duration,
    /// Trial calls let through at a time while half-open (default 1; 0 is taken as 1).
    pub half_open_calls: u32,
    /// Trial successes that close the breaker (default 1; 0 is taken as 1).
    pub close_after: u32,
}

impl Default for BreakerConfig {
    fn default() -> Self {
        Self {
            failure_threshold: 5,
            failure_rate: None,
            open_for: Duration::from_secs(30),
            half_open_calls: 1,
            close_after: 1,
        }
    }
}

/// Opens a breaker when failures make up `rate` or more of the last `window` calls.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FailureRate {
    /// Calls looked at, the most recent ones (1 to 64; larger is taken as 64).
    pub window: u32,
    /// Calls the window must hold before the rate counts.
    pub min_calls: u32,
    /// The failure fraction, in `0.0..=1.0`, that opens the breaker.
    pub rate: f64,
}

/// A call refused because the breaker is open (or half-open with its trial calls taken).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rejected;

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the circuit breaker is open")
    }
}

impl std::error::Error for Rejected {}

/// The error of a call through a breaker: refused, or the call's own error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallError<E> {
    /// The breaker refused the call; the dependency was not called.
    Rejected,
    /// The call was made and failed.
    Failed(E),
}

impl<E> CallError<E> {
    /// True when the breaker refused the call.
    pub fn is_rejected(&self) -> bool {
        matches!(self, CallError::Rejected)
    }

    /// The call's own error, if it was made.
    pub fn into_failed(self) -> Option<E> {
        match self {
            CallError::Rejected => None,
            CallError::Failed(e) => Some(e),
        }
    }
}

impl<E: fmt::Display> fmt::Display for CallError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::Rejected => fmt::Display::fmt(&Rejected, f),
            CallError::Failed(e) => e.fmt(f),
        }
    }
}

impl<E: fmt::Debug + fmt::Display> std::error::Error for CallError<E> {}

/// A circuit breaker in front of one dependency of one actor type (see the [module](self)
/// docs). Share it between the actor's handlers by reference or in an `Arc`.
pub struct CircuitBreaker {
    actor: ActorType,
    dependency: Box<str>,
    config: BreakerConfig,
    clock: Arc<dyn Clock>,
    inner: Mutex<Inner>,
    exported: Option<Arc<Entry>>,
    transitions: [&'static Counter; BreakerState::COUNT],
    rejections: &'static Counter,
}

#[derive(Debug)]
struct Inner {
    state: BreakerState,
    consecutive_failures: u32,
    /// The last calls' outcomes, newest in bit 0: 1 = failure.
    window: u64,
    window_len: u32,
    opened_at: Instant,
    trials_in_flight: u32,
    trial_successes: u32,
    /// Bumped by every transition; a permit from an earlier state is not a trial of this one.
    epoch: u64,
}

impl fmt::Debug for CircuitBreaker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CircuitBreaker")
            .field("actor", &self.actor)
            .field("dependency", &self.dependency)
            .field("config", &self.config)
            .field("inner", &*self.lock())
            .finish_non_exhaustive()
    }
}

impl CircuitBreaker {
    /// A closed breaker for `actor`'s calls to `dependency`, on tokio's clock (real time, or
    /// the paused clock under `tokio::time::pause`).
    ///
    /// `dependency` is a label value: sanitised, and one of at most 16 distinct values per
    /// metric (then `"other"`); the breaker's state is exported for up to 64 distinct
    /// (actor, dependency) pairs in the process. A later breaker for the same pair (the actor
    /// restarted and built a new one) takes the pair's state gauge over.
    pub fn new(actor: ActorType, dependency: &str, config: BreakerConfig) -> Self {
        Self::with_clock(actor, dependency, config, Arc::new(RuntimeClock))
    }

    /// [`new`](Self::new) on `clock`.
    pub fn with_clock(
        actor: ActorType,
        dependency: &str,
        config: BreakerConfig,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let exported = entry(actor, dependency, None);
        if let Some(e) = &exported {
            e.breaker
                .store(BreakerState::Closed.index() as i64, Ordering::Relaxed);
        }
        let a = actor.as_str();
        let now = clock.now();
        Self {
            actor,
            dependency: dependency.into(),
            config,
            inner: Mutex::new(Inner {
                state: BreakerState::Closed,
                consecutive_failures: 0,
                window: 0,
                window_len: 0,
                opened_at: now,
                trials_in_flight: 0,
                trial_successes: 0,
                epoch: 0,
            }),
            clock,
            exported,
            transitions: std::array::from_fn(|i| {
                ACTOR_CIRCUIT_BREAKER_TRANSITIONS.with(a, dependency, BreakerState::VALUES[i])
            }),
            rejections: ACTOR_CIRCUIT_BREAKER_REJECTIONS.with(a, dependency),
        }
    }

    /// The actor type whose calls the breaker guards.
    pub fn actor(&self) -> ActorType {
        self.actor
    }

    /// The dependency's name, as given.
    pub fn dependency(&self) -> &str {
        &self.dependency
    }

    /// The configuration.
    pub fn config(&self) -> &BreakerConfig {
        &self.config
    }

    /// The state now (an open breaker whose cool-down is over becomes half-open here).
    pub fn state(&self) -> BreakerState {
        let mut inner = self.lock();
        self.refresh(&mut inner);
        inner.state
    }

    /// Asks to make one call. The [`Permit`] must be told how the call went
    /// ([`Permit::success`], [`Permit::failure`]); dropping it unused tells the breaker
    /// nothing (and gives a half-open trial slot back).
    ///
    /// # Errors
    ///
    /// [`Rejected`] while the breaker is open, or half-open with every trial slot taken;
    /// counted in `alys_actor_circuit_breaker_rejections_total`.
    pub fn try_acquire(&self) -> Result<Permit<'_>, Rejected> {
        let mut inner = self.lock();
        self.refresh(&mut inner);
        let epoch = inner.epoch;
        let trial = match inner.state {
            BreakerState::Closed => false,
            BreakerState::HalfOpen
                if inner.trials_in_flight < self.config.half_open_calls.max(1) =>
            {
                inner.trials_in_flight += 1;
                true
            }
            BreakerState::HalfOpen | BreakerState::Open => {
                drop(inner);
                self.rejections.inc();
                return Err(Rejected);
            }
        };
        Ok(Permit {
            breaker: self,
            trial,
            epoch,
            done: false,
        })
    }

    /// Runs `f` through the breaker: refused while open; an `Err` counts as a failure.
    ///
    /// # Errors
    ///
    /// [`CallError::Rejected`] when refused, [`CallError::Failed`] with `f`'s error.
    pub fn call<T, E>(&self, f: impl FnOnce() -> Result<T, E>) -> Result<T, CallError<E>> {
        let permit = self.try_acquire().map_err(|_| CallError::Rejected)?;
        let result = f();
        permit.record(result.is_ok());
        result.map_err(CallError::Failed)
    }

    /// Awaits `call` through the breaker: refused while open (then `call` is dropped
    /// unpolled); an `Err` counts as a failure; a call dropped before it finishes counts as
    /// nothing.
    ///
    /// # Errors
    ///
    /// [`CallError::Rejected`] when refused, [`CallError::Failed`] with the call's error.
    pub async fn call_async<T, E>(
        &self,
        call: impl Future<Output = Result<T, E>>,
    ) -> Result<T, CallError<E>> {
        let permit = self.try_acquire().map_err(|_| CallError::Rejected)?;
        let result = call.await;
        permit.record(result.is_ok());
        result.map_err(CallError::Failed)
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Open and cooled down: half-open.
    fn refresh(&self, inner: &mut Inner) {
        if inner.state == BreakerState::Open
            && self.clock.now().saturating_duration_since(inner.opened_at) >= self.config.open_for
        {
            self.transition(inner, BreakerState::HalfOpen);
        }
    }

    fn transition(&self, inner: &mut Inner, to: BreakerState) {
        let from = inner.state;
        inner.state = to;
        inner.consecutive_failures = 0;
        inner.window = 0;
        inner.window_len = 0;
        inner.trial_successes = 0;
        inner.epoch = inner.epoch.wrapping_add(1);
        if to == BreakerState::Open {
            inner.opened_at = self.clock.now();
        }
        inner.trials_in_flight = 0;
        self.transitions[to.index()].inc();
        if let Some(e) = &self.exported {
            e.breaker.store(to.index() as i64, Ordering::Relaxed);
        }
        if to == BreakerState::Open {
            tracing::warn!(
                actor = self.actor.as_str(),
                dependency = %self.dependency,
                from = from.as_str(),
                open_for_seconds = self.config.open_for.as_secs_f64(),
                "circuit breaker opened"
            );
        } else {
            tracing::info!(
                actor = self.actor.as_str(),
                dependency = %self.dependency,
                from = from.as_str(),
                to = to.as_str(),
                "circuit breaker changed state"
            );
        }
    }

    fn finish(&self, trial: bool, epoch: u64, success: bool) {
        let mut inner = self.lock();
        let trial = trial && epoch == inner.epoch;
        if trial {
            inner.trials_in_flight = inner.trials_in_flight.saturating_sub(1);
        }
        match inner.state {
            BreakerState::Closed => {
                inner.window = (inner.window << 1) | u64::from(!success);
                inner.window_len = inner.window_len.saturating_add(1);
                if success {
                    inner.consecutive_failures = 0;
                } else {
                    inner.consecutive_failures += 1;
                    if inner.consecutive_failures >= self.config.failure_threshold.max(1)
                        || self.rate_exceeded(&inner)
                    {
                        self.transition(&mut inner, BreakerState::Open);
                    }
                }
            }
            // Only trial calls decide a half-open breaker; calls let through before it opened
            // and finishing now tell nothing about the dependency after the cool-down.
            BreakerState::HalfOpen if trial => {
                if success {
                    inner.trial_successes += 1;
                    if inner.trial_successes >= self.config.close_after.max(1) {
                        self.transition(&mut inner, BreakerState::Closed);
                    }
                } else {
                    self.transition(&mut inner, BreakerState::Open);
                }
            }
            BreakerState::HalfOpen | BreakerState::Open => {}
        }
    }

    fn rate_exceeded(&self, inner: &Inner) -> bool {
        let Some(rate) = self.config.failure_rate else {
            return false;
        };
        let window = rate.window.clamp(1, 64);
        let seen = inner.window_len.min(window);
        if seen < rate.min_calls.max(1) {
            return false;
        }
        let mask = if seen == 64 {
            u64::MAX
        } else {
            (1u64 << seen) - 1
        };
        let failures = (inner.window & mask).count_ones();
        f64::from(failures) >= rate.rate * f64::from(seen)
    }
}

/// Leave to make one call through a [`CircuitBreaker`]; say how it went.
#[must_use = "tell the breaker how the call went with `success()` or `failure()`"]
#[derive(Debug)]
pub struct Permit<'a> {
    breaker: &'a CircuitBreaker,
    trial: bool,
    epoch: u64,
    done: bool,
}

impl Permit<'_> {
    /// The call succeeded.
    pub fn success(self) {
        self.record(true);
    }

    /// The call failed.
    pub fn failure(self) {
        self.record(false);
    }

    /// True when this call is one of a half-open breaker's trial calls.
    pub fn is_trial(&self) -> bool {
        self.trial
    }

    fn record(mut self, success: bool) {
        self.done = true;
        self.breaker.finish(self.trial, self.epoch, success);
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if !self.done && self.trial {
            let mut inner = self.breaker.lock();
            if inner.epoch == self.epoch {
                inner.trials_in_flight = inner.trials_in_flight.saturating_sub(1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    fn breaker(config: BreakerConfig) -> (CircuitBreaker, Arc<ManualClock>) {
        let clock = Arc::new(ManualClock::new());
        let b = CircuitBreaker::with_clock(ActorType::System, "unit", config, clock.clone());
        (b, clock)
    }

    #[test]
    fn failure_rate_opens_before_the_streak_does() {
        let (b, _) = breaker(BreakerConfig {
            failure_threshold: 100,
            failure_rate: Some(FailureRate {
                window: 10,
                min_calls: 10,
                rate: 0.5,
            }),
            ..Default::default()
        });
        // Alternating: never two failures in a row; the 10th call makes 5 of 10.
        for i in 0..9 {
            let _ = b.call(|| if i % 2 == 0 { Err(()) } else { Ok(()) });
            assert_eq!(b.state(), BreakerState::Closed, "call {i}");
        }
        let _ = b.call(|| Ok::<(), ()>(()));
        assert_eq!(b.state(), BreakerState::Closed, "4 of 10");
        let _ = b.call(|| Err::<(), ()>(()));
        assert_eq!(b.state(), BreakerState::Open, "5 of the last 10");
    }

    #[test]
    fn half_open_admits_the_configured_trials_and_a_dropped_permit_frees_its_slot() {
        let (b, clock) = breaker(BreakerConfig {
            failure_threshold: 1,
            half_open_calls: 2,
            close_after: 2,
            open_for: Duration::from_secs(5),
            ..Default::default()
        });
        b.try_acquire().unwrap().failure();
        assert_eq!(b.state(), BreakerState::Open);
        clock.advance(Duration::from_secs(4));
        assert_eq!(b.try_acquire().unwrap_err(), Rejected);
        clock.advance(Duration::from_secs(1));
        let p1 = b.try_acquire().unwrap();
        let p2 = b.try_acquire().unwrap();
        assert!(p1.is_trial() && p2.is_trial());
        assert_eq!(
            b.try_acquire().unwrap_err(),
            Rejected,
            "both trial slots taken"
        );
        drop(p2);
        let p3 = b.try_acquire().unwrap();
        p1.success();
        assert_eq!(b.state(), BreakerState::HalfOpen, "one of two successes");
        p3.success();
        assert_eq!(b.state(), BreakerState::Closed);
    }
}
