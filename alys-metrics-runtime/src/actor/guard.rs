//! Per-message instrumentation: what `#[instrument_actor]` expands to, usable by hand too.
//!
//! A [`MessageGuard`] is started when a message arrives and finished with the handler's
//! result. Starting it counts the message in `alys_actor_messages_total`; finishing it records
//! the outcome, the latency of this message and the processed or error counter. If it is
//! dropped unfinished it records `panicked` (the thread is unwinding) or `cancelled` (the
//! future that owned it was dropped), so `alys_actor_messages_in_flight` (messages started
//! minus messages finished) returns to 0 on every path.
//!
//! The update path is a few relaxed atomic operations on pre-resolved series, two
//! `Instant::now()` and one histogram observation: no hashing, locking or allocation.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use super::{ActorMetrics, MessageOutcome};
use crate::catalogue::actor::{
    ACTOR_MESSAGES, ACTOR_MESSAGES_PROCESSED, ACTOR_MESSAGE_ERRORS, ACTOR_MESSAGE_LATENCY,
    ACTOR_MESSAGE_OUTCOMES,
};
use crate::labels::{ActorType, MessageType};

/// Where a message is handled: the labels every metric of the message carries.
///
/// `#[instrument_actor]` builds one as a `const` per handler.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ActorSite {
    /// The `actor_type` label.
    pub actor_type: ActorType,
    /// The `message_type` label.
    pub message_type: MessageType,
}

impl ActorSite {
    /// A site for an actor type and a message type.
    pub const fn new(actor_type: ActorType, message_type: MessageType) -> Self {
        Self {
            actor_type,
            message_type,
        }
    }
}

/// Where a guard also reports each finished message, besides the Prometheus families.
pub trait Track {
    /// True when the guard itself counts `alys_actor_messages_processed_total` and
    /// `alys_actor_message_errors_total`; false when the tracker's counts reach them another
    /// way (an [`ActorMetrics`] is exported by the
    /// [`ActorMetricsBridge`](super::ActorMetricsBridge)).
    const COUNTS_DIRECTLY: bool;
    /// Records one finished message, which ended at `end`.
    fn record(&self, elapsed: Duration, outcome: MessageOutcome, end: Instant);
}

/// No per-actor tracking: the guard writes every family itself.
#[derive(Clone, Copy, Debug, Default)]
pub struct Untracked;

impl Track for Untracked {
    const COUNTS_DIRECTLY: bool = true;
    #[inline(always)]
    fn record(&self, _: Duration, _: MessageOutcome, _: Instant) {}
}

/// Tracking into one actor's [`ActorMetrics`]; its processed and failed counts reach
/// Prometheus through the [`ActorMetricsBridge`](super::ActorMetricsBridge) the metrics are
/// registered with, as deltas.
#[derive(Clone, Debug)]
pub struct Tracked(pub Arc<ActorMetrics>);

impl Track for Tracked {
    const COUNTS_DIRECTLY: bool = false;
    #[inline]
    fn record(&self, elapsed: Duration, outcome: MessageOutcome, end: Instant) {
        self.0.record_outcome_at(elapsed, outcome, end);
    }
}

/// Measures one message: started on arrival, finished with the handler's result.
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use alys_metrics::actor::{ActorSite, MessageGuard};
/// use alys_metrics::labels::{ActorType, MessageType};
///
/// const SITE: ActorSite = ActorSite::new(ActorType::Stream, MessageType::Custom(7));
/// let guard = MessageGuard::start(SITE);
/// let result: Result<(), &str> = Err("bad input");
/// guard.finish(result.is_err());
///
/// let text = alys_metrics::registry().encode_to_string();
/// assert!(text.contains(
///     "alys_actor_message_outcomes_total{actor_type=\"stream\",outcome=\"error\"} 1\n"
/// ));
/// ```
#[must_use = "a message guard records `cancelled` when it is dropped unfinished; call `finish`"]
#[derive(Debug)]
pub struct MessageGuard<T: Track = Untracked> {
    site: ActorSite,
    start: Instant,
    armed: bool,
    track: T,
}

