//! Testing your instrumentation (feature `testing`; enable it in `[dev-dependencies]`).
//!
//! ```toml
//! [dev-dependencies]
//! alys-metrics = { version = "0.1", features = ["testing"] }
//! ```
//!
//! - [`capture`] starts a [`Capture`]: what the calling test causes, and only that, even while
//!   other tests run on other threads at once (`cargo test`'s default). It sees the updates made
//!   on the thread that took it and, when taken inside an actix `System` (`#[actix_rt::test]`),
//!   on every thread of that `System`; [`Capture::include_current_thread`] adds a thread the
//!   test starts itself, and [`Capture::wrap`] a future (a task of a multi-threaded runtime),
//!   wherever it is polled. Read it by type: [`Capture::handler`] for an `#[instrument_actor]`
//!   handler (`cap.handler::<ChainActor, ImportBlock>()`: messages, outcomes, in flight,
//!   latency), [`Capture::counter`] and [`Capture::histogram`] for any declared metric's child
//!   (`cap.counter(MY_COUNTER.with(Phase::Sync))`), [`Capture::time_block`] for a
//!   `#[time_block]` validator's timings.
//! - `assert_metric!` asserts on a series by its exposed name and
//!   labels, absolute or as the change since a capture began, and says what went wrong: the
//!   expected and actual values, the label sets that exist, the nearest name when one is
//!   misspelt. [`Exposition`] reads a text exposition for anything else.
//! - [`lint`] checks the registry's exposition as Prometheus's `promtool check metrics` and the
//!   crate's own rules do: names, units, HELP, histogram buckets, and bucket bounds no
//!   observation can reach.
//!
//! # Which deltas are exact under parallel tests
//!
//! The typed readings of a [`Capture`] ([`handler`](Capture::handler),
//! [`counter`](Capture::counter), [`histogram`](Capture::histogram),
//! [`time_block`](Capture::time_block)) are **scoped**: the metric types hand each update to the
//! live captures whose scope holds the updating thread, so another test's messages never show,
//! however the tests interleave. Gauges are levels, not deltas, and are not captured: read
//! them with `get()`. A counter raised with `set_total` (a total kept elsewhere) is not
//! captured either, nor are `BtcCounter`s and the families computed at scrape time (read those
//! by name).
//!
//! The scope is threads and wrapped futures: a `#[tokio::test(flavor = "multi_thread")]` runs
//! its tasks on worker threads the capture does not hold, so wrap them
//! (`tokio::spawn(cap.wrap(task))`), or use the default current-thread flavor or an actix
//! `System`. Two captures alive at once in one scope both see its updates.
//!
//! Readings by name (`assert_metric!` with a capture,
//! [`Capture::delta`]) compare the exposition now with a snapshot taken when the capture began:
//! exact only when no other running test moves the same series. Tests that assert by name on
//! shared series hold [`serial`] for their whole run.
//!
//! # Cost
//!
//! With the feature on and no capture alive, each counter increment, histogram observation and
//! handler message start/finish makes one relaxed load of a process-wide count (measured in
//! `BENCHMARKS.md`, "The `testing` feature's hook"). While a capture is alive every update also
//! takes a lock and a map lookup: that is for tests only; never enable the feature in a node's
//! build.
//!
//! # Example
//!
//! ```
//! # extern crate alys_metrics_runtime as alys_metrics;
//! use alys_metrics::prelude::*;
//! use alys_metrics::testing;
//!
//! /// Blocks imported, by the phase they arrived in.
//! #[alys_metric(counter, labels(phase: MigrationPhase))]
//! static DOC_IMPORTS: Counter;
//!
//! let cap = testing::capture();
//! DOC_IMPORTS.with(MigrationPhase::Foundation).inc_by(2);
//! assert_eq!(cap.counter(DOC_IMPORTS.with(MigrationPhase::Foundation)), 2.0);
//! alys_metrics::assert_metric!(cap, "alys_doc_imports_total{phase=\"foundation\"}", == 2.0);
//! assert_eq!(testing::lint(), []);
//! ```

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

use crate::actor::HandlerSite;
use crate::capture::{self, Seen, Sink};
use crate::labels::{LabelValue, MessageOutcome};
use crate::metric::{Counter, CounterValue, Histogram};

mod assert;
mod exposition;
mod lint;

pub use assert::{check_metric, Comparison};
pub use exposition::{nearest, Exposition, Family, Sample, Selector};
pub use lint::{lint, lint_text, Problem, Rule};

const _: () = assert!(capture::OUTCOMES == <MessageOutcome as LabelValue>::COUNT);

