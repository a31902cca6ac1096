//! Handler sites: one `static` per instrumented handler, registered at start-up, the one place
//! a message is counted.
//!
//! `#[instrument_actor]` declares a [`HandlerSite`] for each handler it instruments, with the
//! actor's and the message's type names, and submits it to [`inventory`]. The site holds the
//! handler's own counters: messages started, messages finished by outcome, the latency
//! histogram and when the last message finished. A message updates them with a few relaxed
//! atomic operations and no lookup. Every actor message family is read from the sites when it
//! is scraped: `alys_actor_messages_total` and `alys_actor_message_latency_seconds` per site
//! (under `actor_type`, `message_type`, `actor` and `message`), and the families by
//! `actor_type` (outcomes, processed, errors, in flight, throughput; see `families.rs`) as sums
//! over them. So every handler's series exists at 0 from start-up, and nothing else writes a
//! message count.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::OnceLock;

use crate::labels::{ActorType, LabelValue, MessageOutcome, MessageType};
use crate::metric::encoder::{Encoder, HistogramSeries, Target};
use crate::metric::exemplar::{Exemplar, TraceId};
use crate::metric::native::{NativeBuckets, NativeConfig, NativeSnapshot};
use crate::metric::{nanos_of, Collect, Descriptor, Histogram, Kind};

pub use crate::catalogue::actor::LATENCY_BUCKETS;

const SLOTS: usize = LATENCY_BUCKETS.len() + 1;

/// [`LATENCY_BUCKETS`] in nanoseconds, compared without floating point on the update path.
const BOUNDS_NANOS: [u64; LATENCY_BUCKETS.len()] = nanos_of(LATENCY_BUCKETS);

/// The native buckets of `alys_actor_message_latency_seconds`: schema 3 (buckets growing by
/// about 9 %), at most 160 populated buckets per series.
pub const LATENCY_NATIVE: NativeConfig = NativeConfig::DEFAULT;

const OUTCOMES: usize = <MessageOutcome as LabelValue>::COUNT;

/// Not yet resolved (see [`HandlerSite::actor_type`]).
const UNRESOLVED: u32 = 0;

/// `ActorType` and `MessageType` packed in one word: the actor type's index + 1 in bits 0..8,
/// the message type's index + 1 in bits 8..16, a custom message type's code in bits 16..32.
const fn pack(actor: ActorType, message: MessageType) -> u32 {
    let (m, code) = match message {
        MessageType::Lifecycle => (0, 0),
        MessageType::Sync => (1, 0),
        MessageType::Network => (2, 0),
        MessageType::Mining => (3, 0),
        MessageType::Governance => (4, 0),
        MessageType::Bridge => (5, 0),
        MessageType::Storage => (6, 0),
        MessageType::System => (7, 0),
        MessageType::Custom(c) => (8, c as u32),
        MessageType::Unclassified => (9, 0),
    };
    (actor as u32 + 1) | ((m + 1) << 8) | (code << 16)
}

fn unpack(word: u32) -> (ActorType, MessageType) {
    let a = ActorType::VALUES[(word & 0xff) as usize - 1];
    let m = match MessageType::VALUES[((word >> 8) & 0xff) as usize - 1] {
        MessageType::Custom(_) => MessageType::Custom((word >> 16) as u16),
        other => other,
    };
    (a, m)
}

/// One instrumented handler: its labels, and its own counters.
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
    /// Resolves the categories (see [`HandlerSite::deferred`]).
    resolve: fn() -> (ActorType, MessageType),
    /// The resolved categories ([`pack`]), or [`UNRESOLVED`].
    resolved: AtomicU32,
    messages: AtomicU64,
    /// Messages finished, by [`MessageOutcome`] index.
    outcomes: [AtomicU64; OUTCOMES],
    latency: Histogram,
    /// When the last message finished, in `clock::ticks` plus one; 0 never.
    last_finished: AtomicU64,
}

impl HandlerSite {
    const fn with(
        actor: &'static str,
        message: &'static str,
        resolve: fn() -> (ActorType, MessageType),
        resolved: u32,
    ) -> Self {
        Self {
            actor,
            message,
            resolve,
            resolved: AtomicU32::new(resolved),
            messages: AtomicU64::new(0),
            outcomes: [const { AtomicU64::new(0) }; OUTCOMES],
            latency: Histogram::durations(&LATENCY_BUCKETS, &BOUNDS_NANOS, Some(LATENCY_NATIVE)),
            last_finished: AtomicU64::new(0),
        }
    }