impl MessageGuard<Untracked> {
    /// Counts a message arriving at `site` and starts its clock.
    #[inline]
    pub fn start(site: ActorSite) -> Self {
        Self::start_tracked(site, Untracked)
    }
}

impl<T: Track> MessageGuard<T> {
    /// As [`start`](MessageGuard::start), also reporting the message to `track`.
    #[inline]
    pub fn start_tracked(site: ActorSite, track: T) -> Self {
        ACTOR_MESSAGES
            .with(site.actor_type, site.message_type)
            .inc();
        Self {
            site,
            start: Instant::now(),
            armed: true,
            track,
        }
    }

    /// The site the guard measures.
    pub fn site(&self) -> ActorSite {
        self.site
    }

    /// Records the message as handled: outcome `error` when `is_err`, else `ok`.
    #[inline]
    pub fn finish(mut self, is_err: bool) {
        self.record(if is_err {
            MessageOutcome::Error
        } else {
            MessageOutcome::Ok
        });
    }

    /// Records the message with an explicit outcome (once; later calls do nothing).
    #[inline]
    pub fn record(&mut self, outcome: MessageOutcome) {
        if !self.armed {
            return;
        }
        self.armed = false;
        let end = Instant::now();
        let elapsed = end.saturating_duration_since(self.start);
        let actor = self.site.actor_type;
        ACTOR_MESSAGE_OUTCOMES.with(actor, outcome).inc();
        if outcome != MessageOutcome::Cancelled {
            ACTOR_MESSAGE_LATENCY
                .with(actor)
                .observe(elapsed.as_secs_f64());
        }
        if T::COUNTS_DIRECTLY {
            match outcome {
                MessageOutcome::Ok => ACTOR_MESSAGES_PROCESSED.with(actor).inc(),
                MessageOutcome::Error | MessageOutcome::Panicked => {
                    ACTOR_MESSAGE_ERRORS.with(actor).inc()
                }
                MessageOutcome::Cancelled => {}
            }
        }
        self.track.record(elapsed, outcome, end);
    }
}

impl<T: Track> Drop for MessageGuard<T> {
    fn drop(&mut self) {
        if self.armed {
            self.record(if std::thread::panicking() {
                MessageOutcome::Panicked
            } else {
                MessageOutcome::Cancelled
            });
        }
    }
}

/// Polls a pinned future and records `panicked` on its guard if a poll unwinds.
///
/// A future's locals are not dropped while a panic unwinds through `poll` (executors drop
/// the future later, after catching the panic), so the guard inside the future could only
/// see a plain drop; this wrapper sees the unwinding itself.
#[derive(Debug)]
#[must_use = "futures do nothing unless polled"]
pub struct Polled<'a, F, T: Track> {
    future: Pin<&'a mut F>,
    guard: &'a mut MessageGuard<T>,
}

impl<'a, F: Future, T: Track> Polled<'a, F, T> {
    /// Wraps `future`, measured by `guard`.
    #[inline]
    pub fn new(future: Pin<&'a mut F>, guard: &'a mut MessageGuard<T>) -> Self {
        Self { future, guard }
    }
}

/// Records `panicked` when dropped, that is unless it is forgotten after a poll returns.
struct PanicSentinel<'a, T: Track>(&'a mut MessageGuard<T>);

impl<T: Track> Drop for PanicSentinel<'_, T> {
    fn drop(&mut self) {
        self.0.record(MessageOutcome::Panicked);
    }
}

impl<F: Future, T: Track> Future for Polled<'_, F, T> {
    type Output = F::Output;

    #[inline]
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = &mut *self;
        let sentinel = PanicSentinel(&mut *this.guard);
        let poll = this.future.as_mut().poll(cx);
        std::mem::forget(sentinel);
        poll
    }
}
