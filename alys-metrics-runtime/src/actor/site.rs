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

use crate::encode::protobuf::wire;
use crate::encode::{write_exemplar, write_f64, write_header, write_label_value, write_u64};
use crate::labels::{ActorType, LabelValue, MessageType};
use crate::metric::exemplar::{current_trace_id, Exemplar, ExemplarSlot, TraceId};
use crate::metric::native::{NativeBuckets, NativeConfig, NativeSnapshot};
use crate::metric::{write_histogram_proto, Collect, Counter, Descriptor, Kind};

pub use crate::catalogue::actor::LATENCY_BUCKETS;

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

/// The native buckets of `alys_actor_message_latency_seconds`: schema 3 (buckets growing by
/// about 9 %), at most 160 populated buckets per series.
pub const LATENCY_NATIVE: NativeConfig = NativeConfig::DEFAULT;

/// A latency histogram with the catalogue's fixed buckets and native buckets
/// ([`LATENCY_NATIVE`]), constructible in a `static`. Each classic bucket keeps the latest
/// exemplar observed into it, written only by
/// [`observe_nanos_with_exemplar`](Self::observe_nanos_with_exemplar).
#[derive(Debug)]
pub struct LatencyHistogram {
    /// One count per bucket, the last being `+Inf`; not cumulative.
    counts: [AtomicU64; SLOTS],
    /// The sum in nanoseconds (exact, and one atomic add).
    sum_nanos: AtomicU64,
    /// The same observations in native buckets, in seconds.
    native: NativeBuckets,
    /// One slot per classic bucket, allocated by the first exemplar.
    exemplars: OnceLock<Box<[ExemplarSlot; SLOTS]>>,
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
            native: NativeBuckets::new(LATENCY_NATIVE),
            exemplars: OnceLock::new(),
        }
    }

    #[inline]
    fn bucket_of(nanos: u64) -> usize {
        let mut i = 0;
        while i < BOUNDS_NANOS.len() && nanos > BOUNDS_NANOS[i] {
            i += 1;
        }
        i
    }

    #[inline]
    fn record(&self, i: usize, nanos: u64) {
        self.counts[i].fetch_add(1, Ordering::Relaxed);
        self.sum_nanos.fetch_add(nanos, Ordering::Relaxed);
        self.native.observe(nanos as f64 * 1e-9);
    }

    /// Records one latency, in nanoseconds.
    #[inline]
    pub fn observe_nanos(&self, nanos: u64) {
        self.record(Self::bucket_of(nanos), nanos);
    }

    /// Records one latency and makes it the exemplar of its bucket, with `trace_id`.
    #[inline]
    pub fn observe_nanos_with_exemplar(&self, nanos: u64, trace_id: TraceId) {
        let i = Self::bucket_of(nanos);
        self.record(i, nanos);
        let slots = self
            .exemplars
            .get_or_init(|| Box::new([const { ExemplarSlot::new() }; SLOTS]));
        slots[i].store(nanos as f64 * 1e-9, trace_id);
    }

    /// Records one latency, with the current trace as its exemplar when there is one
    /// ([`current_trace_id`]).
    #[inline]
    pub fn observe_nanos_traced(&self, nanos: u64) {
        match current_trace_id() {
            Some(t) => self.observe_nanos_with_exemplar(nanos, t),
            None => self.observe_nanos(nanos),
        }
    }

    /// The number of observations.
    pub fn count(&self) -> u64 {
        self.counts.iter().map(|c| c.load(Ordering::Relaxed)).sum()
    }

    /// The sum of the observations, in seconds.
    pub fn sum_seconds(&self) -> f64 {
        self.sum_nanos.load(Ordering::Relaxed) as f64 * 1e-9
    }

    /// The latest exemplar of bucket `i` (`LATENCY_BUCKETS.len()` is `+Inf`), if any.
    pub fn exemplar(&self, i: usize) -> Option<Exemplar> {
        self.exemplars.get()?.get(i)?.load()
    }

    /// The native buckets, with the bucket limit applied.
    pub fn native(&self) -> NativeSnapshot {
        self.native.snapshot()
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

    /// Records a latency, with the current trace as its exemplar when there is one.
    #[inline]
    pub(crate) fn observe_nanos_traced(&self, nanos: u64) {
        self.latency.observe_nanos_traced(nanos);
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
    UNSITED_LATENCY[actor_type.index()][message_type.index()].observe_nanos_traced(nanos);
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

    /// Calls `f` with each exported series: the registered sites grouped by their labels,
    /// then the messages recorded without a site.
    fn for_each_series(&self, mut f: impl FnMut(&Series<'_>)) {
        for ((t, m, _, _), sites) in groups() {
            f(&Series {
                actor_type: ActorType::VALUES[*t],
                message_type: MessageType::VALUES[*m],
                names: Some((sites[0].actor, sites[0].message)),
                messages: sites.iter().map(|s| s.messages()).sum(),
                latency: Latencies::Sites(sites),
            });
        }
        for t in ActorType::VALUES {
            for m in MessageType::VALUES {
                let messages = UNSITED_MESSAGES[t.index()][m.index()].get();
                if messages == 0 {
                    continue;
                }
                f(&Series {
                    actor_type: *t,
                    message_type: *m,
                    names: None,
                    messages,
                    latency: Latencies::One(&UNSITED_LATENCY[t.index()][m.index()]),
                });
            }
        }
    }

    /// Text 0.0.4 (`exemplars` false) or OpenMetrics (true) samples of one series.
    fn write_text_series(&self, out: &mut Vec<u8>, labels: &[u8], s: &Series<'_>, exemplars: bool) {
        let name = self.desc.name;
        match self.which {
            Which::Messages => {
                sample(out, name, "", labels, None);
                write_u64(out, s.messages);
                out.push(b'\n');
            }
            Which::Latency => {
                let (counts, sum_nanos) = s.latency.counts();
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
                    if exemplars {
                        if let Some(e) = s.latency.exemplar(i) {
                            write_exemplar(out, &e);
                        }
                    }
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

    fn kind(&self) -> Kind {
        match self.which {
            Which::Messages => Kind::Counter,
            Which::Latency => Kind::Histogram,
        }
    }

    fn encode_text(&self, out: &mut Vec<u8>, openmetrics: bool) {
        if openmetrics {
            crate::exposition::openmetrics::write_header(
                out,
                self.desc.name,
                self.desc.help,
                self.kind().as_str(),
            );
        } else {
            write_header(out, self.desc.name, self.desc.help, self.kind().as_str());
        }
        let mut labels = Vec::with_capacity(128);
        self.for_each_series(|s| {
            labels.clear();
            Self::write_labels(&mut labels, s.actor_type, s.message_type, s.names);
            self.write_text_series(out, &labels, s, openmetrics);
        });
    }
}

/// The latency histograms of one exported series.
enum Latencies<'a> {
    /// Every site of one handler.
    Sites(&'a [&'static HandlerSite]),
    /// The messages recorded without a site, under one pair of labels.
    One(&'static LatencyHistogram),
}

impl Latencies<'_> {
    fn each(&self) -> impl Iterator<Item = &LatencyHistogram> + '_ {
        let (sites, one) = match self {
            Latencies::Sites(s) => (*s, None),
            Latencies::One(h) => (&[][..], Some(*h)),
        };
        sites.iter().map(|s| &s.latency).chain(one)
    }

    /// The bucket counts (not cumulative) and the sum in nanoseconds, added up.
    fn counts(&self) -> ([u64; SLOTS], u64) {
        let mut counts = [0; SLOTS];
        let mut sum = 0;
        for h in self.each() {
            h.add_into(&mut counts, &mut sum);
        }
        (counts, sum)
    }

    /// The latest exemplar of bucket `i` among the histograms.
    fn exemplar(&self, i: usize) -> Option<Exemplar> {
        self.each()
            .filter_map(|h| h.exemplar(i))
            .max_by_key(|e| e.timestamp_ms)
    }

    fn native(&self) -> Option<NativeSnapshot> {
        NativeBuckets::merged(self.each().map(|h| &h.native))
    }
}

/// One exported series of a [`SiteFamily`].
struct Series<'a> {
    actor_type: ActorType,
    message_type: MessageType,
    names: Option<(&'static str, &'static str)>,
    messages: u64,
    latency: Latencies<'a>,
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
        self.encode_text(out, false);
    }

    fn encode_openmetrics(&self, out: &mut Vec<u8>) {
        self.encode_text(out, true);
    }

    /// One `MetricFamily` written field by field: a counter per series, or a histogram with
    /// native buckets, the classic buckets and their exemplars.
    fn encode_protobuf(&self, out: &mut Vec<u8>) {
        let mut msg = Vec::with_capacity(4096);
        wire::bytes(&mut msg, 1, self.desc.name.as_bytes());
        wire::bytes(&mut msg, 2, self.desc.help.as_bytes());
        wire::uint(
            &mut msg,
            3,
            crate::encode::protobuf::metric_type(self.kind().as_str()) as u64,
        );
        let mut m = Vec::with_capacity(512);
        self.for_each_series(|s| {
            m.clear();
            wire::label_pair(&mut m, "actor_type", s.actor_type.as_str());
            wire::label_pair(&mut m, "message_type", s.message_type.as_str());
            if let Some((actor, message)) = s.names {
                wire::label_pair(&mut m, "actor", actor);
                wire::label_pair(&mut m, "message", message);
            }
            match self.which {
                Which::Messages => wire::counter(&mut m, s.messages as f64),
                Which::Latency => {
                    let native = s.latency.native();
                    let (counts, sum_nanos) = s.latency.counts();
                    let buckets = counts.iter().enumerate().map(|(i, c)| {
                        (
                            *c,
                            LATENCY_BUCKETS.get(i).copied().unwrap_or(f64::INFINITY),
                            s.latency.exemplar(i),
                        )
                    });
                    write_histogram_proto(&mut m, native.as_ref(), buckets, || {
                        sum_nanos as f64 * 1e-9
                    });
                }
            }
            wire::message(&mut msg, 4, &m);
        });
        wire::varint(out, msg.len() as u64);
        out.extend_from_slice(&msg);
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

    #[test]
    fn latency_has_native_buckets_and_exemplars() {
        let h = LatencyHistogram::new();
        h.observe_nanos(0);
        h.observe_nanos(1_000_000);
        h.observe_nanos_with_exemplar(3_000_000, TraceId::from_u64(0x2a));
        let n = h.native();
        // 1 ms: 8 log2(0.001) = -79.7, so bucket -79, (2^(-80/8), 2^(-79/8)]; 3 ms: 8 log2(0.003)
        // = -67.0, so bucket -67; 0 s in the zero bucket.
        assert_eq!(n.schema, 3);
        assert_eq!(n.zero_count, 1);
        assert_eq!(n.positive, vec![(-79, 1), (-67, 1)]);
        assert!(crate::metric::native::upper_bound(3, -79) >= 0.001);
        assert!(crate::metric::native::upper_bound(3, -80) < 0.001);
        assert_eq!(h.exemplar(0), None);
        let e = h.exemplar(1).expect("the exemplar of (1 ms, 5 ms]");
        assert_eq!((e.value, e.trace_id), (0.003, TraceId::from_u64(0x2a)));
        // Outside every span (and with no subscriber), no exemplar is written.
        h.observe_nanos_traced(20_000_000);
        assert_eq!(h.exemplar(3), None);
        assert_eq!(h.count(), 4);
    }

    #[test]
    fn native_buckets_of_two_sites_add_up() {
        let (a, b) = (LatencyHistogram::new(), LatencyHistogram::new());
        a.observe_nanos(1_000_000);
        b.observe_nanos(1_000_000);
        b.observe_nanos(3_000_000);
        let merged = NativeBuckets::merged([&a.native, &b.native]).unwrap();
        assert_eq!(merged.positive, vec![(-79, 2), (-67, 1)]);
        assert_eq!(NativeBuckets::merged([&a.native]).unwrap(), a.native());
    }
}