    /// A site with these labels and its counters at 0.
    pub const fn new(
        actor: &'static str,
        message: &'static str,
        actor_type: ActorType,
        message_type: MessageType,
    ) -> Self {
        fn unreachable_resolve() -> (ActorType, MessageType) {
            (ActorType::Unclassified, MessageType::Unclassified)
        }
        Self::with(
            actor,
            message,
            unreachable_resolve,
            pack(actor_type, message_type),
        )
    }

    /// A site whose categories `resolve` computes, once: when the registry starts, or when the
    /// site is first used if that comes first. What `#[instrument_actor]` declares: its
    /// `resolve` reads the actor's [`ActorKind`](super::ActorKind) and the message's
    /// [`MessageKind`](super::MessageKind), which are not `const`.
    pub const fn deferred(
        actor: &'static str,
        message: &'static str,
        resolve: fn() -> (ActorType, MessageType),
    ) -> Self {
        Self::with(actor, message, resolve, UNRESOLVED)
    }

    #[inline]
    fn categories(&self) -> u32 {
        match self.resolved.load(Ordering::Relaxed) {
            UNRESOLVED => self.resolve_now(),
            word => word,
        }
    }

    #[cold]
    fn resolve_now(&self) -> u32 {
        let (a, m) = (self.resolve)();
        // A registered handler makes its actor type live: the families by `actor_type`
        // export it from here on (from start-up, as the registry resolves every site).
        a.mark_live();
        let word = pack(a, m);
        self.resolved.store(word, Ordering::Relaxed);
        word
    }

    /// The `actor_type` label.
    #[inline]
    pub fn actor_type(&self) -> ActorType {
        unpack(self.categories()).0
    }

    /// The `actor_type` label's index, for the per-type tables of the hot path.
    #[inline]
    pub(crate) fn actor_index(&self) -> u8 {
        (self.categories() & 0xff) as u8 - 1
    }

    /// The `message_type` label.
    pub fn message_type(&self) -> MessageType {
        unpack(self.categories()).1
    }

    /// Messages started at this site.
    pub fn messages(&self) -> u64 {
        self.messages.load(Ordering::Relaxed)
    }

    /// Messages finished at this site with `outcome`.
    pub fn outcome(&self, outcome: MessageOutcome) -> u64 {
        self.outcomes[outcome.index()].load(Ordering::Relaxed)
    }

    /// Messages finished at this site with any outcome.
    pub fn finished_total(&self) -> u64 {
        self.outcomes
            .iter()
            .map(|o| o.load(Ordering::Relaxed))
            .sum()
    }

    /// Messages that finished `error` or `panicked` at this site.
    pub fn errors(&self) -> u64 {
        self.outcome(MessageOutcome::Error) + self.outcome(MessageOutcome::Panicked)
    }

    /// The latency of the messages finished at this site (cancelled ones apart).
    pub fn latency(&self) -> &Histogram {
        &self.latency
    }

    /// When a message last finished at this site (any outcome but `cancelled`), in Unix
    /// seconds.
    pub fn last_activity_unix_seconds(&self) -> Option<f64> {
        match self.last_finished.load(Ordering::Relaxed) {
            0 => None,
            n => Some(crate::clock::unix_seconds_of(n - 1)),
        }
    }

    #[inline]
    pub(crate) fn count_message(&self) {
        self.messages.fetch_add(1, Ordering::Relaxed);
        #[cfg(feature = "testing")]
        if crate::capture::active() {
            crate::capture::record(crate::capture::key(self), crate::capture::Event::Started);
        }
    }

    /// Records a message that finished with `outcome` after `nanos`, at `end`
    /// (`clock::ticks`); `trace` is its exemplar's trace when there is one.
    #[inline]
    pub(crate) fn finished(
        &self,
        outcome: MessageOutcome,
        nanos: u64,
        end: u64,
        trace: Option<TraceId>,
    ) {
        self.outcomes[outcome.index()].fetch_add(1, Ordering::Relaxed);
        #[cfg(feature = "testing")]
        if crate::capture::active() {
            crate::capture::record(
                crate::capture::key(self),
                crate::capture::Event::Finished(outcome.index()),
            );
        }
        if outcome == MessageOutcome::Cancelled {
            return;
        }
        match trace {
            Some(t) => self.latency.observe_nanos_with_exemplar(nanos, t),
            None => self.latency.observe_nanos(nanos),
        }
        self.last_finished
            .store(end.saturating_add(1), Ordering::Relaxed);
    }

