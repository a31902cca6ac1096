//! Handler sites: one `static` per instrumented handler, registered at start-up.
//!
//! `#[instrument_actor]` declares a [`HandlerSite`] for each handler it instruments, with the
//! actor's and the message's type names (known at compile time), and submits it to
//! [`inventory`]. The site holds the handler's own message counter and latency histogram, so
//! a message updates them with a few relaxed atomic operations and no lookup. The exported
//! families `alys_actor_messages_total` and `alys_actor_message_latency_seconds` are the
//! registered sites, each under `actor_type`, `message_type`, `actor` and `message`: every
//! handler's series exists at 0 from start-up, and the set of values is the set of handlers
//! in the binary.
//!
//! Messages recorded without a site (by [`ActorMetricsBridge::record_message_event`]) are
//! exported under `actor_type` and `message_type` only, once there is one.
//!
//! [`ActorMetricsBridge::record_message_event`]: super::ActorHandle::record_message_event

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use crate::encode::{write_f64, write_header, write_label_value, write_u64};
use crate::labels::{ActorType, LabelValue, MessageType};
use crate::metric::{Collect, Counter, Descriptor, Kind};

/// Upper bounds of `alys_actor_message_latency_seconds`, `+Inf` implied: the buckets the node
/// used before this crate, so that dashboards' `le` values still match.
pub const LATENCY_BUCKETS: [f64; 8] = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0];

const SLOTS: usize = LATENCY_BUCKETS.len() + 1;

/// [`LATENCY_BUCKETS`] in nanoseconds, compared without floating point on the update path.
const BOUNDS_NANOS: [u64; LATENCY_BUCKETS.len()] = [
    1_000_000,
    5_000_000,
    10_000_000,
    50_000_000,
    100_000_000,
    500_000_000,
    1_000_000_000,
    5_000_000_000,
];

/// A latency histogram with the catalogue's fixed buckets, constructible in a `static`.
#[derive(Debug)]
pub struct LatencyHistogram {
    /// One count per bucket, the last being `+Inf`; not cumulative.
    counts: [AtomicU64; SLOTS],
    /// The sum in nanoseconds (exact, and one atomic add).
    sum_nanos: AtomicU64,
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        Self::new()
    }
}

impl LatencyHistogram {
    /// A zeroed histogram.
    pub const fn new() -> Self {
        Self {
            counts: [const { AtomicU64::new(0) }; SLOTS],
            sum_nanos: AtomicU64::new(0),
        }
    }

    /// Records one latency, in nanoseconds.
    #[inline]
    pub fn observe_nanos(&self, nanos: u64) {
        let mut i = 0;
        while i < BOUNDS_NANOS.len() && nanos > BOUNDS_NANOS[i] {
            i += 1;
        }
        self.counts[i].fetch_add(1, Ordering::Relaxed);
        self.sum_nanos.fetch_add(nanos, Ordering::Relaxed);
    }

    /// The number of observations.
    pub fn count(&self) -> u64 {
        self.counts.iter().map(|c| c.load(Ordering::Relaxed)).sum()
    }

    /// The sum of the observations, in seconds.
    pub fn sum_seconds(&self) -> f64 {
        self.sum_nanos.load(Ordering::Relaxed) as f64 * 1e-9
    }

    fn add_into(&self, counts: &mut [u64; SLOTS], sum: &mut u64) {
        for (acc, c) in counts.iter_mut().zip(&self.counts) {
            *acc += c.load(Ordering::Relaxed);
        }
        *sum += self.sum_nanos.load(Ordering::Relaxed);
    }
}