/// Observations a histogram received: how many, their sum, the smallest and the largest (in
/// the histogram's unit, seconds for durations).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Observations {
    /// How many observations.
    pub count: u64,
    /// Their sum.
    pub sum: f64,
    /// The smallest, when a capture saw them one by one (`None` for absolute readings).
    pub min: Option<f64>,
    /// The largest, as `min`.
    pub max: Option<f64>,
}

impl Observations {
    fn of(seen: &Seen) -> Self {
        Self {
            count: seen.observations,
            sum: seen.sum,
            min: seen.min,
            max: seen.max,
        }
    }

    fn merge(&mut self, o: &Self) {
        self.count += o.count;
        self.sum += o.sum;
        self.min = match (self.min, o.min) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.max = match (self.max, o.max) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }
}

/// What one `#[instrument_actor]` handler counted: messages started, finished by outcome, and
/// the latency of the finished ones (cancelled ones apart).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct HandlerCounts {
    /// Messages started.
    pub started: u64,
    /// Messages finished, by [`MessageOutcome`] index (`outcome(..)` reads it).
    pub outcomes: [u64; capture::OUTCOMES],
    /// The latency, in seconds, of the messages finished (cancelled ones apart).
    pub latency: Observations,
}

impl HandlerCounts {
    /// Messages that finished with `outcome`.
    pub fn outcome(&self, outcome: MessageOutcome) -> u64 {
        self.outcomes[outcome.index()]
    }

    /// Messages that finished `ok`.
    pub fn ok(&self) -> u64 {
        self.outcome(MessageOutcome::Ok)
    }

    /// Messages that finished `error` or `panicked`.
    pub fn errors(&self) -> u64 {
        self.outcome(MessageOutcome::Error) + self.outcome(MessageOutcome::Panicked)
    }

    /// Messages finished with any outcome.
    pub fn finished(&self) -> u64 {
        self.outcomes.iter().sum()
    }

    /// Messages started and not finished.
    pub fn in_flight(&self) -> u64 {
        self.started.saturating_sub(self.finished())
    }
}

/// The last segment of a type's name, generics left out: `node::ChainActor<T>` is
/// `ChainActor`, as `#[instrument_actor]` names its `actor` and `message` labels.
fn short_name<T: ?Sized>() -> &'static str {
    let full = std::any::type_name::<T>();
    let base = full.split('<').next().unwrap_or(full);
    base.rsplit("::").next().unwrap_or(base)
}

/// The `#[instrument_actor]` handler sites of one actor and message type (a `Handler` impl
/// and an inherent helper for one message are two sites of one series).
#[derive(Debug, Clone)]
pub struct HandlerSites {
    actor: &'static str,
    message: &'static str,
    sites: Vec<&'static HandlerSite>,
}

impl HandlerSites {
    /// The sites.
    pub fn sites(&self) -> &[&'static HandlerSite] {
        &self.sites
    }

    /// The `actor` and `message` labels.
    pub fn labels(&self) -> (&'static str, &'static str) {
        (self.actor, self.message)
    }

    /// Everything the sites counted since the process started (every test's messages: use a
    /// [`Capture`] for one test's).
    pub fn totals(&self) -> HandlerCounts {
        let mut c = HandlerCounts::default();
        for s in &self.sites {
            c.started += s.messages();
            for o in MessageOutcome::VALUES {
                c.outcomes[o.index()] += s.outcome(*o);
            }
            c.latency.merge(&Observations {
                count: s.latency().sample_count(),
                sum: s.latency().sample_sum(),
                min: None,
                max: None,
            });
        }
        c
    }
}

/// The `#[instrument_actor]` handler of message `M` on actor `A`, found by their type names
/// (the last path segment, without generics, as the macro names them).
///
/// # Panics
///
/// When no such handler is instrumented; the message names the handlers `A` and `M` have, and
/// the nearest one when a name looks misspelt. [`try_handler`] returns the message instead.
pub fn handler<A: ?Sized, M: ?Sized>() -> HandlerSites {
    try_handler::<A, M>().unwrap_or_else(|e| panic!("{e}"))
}

/// As [`handler`], with the reason as an `Err` rather than a panic.
pub fn try_handler<A: ?Sized, M: ?Sized>() -> Result<HandlerSites, String> {
    handler_named(short_name::<A>(), short_name::<M>())
}