    fn key(&self) -> Key {
        let (a, m) = unpack(self.categories());
        (a.index(), m.index(), self.actor, self.message)
    }
}

/// Registers a [`HandlerSite`] at start-up: `inventory::submit! { SiteRegistration(&SITE) }`.
#[derive(Debug)]
pub struct SiteRegistration(pub &'static HandlerSite);

inventory::collect!(SiteRegistration);

type Key = (usize, usize, &'static str, &'static str);

/// The registered sites, grouped by their labels (two sites of one handler, such as a
/// `Handler` impl and an inherent helper for the same message, export one series). Resolves
/// every site's categories and makes their actor types live.
fn groups() -> &'static [(Key, Vec<&'static HandlerSite>)] {
    static GROUPS: OnceLock<Vec<(Key, Vec<&'static HandlerSite>)>> = OnceLock::new();
    GROUPS.get_or_init(|| {
        let mut map: BTreeMap<Key, Vec<&'static HandlerSite>> = BTreeMap::new();
        for r in inventory::iter::<SiteRegistration> {
            // A registered handler makes its actor type live (a site built with its types
            // known never runs `resolve_now`).
            r.0.actor_type().mark_live();
            map.entry(r.0.key()).or_default().push(r.0);
        }
        map.into_iter().collect()
    })
}

/// Groups the registered sites and resolves their categories (the registry's start).
pub(crate) fn init() {
    crate::clock::warm_up();
    groups();
}

/// Every registered site.
pub fn sites() -> impl Iterator<Item = &'static HandlerSite> {
    groups().iter().flat_map(|(_, s)| s.iter().copied())
}

/// The actor type the registered handlers of the actor named `actor` (its type name) have,
/// if any has one.
#[cfg(feature = "actor")]
pub(crate) fn actor_type_of_actor(actor: &str) -> Option<ActorType> {
    sites()
        .find(|s| s.actor == actor)
        .map(HandlerSite::actor_type)
}

/// The message type the registered handlers of the message named `message` have, if any
/// has one.
#[cfg(feature = "actor")]
pub(crate) fn message_type_of_message(message: &str) -> Option<MessageType> {
    sites()
        .find(|s| s.message == message)
        .map(HandlerSite::message_type)
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

    /// Messages started with these labels, summed over the sites that carry them.
    pub fn get(
        &self,
        actor_type: ActorType,
        message_type: MessageType,
        actor: &str,
        message: &str,
    ) -> u64 {
        sites()
            .filter(|s| {
                s.actor_type() == actor_type
                    && s.message_type() == message_type
                    && s.actor == actor
                    && s.message == message
            })
            .map(HandlerSite::messages)
            .sum()
    }

    /// Calls `f` with each exported series: the registered sites grouped by their labels.
    fn for_each_series(&self, mut f: impl FnMut(&Series<'_>)) {
        for ((t, m, _, _), sites) in groups() {
            f(&Series {
                actor_type: ActorType::VALUES[*t],
                message_type: sites[0].message_type(),
                sites,
            });
            let _ = m;
        }
    }

    fn kind(&self) -> Kind {
        match self.which {
            Which::Messages => Kind::Counter,
            Which::Latency => Kind::Histogram,
        }
    }
}

/// One exported series of a [`SiteFamily`]: every site of one handler.
struct Series<'a> {
    actor_type: ActorType,
    message_type: MessageType,
    sites: &'a [&'static HandlerSite],
}

impl Series<'_> {
    fn messages(&self) -> u64 {
        self.sites.iter().map(|s| s.messages()).sum()
    }

    /// The bucket counts (not cumulative) and the sum in nanoseconds, added up.
    fn counts(&self) -> ([u64; SLOTS], u64) {
        let mut counts = [0; SLOTS];
        let mut sum: u64 = 0;
        for s in self.sites {
            for (acc, c) in counts.iter_mut().zip(s.latency.bucket_counts()) {
                *acc += c;
            }
            sum = sum.wrapping_add(s.latency.sum_nanos().unwrap_or(0) as u64);
        }
        (counts, sum)
    }

    /// The latest exemplar of bucket `i` among the sites.
    fn exemplar(&self, i: usize) -> Option<Exemplar> {
        self.sites
            .iter()
            .filter_map(|s| s.latency.exemplar(i))
            .max_by_key(|e| e.timestamp_ms)
    }

    fn native(&self) -> Option<NativeSnapshot> {
        NativeBuckets::merged(self.sites.iter().filter_map(|s| s.latency.native_buckets()))
    }
}

