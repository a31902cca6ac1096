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

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{ActorMetrics, HandlerSite, MessageOutcome};
use crate::catalogue::actor::{
    ACTOR_MESSAGES_PROCESSED, ACTOR_MESSAGE_ERRORS, ACTOR_MESSAGE_OUTCOMES,
};

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
/// use alys_metrics::actor::{HandlerSite, MessageGuard, SiteRegistration};
/// use alys_metrics::labels::{ActorType, MessageType};
///
/// static SITE: HandlerSite =
///     HandlerSite::new("IngestActor", "Ingest", ActorType::Stream, MessageType::Custom(7));
/// alys_metrics::__private::inventory::submit! { SiteRegistration(&SITE) }
///
/// let guard = MessageGuard::start(&SITE);
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
    site: &'static HandlerSite,
    start: Instant,
    /// When the handler's call returned (set by [`close_sync`](super::measure::close_sync)):
    /// the end of a message finished with its call's reply, read once for the guard and the
    /// handler's actor scope.
    returned: Option<Instant>,
    armed: bool,
    track: T,
}

impl MessageGuard<Untracked> {
    /// Counts a message arriving at `site` and starts its clock.
    #[inline]
    pub fn start(site: &'static HandlerSite) -> Self {
        Self::start_tracked(site, Untracked)
    }
}

impl<T: Track> MessageGuard<T> {
    /// As [`start`](MessageGuard::start), also reporting the message to `track`.
    #[inline]
    pub fn start_tracked(site: &'static HandlerSite, track: T) -> Self {
        Self::start_at(site, track, Instant::now())
    }

    /// As [`start_tracked`](MessageGuard::start_tracked), started at `start`: a clock reading
    /// made just now and shared with the handler's actor scope.
    #[inline]
    pub(crate) fn start_at(site: &'static HandlerSite, track: T, start: Instant) -> Self {
        site.count_message();
        Self {
            site,
            start,
            returned: None,
            armed: true,
            track,
        }
    }

    /// Notes that the handler's call returned at `at`, for [`finish_returned`](Self::finish_returned).
    #[inline]
    pub(crate) fn set_returned(&mut self, at: Instant) {
        self.returned = Some(at);
    }

    /// As [`finish`](MessageGuard::finish), ending at the instant the handler's call returned
    /// when it was noted (a reply finished with its call), else now.
    #[inline]
    pub(crate) fn finish_returned(mut self, is_err: bool) {
        let end = self.returned.unwrap_or_else(Instant::now);
        self.record_at(
            if is_err {
                MessageOutcome::Error
            } else {
                MessageOutcome::Ok
            },
            end,
        );
    }

    /// The site the guard measures.
    pub fn site(&self) -> &'static HandlerSite {
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
        if self.armed {
            self.record_at(outcome, Instant::now());
        }
    }

    /// As [`record`](MessageGuard::record), the message ending at `end` (a clock reading made
    /// just now and shared with the handler's actor scope).
    #[inline]
    pub(crate) fn record_at(&mut self, outcome: MessageOutcome, end: Instant) {
        if !self.armed {
            return;
        }
        self.armed = false;
        let elapsed = end.saturating_duration_since(self.start);
        let actor = self.site.actor_type;
        ACTOR_MESSAGE_OUTCOMES.with(actor, outcome).inc();
        if outcome != MessageOutcome::Cancelled {
            self.site
                .observe_nanos_traced(u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX));
            self.site.finished(outcome != MessageOutcome::Ok, end);
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