/// One instrumented handler: its labels, and its own message counter and latency histogram.
///
/// Declared by `#[instrument_actor]` as a `static` and registered with [`SiteRegistration`];
/// declare one by hand to measure with [`MessageGuard`](super::MessageGuard) directly:
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use alys_metrics::actor::{HandlerSite, MessageGuard, SiteRegistration};
/// use alys_metrics::labels::{ActorType, MessageType};
///
/// static SITE: HandlerSite =
///     HandlerSite::new("ChainActor", "ImportBlock", ActorType::Chain, MessageType::System);
/// alys_metrics::__private::inventory::submit! { SiteRegistration(&SITE) }
///
/// MessageGuard::start(&SITE).finish(false);
/// assert_eq!(SITE.messages(), 1);
/// let text = alys_metrics::registry().encode_to_string();
/// assert!(text.contains(
///     "alys_actor_messages_total{actor_type=\"chain\",message_type=\"system\",actor=\"ChainActor\",message=\"ImportBlock\"} 1\n"
/// ));
/// ```
#[derive(Debug)]
pub struct HandlerSite {
    /// The `actor` label: the actor type's name (`ChainActor`).
    pub actor: &'static str,
    /// The `message` label: the message type's name (`ImportBlock`).
    pub message: &'static str,
    /// The `actor_type` label.
    pub actor_type: ActorType,
    /// The `message_type` label.
    pub message_type: MessageType,
    messages: Counter,
    latency: LatencyHistogram,
    /// Messages that finished `error` or `panicked`.
    errors: Counter,
    /// When the last message finished: nanoseconds since the process epoch plus one; 0 never.
    last_finished: AtomicU64,
}

impl HandlerSite {
    /// A site with its counters at 0.
    pub const fn new(
        actor: &'static str,
        message: &'static str,
        actor_type: ActorType,
        message_type: MessageType,
    ) -> Self {
        Self {
            actor,
            message,
            actor_type,
            message_type,
            messages: Counter::new(),
            latency: LatencyHistogram::new(),
            errors: Counter::new(),
            last_finished: AtomicU64::new(0),
        }
    }

    /// Messages that finished `error` or `panicked` at this site.
    pub fn errors(&self) -> u64 {
        self.errors.get()
    }

    /// When a message last finished at this site (any outcome but `cancelled`).
    pub fn last_activity(&self) -> Option<std::time::Instant> {
        match self.last_finished.load(Ordering::Relaxed) {
            0 => None,
            n => super::metrics::epoch().checked_add(std::time::Duration::from_nanos(n - 1)),
        }
    }

    #[inline]
    pub(crate) fn finished(&self, failed: bool, end: std::time::Instant) {
        if failed {
            self.errors.inc();
        }
        let since = end.saturating_duration_since(super::metrics::epoch());
        self.last_finished.store(
            u64::try_from(since.as_nanos())
                .unwrap_or(u64::MAX)
                .saturating_add(1),
            Ordering::Relaxed,
        );
    }

    /// Messages started at this site.
    pub fn messages(&self) -> u64 {
        self.messages.get()
    }

    /// The latency of the messages finished at this site (cancelled ones apart).
    pub fn latency(&self) -> &LatencyHistogram {
        &self.latency
    }

    #[inline]
    pub(crate) fn count_message(&self) {
        self.messages.inc();
    }

    #[inline]
    pub(crate) fn observe_nanos(&self, nanos: u64) {
        self.latency.observe_nanos(nanos);
    }

    fn key(&self) -> Key {
        (
            self.actor_type.index(),
            self.message_type.index(),
            self.actor,
            self.message,
        )
    }
}

/// Registers a [`HandlerSite`] at start-up: `inventory::submit! { SiteRegistration(&SITE) }`.
#[derive(Debug)]
pub struct SiteRegistration(pub &'static HandlerSite);

inventory::collect!(SiteRegistration);

type Key = (usize, usize, &'static str, &'static str);

/// The registered sites, grouped by their labels (two sites of one handler, such as a
/// `Handler` impl and an inherent helper for the same message, export one series).
fn groups() -> &'static [(Key, Vec<&'static HandlerSite>)] {
    static GROUPS: OnceLock<Vec<(Key, Vec<&'static HandlerSite>)>> = OnceLock::new();
    GROUPS.get_or_init(|| {
        let mut map: BTreeMap<Key, Vec<&'static HandlerSite>> = BTreeMap::new();
        for r in inventory::iter::<SiteRegistration> {
            map.entry(r.0.key()).or_default().push(r.0);
        }
        map.into_iter().collect()
    })
}

/// Every registered site.
pub fn sites() -> impl Iterator<Item = &'static HandlerSite> {
    groups().iter().flat_map(|(_, s)| s.iter().copied())
}

