//! Throughput, health and last activity derived from what `#[instrument_actor]` records, so
//! that they are true with or without an [`ActorMetricsBridge`](super::ActorMetricsBridge).
//!
//! - `alys_actor_message_throughput_per_second{actor_type}`: for an actor type the bridge has
//!   registered actors of, the bridge's value over its collection window; otherwise the
//!   messages finished (`ok`, `error`, `panicked` in `alys_actor_message_outcomes_total`) per
//!   second, over the time since the previous computation (at least one second; a scrape
//!   sooner repeats the last value).
//! - `alys_actor_healthy_count`, `alys_actor_total_count`: the bridge's registered actors when
//!   it has any; otherwise the instrumented actors (by `actor` name) that finished a message,
//!   healthy when their success rate is above 95 % and their error rate below 5 %.
//! - `alys_actor_last_activity_timestamp_seconds{actor_type, actor}`: when an instrumented
//!   actor last finished a message, in Unix seconds; 0 before its first.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use super::{sites, MessageOutcome};
use crate::catalogue::actor::ACTOR_MESSAGE_OUTCOMES;
use crate::encode::{write_f64, write_header, write_i64, write_label_value};
use crate::labels::{ActorType, LabelValue};
use crate::metric::{Collect, Descriptor};

const TYPES: usize = <ActorType as LabelValue>::COUNT;

/// What the bridge reported at its last collection.
struct BridgeReport {
    /// Registered actors (all bridges' last report), and healthy ones.
    actors: AtomicU64,
    healthy: AtomicU64,
    /// Per actor type: registered there, and the throughput (f64 bits).
    by_type: [AtomicBool; TYPES],
    throughput: [AtomicU64; TYPES],
}

static BRIDGE: BridgeReport = BridgeReport {
    actors: AtomicU64::new(0),
    healthy: AtomicU64::new(0),
    by_type: [const { AtomicBool::new(false) }; TYPES],
    throughput: [const { AtomicU64::new(0) }; TYPES],
};

/// The bridge's registered and healthy actor counts.
pub(crate) fn bridge_counts(actors: usize, healthy: usize) {
    BRIDGE.actors.store(actors as u64, Ordering::Relaxed);
    BRIDGE.healthy.store(healthy as u64, Ordering::Relaxed);
}

/// The bridge's registered actor count (registration, removal).
pub(crate) fn bridge_actors(actors: usize) {
    BRIDGE.actors.store(actors as u64, Ordering::Relaxed);
}

/// The bridge's throughput of `t` over its last window; `registered` when it has actors of `t`.
pub(crate) fn bridge_throughput(t: ActorType, registered: bool, per_second: f64) {
    BRIDGE.by_type[t.index()].store(registered, Ordering::Relaxed);
    BRIDGE.throughput[t.index()].store(per_second.to_bits(), Ordering::Relaxed);
}

fn finished(t: ActorType) -> u64 {
    [
        MessageOutcome::Ok,
        MessageOutcome::Error,
        MessageOutcome::Panicked,
    ]
    .iter()
    .map(|o| ACTOR_MESSAGE_OUTCOMES.with(t, *o).get())
    .sum()
}

/// The last derivation of the throughput: when, the finished counts then, the rates.
struct Window {
    at: Instant,
    counts: [u64; TYPES],
    rates: [f64; TYPES],
}

static WINDOW: Mutex<Option<Window>> = Mutex::new(None);

fn derived_rates() -> [f64; TYPES] {
    let mut w = WINDOW.lock().unwrap_or_else(PoisonError::into_inner);
    let now = Instant::now();
    let counts: [u64; TYPES] = std::array::from_fn(|i| finished(ActorType::VALUES[i]));
    let (start, before, last) = match &*w {
        Some(w) => (w.at, w.counts, w.rates),
        None => (super::metrics::epoch(), [0; TYPES], [0.0; TYPES]),
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

/// One of the families derived from the handler sites (see the module documentation).
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
        if BRIDGE.by_type[t.index()].load(Ordering::Relaxed) {
            f64::from_bits(BRIDGE.throughput[t.index()].load(Ordering::Relaxed))
        } else {
            derived_rates()[t.index()]
        }
    }

    /// `(healthy, total)` actors (see the module documentation).
    pub fn actor_counts() -> (u64, u64) {
        let bridged = BRIDGE.actors.load(Ordering::Relaxed);
        if bridged > 0 {
            return (BRIDGE.healthy.load(Ordering::Relaxed), bridged);
        }
        let mut by_actor: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
        for s in sites() {
            let e = by_actor.entry(s.actor).or_default();
            e.0 += s.latency().count();
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

/// Unix seconds of an `Instant` in the past.
fn unix_seconds(at: Instant) -> f64 {
    let ago = Instant::now().saturating_duration_since(at);
    SystemTime::now()
        .checked_sub(ago)
        .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
        .map_or(0.0, |d| d.as_secs_f64())
}

impl Collect for Derived {
    fn descriptor(&self) -> &'static Descriptor {
        self.desc
    }

    fn init(&self) {
        super::metrics::epoch();
        ACTOR_MESSAGE_OUTCOMES.init();
    }

    fn encode(&self, out: &mut Vec<u8>) {
        let name = self.desc.name;
        write_header(out, name, self.desc.help, "gauge");
        match self.which {
            Which::Throughput => {
                for t in ActorType::VALUES {
                    out.extend_from_slice(name.as_bytes());
                    out.extend_from_slice(b"{actor_type=\"");
                    out.extend_from_slice(t.as_str().as_bytes());
                    out.extend_from_slice(b"\"} ");
                    write_f64(out, self.throughput_of(*t));
                    out.push(b'\n');
                }
            }
            Which::Healthy | Which::Total => {
                let (healthy, total) = Self::actor_counts();
                let v = if matches!(self.which, Which::Healthy) {
                    healthy
                } else {
                    total
                };
                out.extend_from_slice(name.as_bytes());
                out.push(b' ');
                write_i64(out, i64::try_from(v).unwrap_or(i64::MAX));
                out.push(b'\n');
            }
            Which::LastActivity => {
                let mut last: BTreeMap<(usize, &str), Option<Instant>> = BTreeMap::new();
                for s in sites() {
                    let e = last.entry((s.actor_type.index(), s.actor)).or_default();
                    *e = (*e).max(s.last_activity());
                }
                for ((t, actor), at) in last {
                    out.extend_from_slice(name.as_bytes());
                    out.extend_from_slice(b"{actor_type=\"");
                    out.extend_from_slice(ActorType::VALUES[t].as_str().as_bytes());
                    out.extend_from_slice(b"\",actor=\"");
                    write_label_value(out, actor);
                    out.extend_from_slice(b"\"} ");
                    write_f64(out, at.map_or(0.0, unix_seconds));
                    out.push(b'\n');
                }
            }
        }
    }

    fn series_count(&self) -> usize {
        match self.which {
            Which::Throughput => TYPES,
            Which::Healthy | Which::Total => 1,
            Which::LastActivity => {
                let mut names: Vec<(ActorType, &str)> =
                    sites().map(|s| (s.actor_type, s.actor)).collect();
                names.sort_by_key(|(t, a)| (t.index(), *a));
                names.dedup();
                names.len()
            }
        }
    }
}