impl Collect for SiteFamily {
    fn descriptor(&self) -> &'static Descriptor {
        self.desc
    }

    fn init(&self) {
        groups();
    }

    /// A counter per series, or a histogram with its exemplars (OpenMetrics, protobuf) and
    /// native buckets (protobuf); with start times, each series started at the process's
    /// start (the registry's: the sites count from then).
    fn encode(&self, enc: &mut Encoder<'_>) {
        let mut family = enc.family_of(self.desc.name, self.desc.help, self.kind());
        let target = family.target();
        self.for_each_series(|s| {
            let labels = [
                ("actor_type", s.actor_type.as_str()),
                ("message_type", s.message_type.as_str()),
                ("actor", s.sites[0].actor),
                ("message", s.sites[0].message),
            ];
            match self.which {
                Which::Messages => family.sample(&labels, s.messages()),
                Which::Latency => {
                    let native = (target == Target::Protobuf).then(|| s.native()).flatten();
                    let (counts, sum_nanos) = s.counts();
                    let exemplars: [Option<Exemplar>; SLOTS] = if target == Target::Text {
                        [None; SLOTS]
                    } else {
                        std::array::from_fn(|i| s.exemplar(i))
                    };
                    let h =
                        HistogramSeries::new(&LATENCY_BUCKETS, &counts, sum_nanos as f64 * 1e-9)
                            .exemplars(&exemplars)
                            .native(native.as_ref());
                    family.histogram(&labels, &h);
                }
            }
        });
    }

    fn series_count(&self) -> usize {
        groups().len()
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
    fn categories_pack_and_unpack() {
        for a in ActorType::VALUES {
            for m in MessageType::VALUES
                .iter()
                .copied()
                .chain([MessageType::Custom(7), MessageType::Custom(u16::MAX)])
            {
                assert_eq!(unpack(pack(*a, m)), (*a, m));
                assert_ne!(pack(*a, m), UNRESOLVED);
            }
        }
    }

    #[test]
    fn a_deferred_site_resolves_once() {
        use std::sync::atomic::AtomicUsize;
        static CALLS: AtomicUsize = AtomicUsize::new(0);
        static SITE: HandlerSite = HandlerSite::deferred("PeerActor", "GetPeers", || {
            CALLS.fetch_add(1, Ordering::Relaxed);
            (ActorType::Network, MessageType::Custom(3))
        });
        assert_eq!(SITE.actor_type(), ActorType::Network);
        assert_eq!(SITE.message_type(), MessageType::Custom(3));
        assert_eq!(SITE.actor_index(), ActorType::Network.index() as u8);
        assert_eq!(CALLS.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn latency_buckets_are_upper_inclusive_with_native_buckets_and_exemplars() {
        static SITE: HandlerSite =
            HandlerSite::new("A", "M", ActorType::Chain, MessageType::System);
        SITE.finished(MessageOutcome::Ok, 1_000_000, 5, None); // exactly 1 ms: the first bucket
        SITE.finished(MessageOutcome::Ok, 1_000_001, 6, None);
        SITE.finished(
            MessageOutcome::Error,
            3_000_000,
            7,
            Some(TraceId::from_u64(0x2a)),
        );
        SITE.finished(MessageOutcome::Cancelled, 10_000_000_000, 8, None);
        let h = SITE.latency();
        assert_eq!(h.cumulative_counts()[..2], [1, 3]);
        assert_eq!(h.sample_count(), 3);
        assert_eq!(h.sum_nanos(), Some(5_000_001));
        let n = h.native().expect("native buckets");
        // 1 ms: 8 log2(0.001) = -79.7, so bucket -79; 3 ms: 8 log2(0.003) = -67.0, bucket -67.
        assert_eq!(n.schema, 3);
        assert_eq!(n.positive, vec![(-79, 2), (-67, 1)]);
        assert_eq!(h.exemplar(0), None);
        let e = h.exemplar(1).expect("the exemplar of (1 ms, 5 ms]");
        assert_eq!((e.value, e.trace_id), (0.003, TraceId::from_u64(0x2a)));
        assert_eq!(
            (SITE.errors(), SITE.finished_total()),
            (1, 4),
            "cancelled is finished, not an error"
        );
        assert!(SITE.last_activity_unix_seconds().is_some());
    }
}
