//! Per-message instrumentation: what `#[instrument_actor]` expands to, usable by hand too.
//!
//! A [`MessageGuard`] is started when a message arrives and finished with the handler's
//! result. Starting it counts the message at its [`HandlerSite`]; finishing it records the
//! outcome and the latency of this message there. If it is dropped unfinished it records
//! `panicked` (the thread is unwinding) or `cancelled` (the future that owned it was dropped),
//! so `alys_actor_messages_in_flight` (messages started minus messages finished) returns to 0
//! on every path.
//!
//! The update path is a few relaxed atomic operations on the site's own counters and two
//! clock readings: no hashing, locking or allocation.

use super::{HandlerSite, MessageOutcome};

/// [`MessageGuard::returned`] before the handler's call returned.
const NOT_RETURNED: u64 = u64::MAX;
use crate::clock::ticks;
use crate::metric::exemplar::{current_trace_id, TraceId};

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
pub struct MessageGuard {
    site: &'static HandlerSite,
    /// When the message started (`clock::ticks`).
    start: u64,
    /// When the handler's call returned (set by [`close_sync`](super::measure::close_sync)):
    /// the end of a message finished with its call's reply, one clock reading shared with the
    /// handler's actor scope; [`NOT_RETURNED`] before.
    returned: u64,
    /// The trace current when the handler returned a reply still to complete (a future): the
    /// exemplar's trace when none is current where the reply completes.
    trace: Option<TraceId>,
    armed: bool,
}

impl MessageGuard {
    /// Counts a message arriving at `site` and starts its clock.
    #[inline]
    pub fn start(site: &'static HandlerSite) -> Self {
        Self::start_at(site, ticks())
    }

    /// As [`start`](MessageGuard::start), started at `start` (`clock::ticks`): a clock
    /// reading made just now and shared with the handler's actor scope.
    #[inline]
    pub(crate) fn start_at(site: &'static HandlerSite, start: u64) -> Self {
        site.count_message();
        Self {
            site,
            start,
            returned: NOT_RETURNED,
            trace: None,
            armed: true,
        }
    }

    /// Notes that the handler's call returned at `at`, for [`finish_returned`](Self::finish_returned).
    #[inline]
    pub(crate) fn set_returned(&mut self, at: u64) {
        self.returned = at;
    }

    /// Keeps the trace current now, for a reply that completes later, perhaps outside it.
    #[inline]
    pub(crate) fn keep_trace(&mut self) {
        self.trace = current_trace_id();
    }

    /// As [`finish`](MessageGuard::finish), ending at the instant the handler's call returned
    /// when it was noted (a reply finished with its call), else now.
    #[inline]
    pub(crate) fn finish_returned(mut self, is_err: bool) {
        let end = match self.returned {
            NOT_RETURNED => ticks(),
            at => at,
        };
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
            self.record_at(outcome, ticks());
        }
    }

    /// As [`record`](MessageGuard::record), the message ending at `end` (a clock reading made
    /// just now and shared with the handler's actor scope).
    #[inline]
    pub(crate) fn record_at(&mut self, outcome: MessageOutcome, end: u64) {
        if !self.armed {
            return;
        }
        self.armed = false;
        let trace = if outcome == MessageOutcome::Cancelled {
            None
        } else {
            current_trace_id().or(self.trace)
        };
        self.site.finished(
            outcome,
            crate::clock::nanos_between(self.start, end),
            end,
            trace,
        );
    }
}

impl Drop for MessageGuard {
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