/// The handler sites with these `actor` and `message` labels.
pub fn handler_named(actor: &str, message: &str) -> Result<HandlerSites, String> {
    let sites: Vec<_> = crate::actor::sites()
        .filter(|s| s.actor == actor && s.message == message)
        .collect();
    if let Some(first) = sites.first() {
        return Ok(HandlerSites {
            actor: first.actor,
            message: first.message,
            sites,
        });
    }
    let mut known: Vec<String> = crate::actor::sites()
        .map(|s| format!("{}/{}", s.actor, s.message))
        .collect();
    known.sort();
    known.dedup();
    let wanted = format!("{actor}/{message}");
    let of_actor: Vec<&String> = known
        .iter()
        .filter(|k| k.starts_with(&format!("{actor}/")))
        .collect();
    let mut msg = format!("no #[instrument_actor] handler of `{message}` on `{actor}`");
    if let Some(n) = nearest(&wanted, known.iter().map(String::as_str)) {
        msg.push_str(&format!("; did you mean `{n}`?"));
    }
    if of_actor.is_empty() {
        msg.push_str(&format!(
            "\n  `{actor}` has no instrumented handler; {} handlers are instrumented",
            known.len()
        ));
    } else {
        msg.push_str(&format!("\n  handlers of `{actor}`: {of_actor:?}"));
    }
    Err(msg)
}

/// A capture of the metric updates one test causes: see the [module docs](self).
///
/// Dropping it ends it. Readings taken after [`stop`](Self::stop) keep what it saw.
#[derive(Debug)]
pub struct Capture {
    sink: Arc<Sink>,
    start: Exposition,
    stopped: bool,
}

/// Starts a [`Capture`] of the calling thread (and its actix `System`, when in one), with a
/// snapshot of the exposition for the readings by name.
pub fn capture() -> Capture {
    let start = Exposition::scrape();
    Capture {
        sink: capture::open(),
        start,
        stopped: false,
    }
}

impl Capture {
    /// What the handler of message `M` on actor `A` counted in this capture.
    ///
    /// # Panics
    ///
    /// As [`handler`], when no such handler is instrumented.
    pub fn handler<A: ?Sized, M: ?Sized>(&self) -> HandlerCounts {
        self.handler_sites(&handler::<A, M>())
    }

    /// What these handler sites counted in this capture.
    pub fn handler_sites(&self, sites: &HandlerSites) -> HandlerCounts {
        let mut c = HandlerCounts::default();
        for s in &sites.sites {
            let seen = self.sink.seen(capture::key(*s));
            c.started += seen.started;
            for (acc, o) in c.outcomes.iter_mut().zip(seen.outcomes) {
                *acc += o;
            }
            c.latency.merge(&Observations::of(
                &self.sink.seen(capture::key(s.latency())),
            ));
        }
        c
    }

    /// How much `counter` (a declared metric's child: `X.with(..)`, or `&*X` without labels)
    /// went up in this capture.
    pub fn counter<N: CounterValue>(&self, counter: &Counter<N>) -> f64 {
        self.sink.seen(capture::key(counter)).added
    }

    /// What `histogram` (a declared metric's child) observed in this capture.
    pub fn histogram(&self, histogram: &Histogram) -> Observations {
        Observations::of(&self.sink.seen(capture::key(histogram)))
    }

    /// What `#[time_block(kind, validator = ..)]` functions recorded in this capture for
    /// `validator`: their durations, and (not per validator: this capture's whole count)
    /// validations that succeeded or failed and timings dropped. Looking a validator up gives
    /// it a series, as timing it would.
    #[cfg(feature = "chain")]
    #[cfg_attr(docsrs, doc(cfg(feature = "chain")))]
    pub fn time_block(
        &self,
        kind: crate::chain::BlockTimerKind,
        validator: &str,
    ) -> TimeBlockCounts {
        use crate::catalogue::chain::{
            BLOCK_PRODUCTION_DURATION, BLOCK_TIMINGS_DROPPED, BLOCK_VALIDATIONS,
            BLOCK_VALIDATION_DURATION,
        };
        use crate::chain::{BlockTimerKind, DropCause};
        use crate::labels::ValidationResult;
        let child = match kind {
            BlockTimerKind::Production => BLOCK_PRODUCTION_DURATION.with(validator),
            BlockTimerKind::Validation => BLOCK_VALIDATION_DURATION.with(validator),
        };
        let (succeeded, failed) = match kind {
            BlockTimerKind::Production => (0, 0),
            BlockTimerKind::Validation => (
                self.counter(BLOCK_VALIDATIONS.with(ValidationResult::Success)) as u64,
                self.counter(BLOCK_VALIDATIONS.with(ValidationResult::Failure)) as u64,
            ),
        };
        TimeBlockCounts {
            timings: self.histogram(child),
            succeeded,
            failed,
            dropped: DropCause::VALUES
                .iter()
                .map(|c| self.counter(BLOCK_TIMINGS_DROPPED.with(kind, *c)) as u64)
                .sum(),
        }
    }

