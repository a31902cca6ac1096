//! The actor message families computed when scraped from the handler sites, the one place
//! messages are counted (see `handler_site.rs`):
//!
//! - `alys_actor_message_outcomes_total{actor_type, outcome}`,
//!   `alys_actor_messages_processed_total{actor_type}` (`ok`) and
//!   `alys_actor_message_errors_total{actor_type}` (`error`, `panicked`): the sites' outcome
//!   counts, summed by actor type ([`OutcomeCounts`]);
//! - `alys_actor_messages_in_flight{actor_type}`: messages started minus messages finished
//!   ([`InFlightGauge`]), so it cannot drift and returns to 0 on every path;
//! - `alys_actor_message_throughput_per_second{actor_type}`: messages finished (`ok`, `error`,
//!   `panicked`) per second over the time since the previous computation (at least one
//!   second; a scrape sooner repeats the last value);
//! - `alys_actor_healthy_count`, `alys_actor_total_count`: the instrumented actors (by `actor`
//!   name) that finished a message, healthy when their success rate is above 95 % and their
//!   error rate below 5 %;
//! - `alys_actor_last_activity_timestamp_seconds{actor_type, actor}`: when an instrumented
//!   actor last finished a message, in Unix seconds; 0 before its first.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::handler_site::sites;
use crate::labels::{ActorType, LabelValue, MessageOutcome};
use crate::metric::encoder::Encoder;
use crate::metric::{Collect, Descriptor};

const TYPES: usize = <ActorType as LabelValue>::COUNT;
const OUTCOMES: usize = <MessageOutcome as LabelValue>::COUNT;

/// Messages finished, by actor type and outcome, summed over the sites.
fn finished_by_type() -> [[u64; OUTCOMES]; TYPES] {
    let mut out = [[0; OUTCOMES]; TYPES];
    for s in sites() {
        let row = &mut out[s.actor_type().index()];
        for o in MessageOutcome::VALUES {
            row[o.index()] += s.outcome(*o);
        }
    }
    out
}

/// Messages started, by actor type, summed over the sites.
fn started_by_type() -> [u64; TYPES] {
    let mut out = [0; TYPES];
    for s in sites() {
        out[s.actor_type().index()] += s.messages();
    }
    out
}

/// Which of the outcome families an [`OutcomeCounts`] exports.
#[derive(Debug, Clone, Copy)]
enum Outcomes {
    /// Every outcome, under an `outcome` label.
    All,
    /// `ok`.
    Processed,
    /// `error` and `panicked`.
    Errors,
}

impl Outcomes {
    fn counted(self) -> &'static [MessageOutcome] {
        match self {
            Outcomes::All => MessageOutcome::VALUES,
            Outcomes::Processed => &[MessageOutcome::Ok],
            Outcomes::Errors => &[MessageOutcome::Error, MessageOutcome::Panicked],
        }
    }
}

/// A counter family by actor type (and outcome) over the sites' outcome counts (see the
/// module documentation).
#[derive(Debug)]
pub struct OutcomeCounts {
    desc: &'static Descriptor,
    which: Outcomes,
}

impl OutcomeCounts {
    /// `alys_actor_message_outcomes_total{actor_type, outcome}`.
    pub const fn outcomes(desc: &'static Descriptor) -> Self {
        Self {
            desc,
            which: Outcomes::All,
        }
    }

    /// `alys_actor_messages_processed_total{actor_type}`: the `ok` outcomes.
    pub const fn processed(desc: &'static Descriptor) -> Self {
        Self {
            desc,
            which: Outcomes::Processed,
        }
    }

    /// `alys_actor_message_errors_total{actor_type}`: the `error` and `panicked` outcomes.
    pub const fn errors(desc: &'static Descriptor) -> Self {
        Self {
            desc,
            which: Outcomes::Errors,
        }
    }

    /// The messages of `actor_type` this family counts (every outcome it counts, added up).
    pub fn get(&self, actor_type: ActorType) -> u64 {
        self.which
            .counted()
            .iter()
            .map(|o| self.get_outcome(actor_type, *o))
            .sum()
    }