const TYPES: usize = <ActorType as LabelValue>::COUNT;
const MESSAGE_TYPES: usize = <MessageType as LabelValue>::COUNT;

/// Messages recorded without a site, by actor type and message type.
static UNSITED_MESSAGES: [[Counter; MESSAGE_TYPES]; TYPES] =
    [const { [const { Counter::new() }; MESSAGE_TYPES] }; TYPES];
/// Their latency, by actor type and message type.
static UNSITED_LATENCY: [[LatencyHistogram; MESSAGE_TYPES]; TYPES] =
    [const { [const { LatencyHistogram::new() }; MESSAGE_TYPES] }; TYPES];

/// Records a message handled outside an instrumented handler (the bridge's events).
pub(crate) fn record_unsited(actor_type: ActorType, message_type: MessageType, nanos: u64) {
    UNSITED_MESSAGES[actor_type.index()][message_type.index()].inc();
    UNSITED_LATENCY[actor_type.index()][message_type.index()].observe_nanos(nanos);
}

/// Messages started by actors of `actor_type`, at every site and without one.
pub(crate) fn started(actor_type: ActorType) -> u64 {
    let sited: u64 = sites()
        .filter(|s| s.actor_type == actor_type)
        .map(HandlerSite::messages)
        .sum();
    let unsited: u64 = UNSITED_MESSAGES[actor_type.index()]
        .iter()
        .map(Counter::get)
        .sum();
    sited + unsited
}

/// Which of the two families a [`SiteFamily`] exports.
#[derive(Debug, Clone, Copy)]
enum Which {
    Messages,
    Latency,
}

/// `alys_actor_messages_total` or `alys_actor_message_latency_seconds`, read from the sites.
#[derive(Debug)]
pub struct SiteFamily {
    desc: &'static Descriptor,
    which: Which,
}

impl SiteFamily {
    /// The message counter family described by `desc`.
    pub const fn messages(desc: &'static Descriptor) -> Self {
        Self {
            desc,
            which: Which::Messages,
        }
    }

    /// The latency histogram family described by `desc`.
    pub const fn latency(desc: &'static Descriptor) -> Self {
        Self {
            desc,
            which: Which::Latency,
        }
    }

    /// Messages started with these labels (summed over the sites that carry them), or, with
    /// `actor`/`message` `None`, those recorded without a site.
    pub fn get(
        &self,
        actor_type: ActorType,
        message_type: MessageType,
        actor: Option<(&str, &str)>,
    ) -> u64 {
        match actor {
            None => UNSITED_MESSAGES[actor_type.index()][message_type.index()].get(),
            Some((a, m)) => sites()
                .filter(|s| {
                    s.actor_type == actor_type
                        && s.message_type == message_type
                        && s.actor == a
                        && s.message == m
                })
                .map(HandlerSite::messages)
                .sum(),
        }
    }

    fn write_labels(out: &mut Vec<u8>, t: ActorType, m: MessageType, names: Option<(&str, &str)>) {
        out.extend_from_slice(b"actor_type=\"");
        out.extend_from_slice(t.as_str().as_bytes());
        out.extend_from_slice(b"\",message_type=\"");
        out.extend_from_slice(m.as_str().as_bytes());
        out.push(b'"');
        if let Some((a, msg)) = names {
            out.extend_from_slice(b",actor=\"");
            write_label_value(out, a);
            out.extend_from_slice(b"\",message=\"");
            write_label_value(out, msg);
            out.push(b'"');
        }
    }