    /// The change of the series `selector` selects (`name` or `name{label="value",..}`,
    /// summed over the series that have those labels) since the capture began, read from the
    /// exposition: exact only when no other running test moves it (see [`serial`]).
    pub fn delta(&self, selector: &str) -> Result<f64, String> {
        let sel = Selector::parse(selector)?;
        let now = Exposition::scrape();
        let after = now.select(&sel)?;
        let before = self.start.select(&sel).unwrap_or(0.0);
        Ok(after - before)
    }

    /// The exposition when the capture began.
    pub fn start_exposition(&self) -> &Exposition {
        &self.start
    }

    /// Adds the calling thread to the capture: call it first thing in a thread the test spawns
    /// (`std::thread::scope(|s| s.spawn(|| { cap.include_current_thread(); .. }))`).
    pub fn include_current_thread(&self) {
        self.sink.add_current_thread();
    }

    /// Wraps a future so that what it does counts in this capture on whichever thread polls
    /// it: a task of a multi-threaded runtime (`tokio::spawn(cap.wrap(async { .. }))`). Only
    /// the wrapped future's own polls count, not tasks it spawns (wrap those too).
    pub fn wrap<F: Future>(&self, fut: F) -> Captured<F> {
        Captured {
            sink: Arc::clone(&self.sink),
            fut: Box::pin(fut),
        }
    }

    /// Whether the capture follows an actix `System` (it was taken inside one).
    pub fn follows_actix_system(&self) -> bool {
        self.sink.system().is_some()
    }

    /// Ends the capture now: later updates no longer count. Readings keep what it saw.
    pub fn stop(&mut self) {
        if !self.stopped {
            capture::close(&self.sink);
            self.stopped = true;
        }
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A future whose polls count in a [`Capture`], from [`Capture::wrap`].
#[derive(Debug)]
#[must_use = "a future does nothing unless polled"]
pub struct Captured<F> {
    sink: Arc<Sink>,
    fut: Pin<Box<F>>,
}

impl<F: Future> Future for Captured<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let _polling = capture::polling(&self.sink);
        self.fut.as_mut().poll(cx)
    }
}

/// What [`Capture::time_block`] reads.
#[cfg(feature = "chain")]
#[cfg_attr(docsrs, doc(cfg(feature = "chain")))]
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TimeBlockCounts {
    /// The validator's recorded durations, in seconds.
    pub timings: Observations,
    /// Validations that succeeded (every validator, this capture).
    pub succeeded: u64,
    /// Validations that failed (every validator, this capture).
    pub failed: u64,
    /// Timings of this kind dropped without a duration: discarded, panicked or abandoned.
    pub dropped: u64,
}

/// A process-wide lock for tests that assert on absolute values or by name on series other
/// tests may move: hold the guard for the test's whole run. A test that panics while holding
/// it poisons it; the next one takes it all the same.
pub fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Generic<T>(T);

    #[test]
    fn short_names_are_the_last_segment_without_generics() {
        assert_eq!(short_name::<Generic<Vec<u8>>>(), "Generic");
        assert_eq!(short_name::<str>(), "str");
        assert_eq!(short_name::<crate::Registry>(), "Registry");
    }

    #[test]
    fn a_capture_sees_its_thread_and_not_another() {
        static C: Counter = Counter::new();
        let cap = capture();
        C.inc();
        std::thread::scope(|s| {
            s.spawn(|| C.inc_by(10)); // not in the capture's scope
            s.spawn(|| {
                cap.include_current_thread();
                C.inc_by(100);
            });
        });
        assert_eq!(cap.counter(&C), 101.0);
        assert_eq!(C.get(), 111);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_wrapped_task_counts_wherever_it_is_polled() {
        static C: Counter = Counter::new();
        let cap = capture();
        let counted = tokio::spawn(cap.wrap(async {
            C.inc();
            tokio::task::yield_now().await;
            C.inc_by(2);
        }));
        // Runs on a worker thread, which the capture does not hold.
        let not_counted = tokio::spawn(async { C.inc_by(100) });
        counted.await.unwrap();
        not_counted.await.unwrap();
        assert_eq!(cap.counter(&C), 3.0);
        assert_eq!(C.get(), 103);
    }

    #[test]
    fn a_stopped_capture_keeps_what_it_saw() {
        static H: Histogram = Histogram::new(&[1.0]);
        let mut cap = capture();
        H.observe(0.5);
        H.observe(2.5);
        cap.stop();
        H.observe(9.0);
        let o = cap.histogram(&H);
        assert_eq!(
            (o.count, o.sum, o.min, o.max),
            (2, 3.0, Some(0.5), Some(2.5))
        );
    }
}