    /// The messages of `actor_type` that finished with `outcome`.
    pub fn get_outcome(&self, actor_type: ActorType, outcome: MessageOutcome) -> u64 {
        sites()
            .filter(|s| s.actor_type() == actor_type)
            .map(|s| s.outcome(outcome))
            .sum()
    }
}

impl Collect for OutcomeCounts {
    fn descriptor(&self) -> &'static Descriptor {
        self.desc
    }

    fn init(&self) {
        super::handler_site::init();
    }

    fn encode(&self, enc: &mut Encoder<'_>) {
        let mut family = enc.family(self.desc);
        let counts = finished_by_type();
        for t in ActorType::live() {
            let row = &counts[t.index()];
            match self.which {
                Outcomes::All => {
                    for o in MessageOutcome::VALUES {
                        let labels = [("actor_type", t.as_str()), ("outcome", o.as_str())];
                        family.sample(&labels, row[o.index()]);
                    }
                }
                which => {
                    let n: u64 = which.counted().iter().map(|o| row[o.index()]).sum();
                    family.sample(&[("actor_type", t.as_str())], n);
                }
            }
        }
    }

    fn series_count(&self) -> usize {
        match self.which {
            Outcomes::All => ActorType::live().count() * OUTCOMES,
            _ => ActorType::live().count(),
        }
    }
}

/// A gauge of the messages being handled now, by actor type: the messages started
/// (`alys_actor_messages_total`) minus the messages finished with any outcome
/// (`alys_actor_message_outcomes_total`). A [`MessageGuard`](super::MessageGuard) finishes
/// on every path (ok, error, panic, cancellation), so the gauge returns to 0.
#[derive(Debug)]
pub struct InFlightGauge {
    desc: &'static Descriptor,
}

impl InFlightGauge {
    /// The gauge described by `desc`.
    pub const fn new(desc: &'static Descriptor) -> Self {
        Self { desc }
    }

    /// Messages of `actor_type` being handled now.
    pub fn get(&self, actor_type: ActorType) -> i64 {
        in_flight()[actor_type.index()]
    }
}

/// Messages being handled now, by actor type.
fn in_flight() -> [i64; TYPES] {
    // Finished first: a message finishing between the two reads is then counted as started,
    // never as finished only.
    let finished = finished_by_type();
    let started = started_by_type();
    std::array::from_fn(|i| {
        let done: u64 = finished[i].iter().sum();
        i64::try_from(started[i].saturating_sub(done)).unwrap_or(i64::MAX)
    })
}

impl Collect for InFlightGauge {
    fn descriptor(&self) -> &'static Descriptor {
        self.desc
    }

    fn init(&self) {
        super::handler_site::init();
    }

    fn encode(&self, enc: &mut Encoder<'_>) {
        let mut family = enc.family(self.desc);
        let values = in_flight();
        for t in ActorType::live() {
            family.sample(&[("actor_type", t.as_str())], values[t.index()]);
        }
    }

    fn series_count(&self) -> usize {
        ActorType::live().count()
    }
}

/// Messages finished by actors of each type (`ok`, `error`, `panicked`).
fn finished_not_cancelled() -> [u64; TYPES] {
    let all = finished_by_type();
    std::array::from_fn(|i| {
        let row = &all[i];
        row[MessageOutcome::Ok.index()]
            + row[MessageOutcome::Error.index()]
            + row[MessageOutcome::Panicked.index()]
    })
}

/// The last derivation of the throughput: when, the finished counts then, the rates.
struct Window {
    at: Instant,
    counts: [u64; TYPES],
    rates: [f64; TYPES],
}

static WINDOW: Mutex<Option<Window>> = Mutex::new(None);

/// The process start, as the throughput's first window sees it.
fn started_at() -> Instant {
    static AT: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    *AT.get_or_init(Instant::now)
}

fn derived_rates() -> [f64; TYPES] {
    let mut w = WINDOW.lock().unwrap_or_else(PoisonError::into_inner);
    let now = Instant::now();
    let counts = finished_not_cancelled();
    let (start, before, last) = match &*w {
        Some(w) => (w.at, w.counts, w.rates),
        None => (started_at(), [0; TYPES], [0.0; TYPES]),
    };
    let secs = now.saturating_duration_since(start);
    if w.is_some() && secs < Duration::from_secs(1) {
        return last;
    }
    let secs = secs.as_secs_f64().max(f64::MIN_POSITIVE);
    let rates = std::array::from_fn(|i| counts[i].saturating_sub(before[i]) as f64 / secs);
    *w = Some(Window {
        at: now,
        counts,
        rates,
    });
    rates
}