    fn write_series(
        &self,
        out: &mut Vec<u8>,
        labels: &[u8],
        messages: u64,
        counts: &[u64; SLOTS],
        sum_nanos: u64,
    ) {
        let name = self.desc.name;
        match self.which {
            Which::Messages => {
                sample(out, name, "", labels, None);
                write_u64(out, messages);
                out.push(b'\n');
            }
            Which::Latency => {
                let mut acc = 0;
                let mut le = Vec::with_capacity(8);
                for (i, c) in counts.iter().enumerate() {
                    acc += c;
                    le.clear();
                    write_f64(
                        &mut le,
                        LATENCY_BUCKETS.get(i).copied().unwrap_or(f64::INFINITY),
                    );
                    sample(out, name, "_bucket", labels, Some(&le));
                    write_u64(out, acc);
                    out.push(b'\n');
                }
                sample(out, name, "_sum", labels, None);
                write_f64(out, sum_nanos as f64 * 1e-9);
                out.push(b'\n');
                sample(out, name, "_count", labels, None);
                write_u64(out, acc);
                out.push(b'\n');
            }
        }
    }
}

/// Starts a sample line: `name[suffix]{labels[,le="x"]} `.
fn sample(out: &mut Vec<u8>, name: &str, suffix: &str, labels: &[u8], le: Option<&[u8]>) {
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(suffix.as_bytes());
    out.push(b'{');
    out.extend_from_slice(labels);
    if let Some(le) = le {
        out.extend_from_slice(b",le=\"");
        out.extend_from_slice(le);
        out.push(b'"');
    }
    out.extend_from_slice(b"} ");
}

impl Collect for SiteFamily {
    fn descriptor(&self) -> &'static Descriptor {
        self.desc
    }

    fn init(&self) {
        super::metrics::epoch();
        groups();
    }

    fn encode(&self, out: &mut Vec<u8>) {
        let kind = match self.which {
            Which::Messages => Kind::Counter,
            Which::Latency => Kind::Histogram,
        };
        write_header(out, self.desc.name, self.desc.help, kind.as_str());
        let mut labels = Vec::with_capacity(128);
        for ((t, m, _, _), sites) in groups() {
            let (t, m) = (ActorType::VALUES[*t], MessageType::VALUES[*m]);
            let mut counts = [0; SLOTS];
            let mut sum = 0;
            let mut messages = 0;
            for s in sites {
                messages += s.messages();
                s.latency.add_into(&mut counts, &mut sum);
            }
            labels.clear();
            Self::write_labels(&mut labels, t, m, Some((sites[0].actor, sites[0].message)));
            self.write_series(out, &labels, messages, &counts, sum);
        }
        for t in ActorType::VALUES {
            for m in MessageType::VALUES {
                let messages = UNSITED_MESSAGES[t.index()][m.index()].get();
                if messages == 0 {
                    continue;
                }
                let mut counts = [0; SLOTS];
                let mut sum = 0;
                UNSITED_LATENCY[t.index()][m.index()].add_into(&mut counts, &mut sum);
                labels.clear();
                Self::write_labels(&mut labels, *t, *m, None);
                self.write_series(out, &labels, messages, &counts, sum);
            }
        }
    }

    fn series_count(&self) -> usize {
        let unsited = UNSITED_MESSAGES
            .iter()
            .flatten()
            .filter(|c| c.get() > 0)
            .count();
        groups().len() + unsited
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_in_nanoseconds_are_the_catalogue_buckets() {
        for (b, n) in LATENCY_BUCKETS.iter().zip(BOUNDS_NANOS) {
            assert_eq!((b * 1e9).round() as u64, n);
        }
    }

    #[test]
    fn latency_buckets_are_upper_inclusive() {
        let h = LatencyHistogram::new();
        h.observe_nanos(1_000_000); // exactly 1 ms: the first bucket
        h.observe_nanos(1_000_001);
        h.observe_nanos(10_000_000_000); // 10 s: +Inf
        let mut counts = [0; SLOTS];
        let mut sum = 0;
        h.add_into(&mut counts, &mut sum);
        assert_eq!(counts[0], 1);
        assert_eq!(counts[1], 1);
        assert_eq!(counts[SLOTS - 1], 1);
        assert_eq!(h.count(), 3);
        assert_eq!(sum, 10_002_000_001);
    }
}