/// Which derived family a [`Derived`] exports.
#[derive(Debug, Clone, Copy)]
enum Which {
    Throughput,
    Healthy,
    Total,
    LastActivity,
}

/// One of the gauges derived from the handler sites (see the module documentation).
#[derive(Debug)]
pub struct Derived {
    desc: &'static Descriptor,
    which: Which,
}

impl Derived {
    /// `alys_actor_message_throughput_per_second`.
    pub const fn throughput(desc: &'static Descriptor) -> Self {
        Self {
            desc,
            which: Which::Throughput,
        }
    }

    /// `alys_actor_healthy_count`.
    pub const fn healthy(desc: &'static Descriptor) -> Self {
        Self {
            desc,
            which: Which::Healthy,
        }
    }

    /// `alys_actor_total_count`.
    pub const fn total(desc: &'static Descriptor) -> Self {
        Self {
            desc,
            which: Which::Total,
        }
    }

    /// `alys_actor_last_activity_timestamp_seconds`.
    pub const fn last_activity(desc: &'static Descriptor) -> Self {
        Self {
            desc,
            which: Which::LastActivity,
        }
    }

    /// Messages per second handled by actors of `t` (see the module documentation).
    pub fn throughput_of(&self, t: ActorType) -> f64 {
        derived_rates()[t.index()]
    }

    /// `(healthy, total)` instrumented actors (see the module documentation).
    pub fn actor_counts() -> (u64, u64) {
        let mut by_actor: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
        for s in sites() {
            let e = by_actor.entry(s.actor).or_default();
            e.0 += s.latency().sample_count();
            e.1 += s.errors();
        }
        let active = by_actor.values().filter(|(n, _)| *n > 0);
        let (mut healthy, mut total) = (0, 0);
        for (n, errors) in active {
            total += 1;
            let error_rate = *errors as f64 / *n as f64;
            if 1.0 - error_rate > 0.95 && error_rate < 0.05 {
                healthy += 1;
            }
        }
        (healthy, total)
    }
}

impl Collect for Derived {
    fn descriptor(&self) -> &'static Descriptor {
        self.desc
    }

    fn init(&self) {
        started_at();
        super::handler_site::init();
    }

    fn encode(&self, enc: &mut Encoder<'_>) {
        let mut family = enc.family(self.desc);
        match self.which {
            Which::Throughput => {
                let rates = derived_rates();
                for t in ActorType::live() {
                    family.sample(&[("actor_type", t.as_str())], rates[t.index()]);
                }
            }
            Which::Healthy | Which::Total => {
                let (healthy, total) = Self::actor_counts();
                let v = if matches!(self.which, Which::Healthy) {
                    healthy
                } else {
                    total
                };
                family.sample(&[], i64::try_from(v).unwrap_or(i64::MAX));
            }
            Which::LastActivity => {
                let mut last: BTreeMap<(usize, &str), Option<f64>> = BTreeMap::new();
                for s in sites() {
                    let e = last.entry((s.actor_type().index(), s.actor)).or_default();
                    let at = s.last_activity_unix_seconds();
                    *e = match (*e, at) {
                        (Some(a), Some(b)) => Some(a.max(b)),
                        (a, b) => a.or(b),
                    };
                }
                for ((t, actor), at) in last {
                    let labels = [
                        ("actor_type", ActorType::VALUES[t].as_str()),
                        ("actor", actor),
                    ];
                    family.sample(&labels, at.unwrap_or(0.0));
                }
            }
        }
    }

    fn series_count(&self) -> usize {
        match self.which {
            Which::Throughput => ActorType::live().count(),
            Which::Healthy | Which::Total => 1,
            Which::LastActivity => {
                let mut names: Vec<(usize, &str)> =
                    sites().map(|s| (s.actor_type().index(), s.actor)).collect();
                names.sort_unstable();
                names.dedup();
                names.len()
            }
        }
    }
}
