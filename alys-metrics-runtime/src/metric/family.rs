use std::borrow::Cow;
use std::ops::Deref;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{OnceLock, PoisonError, RwLock};

use super::encoder::{Encoder, ProtoSeries, Target, TextSeries};
use super::{Descriptor, Kind, MetricCore, NativeConfig};
use crate::exposition::created::{self, Created};
use crate::exposition::protobuf::wire;
use crate::exposition::{
    openmetrics, protobuf, write_header, write_label_value, ExemplarWriter, LinePrefixes,
    SampleWriter,
};
use crate::labels::{LabelDim, LabelSet};

/// A declared metric family: the type of every `#[alys_metric]` static.
///
/// `M` is the value type ([`Counter`](super::Counter), [`Gauge`](super::Gauge), ...), `L` the
/// tuple of label dimensions. All children live in one array, created (at zero) the first time
/// the family is touched or when the registry starts; [`with`](Metric::with) turns the typed
/// label values into an index into it. An unlabelled family dereferences to its only child.
///
/// # Only the combinations that can happen
///
/// By default every combination of the enum labels is exported (at 0 until it moves), for
/// each value of the dynamic labels in use. Where the labels are not a free product, a
/// family declares which combinations exist ([`combinations`](Metric::combinations), or
/// `combinations = path` in `#[alys_metric]`: a state machine's edges, the error types a
/// phase can raise), and, where several dynamic labels only occur together in the tuples a
/// program uses, that only those tuples exist ([`dynamic_tuples`](Metric::dynamic_tuples)).
/// The other children are never exported; an update of one is counted in a child nobody
/// reads, so code that records must stay inside the declared combinations (the domain
/// functions of `actor` and `chain` do).
pub struct Metric<M: MetricCore, L: LabelSet = ()> {
    desc: &'static Descriptor,
    native: Option<NativeConfig>,
    /// The combinations of the label slots that can happen, when not all of them can.
    valid: Option<ValidCombination>,
    /// True when the dynamic labels' values exist only in the tuples used.
    tuples: bool,
    family: OnceLock<Family<M, L>>,
}

/// A predicate over one child's label slots (one per label, in declaration order; a dynamic
/// label's slot is passed too and is ignored by the predicates `#[alys_metric]` writes): true
/// when that combination of label values can happen.
pub type ValidCombination = fn(&[usize]) -> bool;

struct Family<M: MetricCore, L: LabelSet> {
    children: Box<[M]>,
    shared: M::Shared,
    state: L::State,
    /// The HELP and TYPE lines and every sample line's `name{labels} ` prefix, rendered on
    /// the first scrape; only for label sets whose values are all known up front (no dynamic
    /// dimension), whose children and lines never change.
    lines: OnceLock<Lines>,
    /// The same for a family with a dynamic dimension: the exported children and their line
    /// prefixes, for as long as no new label value makes another child exported.
    dynamic: RwLock<Option<DynamicLines>>,
    /// With declared combinations: for each child, whether its combination can happen.
    allowed: Option<Box<[bool]>>,
    /// With declared combinations and only enum labels: the exported children, ascending.
    static_indices: Option<Box<[usize]>>,
    /// With `dynamic_tuples`: for each tuple of dynamic slots, whether it was used.
    touched: Option<Box<[AtomicBool]>>,
    /// Bumped when a tuple becomes used and when `forget` clears tuples: with the live slots
    /// and the release generation it tells whether the exported children changed.
    touches: AtomicUsize,
    /// When the family was allocated (at registry start for the `#[alys_metric]` statics):
    /// the start time of its enum-labelled series (and of a dynamic label's `"other"`); a
    /// series with a dynamic value starts when the value took its slot (later than this).
    created: Created,
}

/// A family's text without its values.
struct Lines {
    header: Box<[u8]>,
    /// The OpenMetrics `# HELP`, `# TYPE` and `# UNIT` lines.
    om_header: Box<[u8]>,
    prefixes: LinePrefixes,
}

/// [`Lines`] of the children exported when they were rendered. Live slots are only ever
/// added (a dynamic value keeps its slot for good, `"other"` once used stays), so the same
/// number of exported children and the same release generation mean the same children.
struct DynamicLines {
    children: Box<[usize]>,
    /// The product of the dimensions' live slots when rendered.
    live: usize,
    generation: u64,
    /// [`Family::touches`] when rendered.
    touches: usize,
    lines: Lines,
}

impl<M: MetricCore, L: LabelSet> Metric<M, L> {
    /// True when the exported children are fixed from start-up: every label an enum and none
    /// gated ([`LabelSet::GATED`]). Otherwise the exported children are the live slots' and
    /// their lines are rendered again when those change.
    const FIXED: bool = L::STATIC && !L::GATED;

    /// A family for `desc`, not yet allocated. Called by `#[alys_metric]`.
    pub const fn new(desc: &'static Descriptor) -> Self {
        Self {
            desc,
            native: None,
            valid: None,
            tuples: false,
            family: OnceLock::new(),
        }
    }

    /// Exports only the children whose label slots `valid` accepts (see the
    /// [type](Metric#only-the-combinations-that-can-happen) docs). Called by `#[alys_metric]`
    /// for `combinations = path`; `valid` is asked once per child, when the family is
    /// allocated.
    #[must_use]
    pub const fn combinations(mut self, valid: ValidCombination) -> Self {
        self.valid = Some(valid);
        self
    }

    /// Exports a tuple of dynamic label values only once [`with`](Metric::with) was called
    /// with it, rather than every combination of the values in use: for labels like
    /// (actor, dependency, operation) whose values occur together only as a program uses
    /// them. Called by `#[alys_metric]` for `dynamic_tuples`. Costs one relaxed atomic load
    /// in `with` (a store the first time a tuple is used); no effect without dynamic labels.
    #[must_use]
    pub const fn dynamic_tuples(mut self) -> Self {
        self.tuples = true;
        self
    }

    /// A histogram family whose children also keep native buckets. Called by
    /// `#[alys_metric(histogram, native)]`; other kinds ignore `native`.
    pub const fn new_native(desc: &'static Descriptor, native: NativeConfig) -> Self {
        Self {
            desc,
            native: Some(native),
            valid: None,
            tuples: false,
            family: OnceLock::new(),
        }
    }

    /// The native buckets the family's children keep, when declared `native`.
    pub fn native_config(&self) -> Option<NativeConfig> {
        self.native
    }

    /// The declaration's descriptor.
    pub fn descriptor(&self) -> &'static Descriptor {
        self.desc
    }

    #[inline(always)]
    fn family(&self) -> &Family<M, L> {
        self.family.get_or_init(|| self.allocate())
    }

    #[cold]
    fn allocate(&self) -> Family<M, L> {
        let allowed: Option<Box<[bool]>> = self.valid.map(|valid| {
            let mut slots = [0usize; 6];
            (0..L::CARDINALITY)
                .map(|index| {
                    Self::slots_of(index, &mut slots);
                    valid(&slots[..L::ARITY])
                })
                .collect()
        });
        let static_indices = match &allowed {
            Some(a) if Self::FIXED => Some((0..L::CARDINALITY).filter(|i| a[*i]).collect()),
            _ => None,
        };
        let touched = (self.tuples && !L::STATIC).then(|| {
            let tuples: usize = (0..L::ARITY)
                .filter(|d| !L::dim_static(*d))
                .map(L::dim_size)
                .product();
            (0..tuples).map(|_| AtomicBool::new(false)).collect()
        });
        Family {
            children: (0..L::CARDINALITY)
                .map(|_| M::new_child_native(self.desc, self.native))
                .collect(),
            shared: M::new_shared(self.desc),
            state: L::new_state(),
            lines: OnceLock::new(),
            dynamic: RwLock::new(None),
            allowed,
            static_indices,
            touched,
            touches: AtomicUsize::new(0),
            created: Created::now(),
        }
    }

    /// The start of the child at `index`: the family's, or the latest time one of its
    /// dynamic label values took its slot (its first use, or its first use after `forget`).
    fn child_since(fam: &Family<M, L>, index: usize) -> Option<Created> {
        Self::child_since_nanos(fam, index).map(Created::at_unix_nanos)
    }

    /// [`child_since`](Self::child_since) in nanoseconds since the Unix epoch, `None` when
    /// it is the family's.
    fn child_since_nanos(fam: &Family<M, L>, index: usize) -> Option<u64> {
        if L::STATIC {
            return None;
        }
        let mut latest = fam.created.unix_nanos();
        let mut rest = index;
        for dim in (0..L::ARITY).rev() {
            let size = L::dim_size(dim);
            if let Some(t) = L::slot_since(&fam.state, dim, rest % size) {
                latest = latest.max(t);
            }
            rest /= size;
        }
        (latest != fam.created.unix_nanos()).then_some(latest)
    }

    /// The slot of each dimension in the flat child index `index`.
    fn slots_of(mut index: usize, slots: &mut [usize; 6]) {
        for dim in (0..L::ARITY).rev() {
            let size = L::dim_size(dim);
            slots[dim] = index % size;
            index /= size;
        }
    }

    /// The index of the tuple of dynamic slots in the flat child index `index`, as `with`
    /// computes it (the first dynamic dimension turning slowest).
    fn tuple_of(mut index: usize) -> usize {
        let (mut tuple, mut scale) = (0, 1);
        for dim in (0..L::ARITY).rev() {
            let size = L::dim_size(dim);
            if !L::dim_static(dim) {
                tuple += (index % size) * scale;
                scale *= size;
            }
            index /= size;
        }
        tuple
    }

    /// Marks the tuple of dynamic slots `tuple` used (`dynamic_tuples`).
    #[inline(always)]
    fn touch(fam: &Family<M, L>, tuple: usize) {
        if let Some(flag) = fam.touched.as_ref().and_then(|t| t.get(tuple)) {
            if !flag.load(Ordering::Relaxed) && !flag.swap(true, Ordering::Relaxed) {
                fam.touches.fetch_add(1, Ordering::Release);
            }
        }
    }

    /// True when the child at `index` is exported: its combination is declared and, with
    /// `dynamic_tuples`, its tuple of dynamic values was used.
    fn exported(fam: &Family<M, L>, index: usize) -> bool {
        if let Some(a) = &fam.allowed {
            if !a.get(index).copied().unwrap_or(false) {
                return false;
            }
        }
        match &fam.touched {
            Some(t) => t
                .get(Self::tuple_of(index))
                .is_some_and(|f| f.load(Ordering::Relaxed)),
            None => true,
        }
    }

    /// True when the child of these label slots (one per label) is exported: the label
    /// combination is declared (or the family declares none) and, with `dynamic_tuples`, the
    /// tuple was used. For tests and tools; `false` for slots out of range.
    pub fn is_exported(&self, slots: &[usize]) -> bool {
        if slots.len() != L::ARITY {
            return false;
        }
        let mut index = 0usize;
        for (dim, slot) in slots.iter().enumerate() {
            if *slot >= L::dim_size(dim) {
                return false;
            }
            if L::GATED && !L::slot_live(&self.family().state, dim, *slot) {
                return false;
            }
            index = index * L::dim_size(dim) + slot;
        }
        Self::exported(self.family(), index)
    }

    /// The number of label combinations the family can export: the declared combinations
    /// times the slots of its dynamic labels (the product of the slots without declared
    /// combinations). What the compile-time cardinality check of `combinations = ..` counts.
    pub fn reachable(&self) -> usize {
        match &self.family().allowed {
            Some(a) => a.iter().filter(|x| **x).count(),
            None => L::CARDINALITY,
        }
    }

    /// The child at a flat index; the index is always below `L::CARDINALITY` by construction.
    #[inline(always)]
    fn child(&self, index: usize) -> &M {
        &self.family().children[index]
    }

    /// Label values of the child at `index`, or `None` when a dynamic slot in it is unused.
    fn child_labels<'s>(
        fam: &'s Family<M, L>,
        mut index: usize,
        out: &mut [Cow<'s, str>; 6],
    ) -> bool {
        for dim in (0..L::ARITY).rev() {
            let size = L::dim_size(dim);
            match L::slot_value(&fam.state, dim, index % size) {
                Some(v) => out[dim] = v,
                None => return false,
            }
            index /= size;
        }
        true
    }

    /// Removes the series of a dynamic label value that is gone for good (a disconnected
    /// peer, a retired validator) and frees its slot for the next new value; returns whether
    /// the value held a slot. The value is sanitised as [`with`](Metric::with) does. Every
    /// child with that value is reset to zero, so the slot's next value starts from zero.
    ///
    /// A reference to one of those children obtained before (`let c = M.with("x");`) then
    /// points at the slot's next value: drop such references before forgetting their value.
    /// Enum label values and `"other"` are never forgotten.
    ///
    /// ```
    /// # extern crate alys_metrics_runtime as alys_metrics;
    /// use alys_metrics::prelude::*;
    ///
    /// /// Quality of each connected peer.
    /// #[alys_metric(gauge, labels(peer_id: dynamic(max = 2)))]
    /// static QUALITY: Gauge;
    ///
    /// QUALITY.with("peer-a").set(0.9);
    /// QUALITY.with("peer-b").set(0.7);
    /// assert!(QUALITY.forget("peer-a"));
    /// QUALITY.with("peer-c").set(0.8); // takes peer-a's slot instead of folding into "other"
    /// let text = alys_metrics::registry().encode_to_string();
    /// assert!(!text.contains("peer-a"));
    /// assert!(text.contains("alys_quality{peer_id=\"peer-c\"} 0.8\n"));
    /// ```
    pub fn forget(&self, value: &str) -> bool {
        let fam = self.family();
        L::release(&fam.state, value, &mut |dim, slot| {
            for (index, child) in fam.children.iter().enumerate() {
                if Self::digit(index, dim) == slot {
                    child.reset();
                    if let Some(flag) = fam
                        .touched
                        .as_ref()
                        .and_then(|t| t.get(Self::tuple_of(index)))
                    {
                        flag.store(false, Ordering::Relaxed);
                    }
                }
            }
            // Lines a scrape rendered while the flags were being cleared are stale: the
            // changed count makes the next scrape render them again.
            if fam.touched.is_some() {
                fam.touches.fetch_add(1, Ordering::Release);
            }
        })
    }

    /// A number that changes whenever a dynamic label value of this metric is
    /// [forgotten](Metric::forget). A child reference kept from [`with`](Metric::with) still
    /// belongs to its label values while this number is unchanged; compare it before reusing a
    /// cached reference in code where values may be forgotten. Always 0 without dynamic labels.
    pub fn generation(&self) -> u64 {
        L::generation(&self.family().state)
    }

    /// The slot of dimension `dim` in the flat child index `index`.
    fn digit(mut index: usize, dim: usize) -> usize {
        for d in (dim + 1..L::ARITY).rev() {
            index /= L::dim_size(d);
        }
        index % L::dim_size(dim)
    }

    /// Number of series currently exported (enum series always; dynamic ones once used), in
    /// the declared combinations only.
    pub fn series_count(&self) -> usize {
        let fam = self.family();
        if let Some(s) = &fam.static_indices {
            return s.len();
        }
        if Self::FIXED {
            return L::CARDINALITY;
        }
        if fam.allowed.is_none() && fam.touched.is_none() {
            return Self::live_series(fam);
        }
        Self::exported_indices(fam).len()
    }

    /// The flat index of every exported child of a family with a dynamic dimension, ascending.
    fn exported_indices(fam: &Family<M, L>) -> Vec<usize> {
        let mut indices = LiveSlots::of(fam).indices::<L>();
        if fam.allowed.is_some() || fam.touched.is_some() {
            indices.retain(|i| Self::exported(fam, *i));
        }
        indices
    }

    /// Number of exported children: the product of each dimension's live slots.
    fn live_series(fam: &Family<M, L>) -> usize {
        (0..L::ARITY)
            .map(|dim| L::live_slots(&fam.state, dim))
            .product()
    }
}

/// The slots of each dimension that hold a value now (every slot of an enum dimension; the
/// assigned ones and, once used, `"other"` of a dynamic one), so that a scrape visits the
/// exported children only, not the whole (mostly empty) array of a capped dynamic label.
struct LiveSlots {
    slots: Vec<usize>,
    ends: [usize; 6],
}

impl LiveSlots {
    fn of<M: MetricCore, L: LabelSet>(fam: &Family<M, L>) -> Self {
        let mut slots = Vec::new();
        let mut ends = [0; 6];
        for (dim, end) in ends.iter_mut().enumerate().take(L::ARITY) {
            slots.extend((0..L::dim_size(dim)).filter(|s| L::slot_live(&fam.state, dim, *s)));
            *end = slots.len();
        }
        Self { slots, ends }
    }

    fn of_dim(&self, dim: usize) -> &[usize] {
        let start = if dim == 0 { 0 } else { self.ends[dim - 1] };
        self.slots.get(start..self.ends[dim]).unwrap_or_default()
    }

    /// The flat index of every exported child, ascending: an odometer over the live slots of
    /// each dimension, the last one turning fastest.
    fn indices<L: LabelSet>(&self) -> Vec<usize> {
        let mut out = Vec::new();
        if (0..L::ARITY).any(|dim| self.of_dim(dim).is_empty()) {
            return out;
        }
        let mut at = [0usize; 6];
        loop {
            out.push((0..L::ARITY).fold(0, |index, dim| {
                index * L::dim_size(dim) + self.of_dim(dim).get(at[dim]).copied().unwrap_or(0)
            }));
            let mut dim = L::ARITY;
            loop {
                if dim == 0 {
                    return out;
                }
                dim -= 1;
                at[dim] += 1;
                if at[dim] < self.of_dim(dim).len() {
                    break;
                }
                at[dim] = 0;
            }
        }
    }
}

impl<M: MetricCore, L: LabelSet> Metric<M, L> {
    /// Renders the sample lines of the children at `indices`, labels and all.
    fn encode_samples(
        fam: &Family<M, L>,
        desc: &'static Descriptor,
        indices: impl Iterator<Item = usize>,
        out: &mut Vec<u8>,
        om: bool,
    ) {
        Self::encode_samples_created(fam, desc, indices, out, om, None);
    }

    /// [`encode_samples`](Self::encode_samples), with an OpenMetrics `<family>_created` line
    /// after each child when `created` is the family's OpenMetrics name.
    fn encode_samples_created(
        fam: &Family<M, L>,
        desc: &'static Descriptor,
        indices: impl Iterator<Item = usize>,
        out: &mut Vec<u8>,
        om: bool,
        created: Option<&str>,
    ) {
        let mut labels = Vec::with_capacity(128);
        let mut vals: [Cow<'_, str>; 6] = Default::default();
        for index in indices {
            let Some(child) = fam.children.get(index) else {
                continue;
            };
            if !Self::child_labels(fam, index, &mut vals) {
                continue;
            }
            labels.clear();
            render_labels(&mut labels, desc.label_names, &vals[..L::ARITY]);
            let w = SampleWriter {
                out: &mut *out,
                name: desc.name,
                labels: &labels,
            };
            if om {
                child.encode(&fam.shared, &mut TextSeries(&mut ExemplarWriter(w)));
            } else {
                child.encode(&fam.shared, &mut TextSeries(&mut { w }));
            }
            if let Some(family) = created {
                let since = Self::child_since(fam, index);
                let at = since.as_ref().unwrap_or(&fam.created);
                out.extend_from_slice(family.as_bytes());
                out.extend_from_slice(b"_created");
                if !labels.is_empty() {
                    out.push(b'{');
                    out.extend_from_slice(&labels);
                    out.push(b'}');
                }
                out.push(b' ');
                out.extend_from_slice(at.seconds().as_bytes());
                out.push(b'\n');
            }
        }
    }

    /// Renders the HELP and TYPE lines and the children at `indices` once, as [`Lines`].
    fn render_lines(fam: &Family<M, L>, desc: &'static Descriptor, indices: &[usize]) -> Lines {
        let mut header = Vec::new();
        write_header(&mut header, desc.name, desc.help, M::KIND.as_str());
        let mut om_header = Vec::new();
        openmetrics::write_header(&mut om_header, desc.name, desc.help, M::KIND.as_str());
        let mut samples = Vec::new();
        Self::encode_samples(fam, desc, indices.iter().copied(), &mut samples, false);
        Lines {
            header: header.into_boxed_slice(),
            om_header: om_header.into_boxed_slice(),
            prefixes: LinePrefixes::from_samples(&samples),
        }
    }

    /// Writes the children at `indices` after their pre-rendered lines; false (and nothing
    /// written) when a child's lines do not match them.
    fn replay(
        fam: &Family<M, L>,
        lines: &Lines,
        indices: impl Iterator<Item = usize>,
        out: &mut Vec<u8>,
        om: bool,
    ) -> bool {
        let start = out.len();
        if om {
            out.extend_from_slice(&lines.om_header);
        } else {
            out.extend_from_slice(&lines.header);
        }
        let mut w = if om {
            lines.prefixes.writer_with_exemplars(out)
        } else {
            lines.prefixes.writer(out)
        };
        for index in indices {
            if let Some(child) = fam.children.get(index) {
                child.encode(&fam.shared, &mut TextSeries(&mut w));
            }
        }
        if w.complete() {
            return true;
        }
        out.truncate(start);
        false
    }

    /// Encodes a family with a dynamic dimension from its cached lines, rendering them again
    /// when a new label value has made another child exported since.
    fn encode_dynamic_once(
        fam: &Family<M, L>,
        desc: &'static Descriptor,
        generation: u64,
        out: &mut Vec<u8>,
        om: bool,
    ) -> bool {
        let live = Self::live_series(fam);
        let touches = fam.touches.load(Ordering::Acquire);
        {
            let cache = fam.dynamic.read().unwrap_or_else(PoisonError::into_inner);
            let fresh = |c: &&DynamicLines| {
                c.live == live && c.generation == generation && c.touches == touches
            };
            if let Some(c) = cache.as_ref().filter(fresh) {
                return Self::replay(fam, &c.lines, c.children.iter().copied(), out, om);
            }
        }
        let children = Self::exported_indices(fam);
        let lines = Self::render_lines(fam, desc, &children);
        let written = Self::replay(fam, &lines, children.iter().copied(), out, om);
        *fam.dynamic.write().unwrap_or_else(PoisonError::into_inner) = Some(DynamicLines {
            children: children.into_boxed_slice(),
            live,
            generation,
            touches,
            lines,
        });
        written
    }

    /// Encodes a family with a dynamic dimension. A value forgotten (and its slot taken by
    /// another) while the family is written would put one value's sample under the other's
    /// label, so the text is written again when the release generation moved meanwhile. If
    /// values keep being forgotten through every attempt, the family's samples are left out of
    /// this scrape rather than written under labels that may be wrong.
    fn encode_dynamic(fam: &Family<M, L>, desc: &'static Descriptor, out: &mut Vec<u8>, om: bool) {
        let start = out.len();
        for attempt in 0..16 {
            let generation = L::generation(&fam.state);
            if !Self::encode_dynamic_once(fam, desc, generation, out, om) {
                Self::encode_in_full(fam, desc, out, om);
            }
            if L::generation(&fam.state) == generation {
                return;
            }
            out.truncate(start);
            if attempt >= 4 {
                std::thread::yield_now();
            }
        }
        tracing::debug!(
            metric = desc.name,
            "labels kept changing during the scrape; samples left out"
        );
        if om {
            openmetrics::write_header(out, desc.name, desc.help, M::KIND.as_str());
        } else {
            write_header(out, desc.name, desc.help, M::KIND.as_str());
        }
    }

    /// Writes the family without pre-rendered lines: for when a child wrote other lines than
    /// when they were rendered.
    fn encode_in_full(fam: &Family<M, L>, desc: &'static Descriptor, out: &mut Vec<u8>, om: bool) {
        if om {
            openmetrics::write_header(out, desc.name, desc.help, M::KIND.as_str());
        } else {
            write_header(out, desc.name, desc.help, M::KIND.as_str());
        }
        if let Some(s) = &fam.static_indices {
            return Self::encode_samples(fam, desc, s.iter().copied(), out, om);
        }
        let indices = if Self::FIXED {
            (0..L::CARDINALITY).collect()
        } else {
            Self::exported_indices(fam)
        };
        Self::encode_samples(fam, desc, indices.into_iter(), out, om);
    }

    /// Writes the family in OpenMetrics with a `_created` line after each counter or
    /// histogram child (other kinds as [`encode_text`](Self::encode_text)). Opt-in, so the
    /// lines are rendered at each scrape rather than cached; as for the other formats, a
    /// family whose dynamic labels keep being forgotten is written without samples.
    fn encode_openmetrics_created(&self, out: &mut Vec<u8>) {
        if !matches!(M::KIND, Kind::Counter | Kind::Histogram) {
            return self.encode_text(out, true);
        }
        let fam = self.family();
        let desc = self.desc;
        let family = openmetrics::family_name(desc.name, M::KIND.as_str());
        let start = out.len();
        for _ in 0..16 {
            let generation = L::generation(&fam.state);
            openmetrics::write_header(out, desc.name, desc.help, M::KIND.as_str());
            let indices: Vec<usize> = match &fam.static_indices {
                Some(s) => s.to_vec(),
                None if L::STATIC => (0..L::CARDINALITY).collect(),
                None => Self::exported_indices(fam),
            };
            Self::encode_samples_created(fam, desc, indices.into_iter(), out, true, Some(family));
            if L::generation(&fam.state) == generation {
                return;
            }
            out.truncate(start);
        }
        openmetrics::write_header(out, desc.name, desc.help, M::KIND.as_str());
    }

    /// Writes the family in text (`om` false) or OpenMetrics.
    fn encode_text(&self, out: &mut Vec<u8>, om: bool) {
        let fam = self.family();
        let desc = self.desc;
        // The children's lines are rendered once and copied; each scrape writes the values.
        if !Self::FIXED {
            return Self::encode_dynamic(fam, desc, out, om);
        }
        if let Some(s) = &fam.static_indices {
            let lines = fam.lines.get_or_init(|| Self::render_lines(fam, desc, s));
            if !Self::replay(fam, lines, s.iter().copied(), out, om) {
                Self::encode_in_full(fam, desc, out, om);
            }
            return;
        }
        let lines = fam.lines.get_or_init(|| {
            Self::render_lines(fam, desc, &(0..L::CARDINALITY).collect::<Vec<_>>())
        });
        if !Self::replay(fam, lines, 0..L::CARDINALITY, out, om) {
            Self::encode_in_full(fam, desc, out, om);
        }
    }

    /// The protobuf `Metric` of every child at `indices`, as fields 4 of a `MetricFamily`.
    fn proto_metrics(
        fam: &Family<M, L>,
        desc: &'static Descriptor,
        indices: impl Iterator<Item = usize>,
        out: &mut Vec<u8>,
        created: bool,
    ) {
        let mut vals: [Cow<'_, str>; 6] = Default::default();
        let mut m = Vec::with_capacity(128);
        let mut since = Vec::with_capacity(16);
        for index in indices {
            let Some(child) = fam.children.get(index) else {
                continue;
            };
            if !Self::child_labels(fam, index, &mut vals) {
                continue;
            }
            m.clear();
            for (k, v) in desc.label_names.iter().zip(&vals[..L::ARITY]) {
                wire::label_pair(&mut m, k, v);
            }
            let at = if created {
                Some(match Self::child_since_nanos(fam, index) {
                    Some(nanos) => {
                        since.clear();
                        created::write_timestamp(&mut since, nanos);
                        &since[..]
                    }
                    None => fam.created.proto_body(),
                })
            } else {
                None
            };
            child.encode(
                &fam.shared,
                &mut ProtoSeries {
                    m: &mut m,
                    kind: M::KIND,
                    created: at,
                },
            );
            wire::message(out, 4, &m);
        }
    }

    /// Writes the family as one delimited protobuf `MetricFamily`, each counter and histogram
    /// with its `created_timestamp` when `created`. As for text, a family whose dynamic
    /// labels keep being forgotten during the scrape is written without samples rather than
    /// with samples under labels that may be wrong.
    fn encode_proto_family(&self, out: &mut Vec<u8>, created: bool) {
        let fam = self.family();
        let desc = self.desc;
        let mut msg = Vec::with_capacity(256);
        let head = |msg: &mut Vec<u8>| {
            msg.clear();
            wire::bytes(msg, 1, desc.name.as_bytes());
            wire::bytes(msg, 2, desc.help.as_bytes());
            wire::uint(msg, 3, protobuf::metric_type(M::KIND.as_str()) as u64);
        };
        head(&mut msg);
        if let Some(s) = &fam.static_indices {
            Self::proto_metrics(fam, desc, s.iter().copied(), &mut msg, created);
        } else if Self::FIXED {
            Self::proto_metrics(fam, desc, 0..L::CARDINALITY, &mut msg, created);
        } else {
            for attempt in 0..16 {
                let generation = L::generation(&fam.state);
                let indices = Self::exported_indices(fam);
                Self::proto_metrics(fam, desc, indices.into_iter(), &mut msg, created);
                if L::generation(&fam.state) == generation {
                    break;
                }
                head(&mut msg);
                if attempt == 15 {
                    tracing::debug!(
                        metric = desc.name,
                        "labels kept changing during the scrape; samples left out"
                    );
                }
            }
        }
        wire::varint(out, msg.len() as u64);
        out.extend_from_slice(&msg);
    }
}

impl<M: MetricCore> Deref for Metric<M, ()> {
    type Target = M;
    #[inline(always)]
    fn deref(&self) -> &M {
        self.child(0)
    }
}

macro_rules! with_impl {
    ($($T:ident $a:ident $i:tt),+) => {
        impl<M: MetricCore, $($T: LabelDim),+> Metric<M, ($($T,)+)> {
            /// The child for these label values, one per declared label, in order.
            ///
            /// For enum labels this is a few multiplications and an array index: no hashing, no
            /// lock, no allocation. A dynamic (`&str`) label is sanitised and looked up in its
            /// bounded table; keep the returned reference where that value is updated often.
            #[inline(always)]
            #[allow(clippy::too_many_arguments)]
            pub fn with(&self, $($a: $T::Input<'_>),+) -> &M {
                let fam = self.family();
                let mut index = 0usize;
                let mut tuple = 0usize;
                $(
                    let slot = $T::resolve(&fam.state.$i, $a);
                    index = index * $T::SIZE + slot;
                    if !$T::STATIC {
                        tuple = tuple * $T::SIZE + slot;
                    }
                )+
                if !<($($T,)+) as LabelSet>::STATIC && fam.touched.is_some() {
                    Self::touch(fam, tuple);
                }
                &fam.children[index]
            }
        }
    };
}

with_impl!(A a 0);
with_impl!(A a 0, B b 1);
with_impl!(A a 0, B b 1, C c 2);
with_impl!(A a 0, B b 1, C c 2, D d 3);
with_impl!(A a 0, B b 1, C c 2, D d 3, E e 4);
with_impl!(A a 0, B b 1, C c 2, D d 3, E e 4, F f 5);

/// A metric family as the registry sees it: something that can describe and encode itself.
///
/// Implemented by every [`Metric`]; implement it to export values computed at scrape time and
/// register the collector with the registry (`Registry::register`).
pub trait Collect: Send + Sync {
    /// The family's descriptor.
    fn descriptor(&self) -> &'static Descriptor;
    /// Allocates the family so that every enum-labelled series exists (at 0).
    fn init(&self);
    /// Writes the family, once, in whatever format `enc` writes: its header
    /// ([`Encoder::family`]) and its series ([`FamilyEncoder::sample`],
    /// [`FamilyEncoder::histogram`]).
    ///
    /// [`FamilyEncoder::sample`]: super::encoder::FamilyEncoder::sample
    /// [`FamilyEncoder::histogram`]: super::encoder::FamilyEncoder::histogram
    fn encode(&self, enc: &mut Encoder<'_>);
    /// Number of series the family exports now.
    fn series_count(&self) -> usize;
    /// Values of dynamic labels folded into `"other"` so far.
    fn overflowed(&self) -> u64 {
        0
    }
    /// True when the family has a dynamic (capped string) label.
    fn has_dynamic_labels(&self) -> bool {
        false
    }
}

impl<M: MetricCore, L: LabelSet> Collect for Metric<M, L> {
    fn descriptor(&self) -> &'static Descriptor {
        self.desc
    }

    fn init(&self) {
        self.family();
    }

    /// A declared family writes its own format: text and OpenMetrics copy its pre-rendered
    /// line prefixes and write the values, protobuf writes each child's fields.
    fn encode(&self, enc: &mut Encoder<'_>) {
        let created = enc.created();
        match enc.target() {
            Target::Text => self.encode_text(enc.out(), false),
            Target::OpenMetrics if created => self.encode_openmetrics_created(enc.out()),
            Target::OpenMetrics => self.encode_text(enc.out(), true),
            Target::Protobuf => self.encode_proto_family(enc.out(), created),
        }
    }

    fn series_count(&self) -> usize {
        Metric::series_count(self)
    }

    fn overflowed(&self) -> u64 {
        L::overflowed(&self.family().state)
    }

    fn has_dynamic_labels(&self) -> bool {
        !L::STATIC
    }
}

/// Appends `name="value",...` for one child.
fn render_labels(out: &mut Vec<u8>, names: &[&str], values: &[Cow<'_, str>]) {
    for (dim, (name, value)) in names.iter().zip(values).enumerate() {
        if dim > 0 {
            out.push(b',');
        }
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b"=\"");
        write_label_value(out, value);
        out.push(b'"');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labels::{Dynamic, IoOperation, LabelValue};
    use crate::metric::{Counter, Kind};

    static DESC: Descriptor = Descriptor::new("t_ops_total", "Ops.", Kind::Counter)
        .labels(&["operation", "peer"], &["IoOperation", "dynamic(max = 3)"])
        .declared_at("tests::DESC", file!(), line!());

    fn text(m: &Metric<Counter, (IoOperation, Dynamic<3>)>) -> String {
        let mut out = Vec::new();
        m.encode(&mut Encoder::new(&mut out, Target::Text));
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn only_used_dynamic_series_are_exported_in_index_order() {
        let m = Metric::<Counter, (IoOperation, Dynamic<3>)>::new(&DESC);
        assert_eq!(
            text(&m),
            "# HELP t_ops_total Ops.\n# TYPE t_ops_total counter\n"
        );
        assert_eq!(m.series_count(), 0);
        m.with(IoOperation::Write, "b").inc();
        m.with(IoOperation::Read, "a").inc_by(2);
        for p in ["c", "d", "e"] {
            m.with(IoOperation::Write, p).inc();
        }
        assert_eq!(
            text(&m),
            "# HELP t_ops_total Ops.\n# TYPE t_ops_total counter\n\
             t_ops_total{operation=\"read\",peer=\"b\"} 0\n\
             t_ops_total{operation=\"read\",peer=\"a\"} 2\n\
             t_ops_total{operation=\"read\",peer=\"c\"} 0\n\
             t_ops_total{operation=\"read\",peer=\"other\"} 0\n\
             t_ops_total{operation=\"write\",peer=\"b\"} 1\n\
             t_ops_total{operation=\"write\",peer=\"a\"} 0\n\
             t_ops_total{operation=\"write\",peer=\"c\"} 1\n\
             t_ops_total{operation=\"write\",peer=\"other\"} 2\n"
        );
        assert_eq!(m.series_count(), 8);
        // Same children, new value: the cached lines are reused; a new child renders again.
        m.with(IoOperation::Read, "a").inc();
        assert!(text(&m).contains("t_ops_total{operation=\"read\",peer=\"a\"} 3\n"));
        let other = Metric::<Counter, (IoOperation, Dynamic<3>)>::new(&DESC);
        other.with(IoOperation::Read, "x").inc();
        assert_eq!(other.series_count(), 2);
        other.with(IoOperation::Read, "y").inc();
        assert!(text(&other).ends_with(
            "t_ops_total{operation=\"write\",peer=\"x\"} 0\n\
             t_ops_total{operation=\"write\",peer=\"y\"} 0\n"
        ));
    }

    #[test]
    fn declared_combinations_are_the_only_children_exported() {
        static C: Descriptor = Descriptor::new("t_edges_total", "Edges.", Kind::Counter)
            .labels(&["peer", "operation"], &["dynamic(max = 3)", "IoOperation"])
            .declared_at("tests::C", file!(), line!());
        // Only reads: the second slot (the enum) must be 0.
        fn reads_only(slots: &[usize]) -> bool {
            slots[1] == IoOperation::Read.index()
        }
        let m = Metric::<Counter, (Dynamic<3>, IoOperation)>::new(&C).combinations(reads_only);
        m.with("a", IoOperation::Read).inc();
        m.with("b", IoOperation::Read).inc_by(2);
        let mut out = Vec::new();
        m.encode(&mut Encoder::new(&mut out, Target::Text));
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "# HELP t_edges_total Edges.\n# TYPE t_edges_total counter\n\
             t_edges_total{peer=\"a\",operation=\"read\"} 1\n\
             t_edges_total{peer=\"b\",operation=\"read\"} 2\n"
        );
        assert_eq!(m.series_count(), 2);
        assert_eq!(m.reachable(), 4, "(3 values + other) x read");
        assert!(m.is_exported(&[0, IoOperation::Read.index()]));
        assert!(!m.is_exported(&[0, IoOperation::Write.index()]));
        assert!(!m.is_exported(&[0, 9]), "out of range");

        static E: Descriptor = Descriptor::new("t_enum_total", "Enum.", Kind::Counter)
            .labels(&["operation"], &["IoOperation"])
            .declared_at("tests::E", file!(), line!());
        fn writes_only(slots: &[usize]) -> bool {
            slots[0] == IoOperation::Write.index()
        }
        let e = Metric::<Counter, (IoOperation,)>::new(&E).combinations(writes_only);
        let mut out = Vec::new();
        e.encode(&mut Encoder::new(&mut out, Target::Text));
        e.encode(&mut Encoder::new(&mut Vec::new(), Target::Protobuf));
        assert!(String::from_utf8(out)
            .unwrap()
            .ends_with("# TYPE t_enum_total counter\nt_enum_total{operation=\"write\"} 0\n"));
        assert_eq!(e.series_count(), 1);
    }

    #[test]
    fn dynamic_tuples_export_the_tuples_used_and_forget_them() {
        static T: Descriptor = Descriptor::new("t_calls_total", "Calls.", Kind::Counter)
            .labels(
                &["actor", "operation"],
                &["dynamic(max = 3)", "dynamic(max = 3)"],
            )
            .declared_at("tests::T", file!(), line!());
        let m = Metric::<Counter, (Dynamic<3>, Dynamic<3>)>::new(&T).dynamic_tuples();
        m.with("engine", "get").inc();
        m.with("bridge", "put").inc();
        let text = |m: &Metric<Counter, (Dynamic<3>, Dynamic<3>)>| {
            let mut out = Vec::new();
            m.encode(&mut Encoder::new(&mut out, Target::Text));
            String::from_utf8(out).unwrap()
        };
        assert_eq!(
            text(&m),
            "# HELP t_calls_total Calls.\n# TYPE t_calls_total counter\n\
             t_calls_total{actor=\"engine\",operation=\"get\"} 1\n\
             t_calls_total{actor=\"bridge\",operation=\"put\"} 1\n",
            "not engine x put nor bridge x get"
        );
        assert_eq!(m.series_count(), 2);
        // A new tuple of values already in use: the cached lines are rendered again.
        m.with("engine", "put").inc();
        assert!(text(&m).contains("t_calls_total{actor=\"engine\",operation=\"put\"} 1\n"));
        assert_eq!(m.series_count(), 3);
        assert!(m.forget("engine"));
        assert_eq!(m.series_count(), 1);
        m.with("storage", "get").inc();
        let after = text(&m);
        assert!(!after.contains("engine"), "{after}");
        assert!(after.contains("t_calls_total{actor=\"storage\",operation=\"get\"} 1\n"));
        assert!(
            !after.contains("actor=\"storage\",operation=\"put\""),
            "{after}"
        );
    }

    /// A gated label with its own liveness, so that no other test makes its values live.
    #[derive(Clone, Copy)]
    enum Shard {
        A,
        B,
        C,
    }
    static LIVE_SHARDS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    impl crate::labels::LabelValue for Shard {
        const COUNT: usize = 3;
        const VALUES: &'static [Self] = &[Shard::A, Shard::B, Shard::C];
        const GATED: bool = true;
        fn index(self) -> usize {
            self as usize
        }
        fn as_str(self) -> &'static str {
            ["a", "b", "c"][self.index()]
        }
        fn is_live(index: usize) -> bool {
            LIVE_SHARDS.load(Ordering::Relaxed) & (1 << index) != 0
        }
        fn live_count() -> usize {
            LIVE_SHARDS.load(Ordering::Relaxed).count_ones() as usize
        }
        fn mark_live(self) {
            LIVE_SHARDS.fetch_or(1 << self.index(), Ordering::Relaxed);
        }
    }

    #[test]
    fn a_gated_label_exports_only_its_live_values_with_every_combination() {
        static G: Descriptor = Descriptor::new("t_shard_ops_total", "Ops.", Kind::Counter)
            .labels(&["shard", "operation"], &["Shard", "IoOperation"])
            .declared_at("tests::G", file!(), line!());
        let m = Metric::<Counter, (Shard, IoOperation)>::new(&G);
        let text = |m: &Metric<Counter, (Shard, IoOperation)>| {
            let mut out = Vec::new();
            m.encode(&mut Encoder::new(&mut out, Target::Text));
            String::from_utf8(out).unwrap()
        };
        let head = "# HELP t_shard_ops_total Ops.\n# TYPE t_shard_ops_total counter\n";
        assert_eq!(text(&m), head, "no shard live: no series");
        assert_eq!(m.series_count(), 0);
        // Made live from outside (a handler registered): every combination from then on, at 0.
        Shard::B.mark_live();
        assert_eq!(
            text(&m),
            format!(
                "{head}t_shard_ops_total{{shard=\"b\",operation=\"read\"}} 0\n\
                 t_shard_ops_total{{shard=\"b\",operation=\"write\"}} 0\n"
            )
        );
        // Recording under a value makes it live.
        m.with(Shard::C, IoOperation::Write).inc();
        let after = text(&m);
        assert!(after.ends_with(
            "t_shard_ops_total{shard=\"c\",operation=\"read\"} 0\n\
             t_shard_ops_total{shard=\"c\",operation=\"write\"} 1\n"
        ));
        assert!(!after.contains("shard=\"a\""), "{after}");
        assert_eq!(m.series_count(), 4);
        assert!(m.is_exported(&[Shard::C.index(), 0]));
        assert!(!m.is_exported(&[Shard::A.index(), 0]));
        let mut proto = Vec::new();
        m.encode(&mut Encoder::new(&mut proto, Target::Protobuf));
        let children = proto.windows(6).filter(|w| *w == b"\x05shard").count();
        assert_eq!(children, 4, "one label pair `shard` per exported child");
        let _ = Shard::A;
    }

    #[test]
    fn enum_families_write_the_same_text_from_their_pre_rendered_lines() {
        static E: Descriptor = Descriptor::new("t_io_total", "I/O \\ ops.", Kind::Counter)
            .labels(&["operation"], &["IoOperation"])
            .declared_at("tests::E", file!(), line!());
        let m = Metric::<Counter, (IoOperation,)>::new(&E);
        let mut first = Vec::new();
        m.encode(&mut Encoder::new(&mut first, Target::Text));
        m.with(IoOperation::Read).inc_by(7);
        let mut second = Vec::new();
        m.encode(&mut Encoder::new(&mut second, Target::Text));
        assert_eq!(
            String::from_utf8(first).unwrap(),
            "# HELP t_io_total I/O \\\\ ops.\n# TYPE t_io_total counter\n\
             t_io_total{operation=\"read\"} 0\nt_io_total{operation=\"write\"} 0\n"
        );
        assert_eq!(
            String::from_utf8(second).unwrap(),
            "# HELP t_io_total I/O \\\\ ops.\n# TYPE t_io_total counter\n\
             t_io_total{operation=\"read\"} 7\nt_io_total{operation=\"write\"} 0\n"
        );
    }

    #[test]
    fn counters_and_histograms_carry_their_family_start_in_protobuf_only_when_asked() {
        use crate::exposition::proto::Timestamp;
        use crate::metric::exemplar::TraceId;
        use crate::metric::Histogram;
        static C: Descriptor = Descriptor::new("t_ct_total", "Ct.", Kind::Counter)
            .labels(&["operation", "peer"], &["IoOperation", "dynamic(max = 3)"])
            .declared_at("tests::C", file!(), line!());
        static H: Descriptor = Descriptor::new("t_ct_seconds", "Ct.", Kind::Histogram)
            .buckets(&[0.1, 1.0])
            .declared_at("tests::H", file!(), line!());
        static G: Descriptor = Descriptor::new("t_ct_gauge", "Ct.", Kind::Gauge).declared_at(
            "tests::G",
            file!(),
            line!(),
        );
        let c = Metric::<Counter, (IoOperation, Dynamic<3>)>::new(&C);
        let h = Metric::<Histogram, ()>::new_native(&H, NativeConfig::new(3, 160));
        let g = Metric::<crate::metric::Gauge, ()>::new(&G);
        let started = c.family().created.timestamp();
        assert!(started.seconds > 1_700_000_000);
        // A dynamic value's series start when the value first takes its slot.
        std::thread::sleep(std::time::Duration::from_millis(2));
        c.with(IoOperation::Read, "a").inc_by(3);
        c.with(IoOperation::Write, "a")
            .inc_by_with_exemplar(2, TraceId::from_u64(9));
        h.observe(0.5);
        let since = |ts: Timestamp| ts.seconds as i128 * 1_000_000_000 + i128::from(ts.nanos);
        let decode = |m: &dyn Collect, created: bool| {
            let mut out = Vec::new();
            m.encode(&mut Encoder::new(&mut out, Target::Protobuf).with_created(created));
            protobuf::decode(&out).unwrap().remove(0)
        };
        let counter_start = |m: &crate::exposition::proto::Metric| {
            m.counter.as_ref().unwrap().created_timestamp.unwrap()
        };
        let fam = decode(&c, true);
        assert_eq!(fam.metric.len(), 2);
        let a_started = counter_start(&fam.metric[0]);
        assert!(
            since(a_started) > since(started),
            "after the family's allocation"
        );
        for m in &fam.metric {
            assert_eq!(counter_start(m), a_started);
        }
        // Forgotten, its slot taken by another value: a new start.
        std::thread::sleep(std::time::Duration::from_millis(2));
        assert!(c.forget("a"));
        c.with(IoOperation::Read, "b").inc();
        let b = decode(&c, true);
        let b_started = counter_start(&b.metric[0]);
        assert!(
            since(b_started) > since(a_started),
            "restarted after forget"
        );
        assert_eq!(b.metric[0].label[1].value.as_deref(), Some("b"));
        let with_exemplar = fam.metric[1].counter.as_ref().unwrap();
        assert_eq!(with_exemplar.value, Some(2.0));
        assert!(with_exemplar.exemplar.is_some());
        let off = decode(&c, false);
        assert_eq!(off.metric.len(), 2);
        assert!(off
            .metric
            .iter()
            .all(|m| m.counter.as_ref().unwrap().created_timestamp.is_none()));
        let mut plain = Vec::new();
        c.encode(&mut Encoder::new(&mut plain, Target::Protobuf));
        assert_eq!(protobuf::decode(&plain).unwrap()[0], off);

        let hist = decode(&h, true);
        let hp = hist.metric[0].histogram.as_ref().unwrap();
        let h_started: Timestamp = h.family().created.timestamp();
        assert_eq!(hp.created_timestamp, Some(h_started));
        assert_eq!(
            (hp.sample_count, hp.schema),
            (Some(1), Some(3)),
            "native and classic"
        );
        assert_eq!(hp.bucket.len(), 3);
        assert!(decode(&h, false).metric[0]
            .histogram
            .as_ref()
            .unwrap()
            .created_timestamp
            .is_none());
        let gauge = decode(&g, true);
        assert!(gauge.metric[0].gauge.is_some(), "a gauge has no start time");
    }

    #[test]
    fn openmetrics_writes_a_created_line_after_each_series_only_when_asked() {
        use crate::metric::Histogram;
        static C: Descriptor = Descriptor::new("t_om_total", "Om.", Kind::Counter)
            .labels(&["operation"], &["IoOperation"])
            .declared_at("tests::C", file!(), line!());
        static H: Descriptor = Descriptor::new("t_om_seconds", "Om.", Kind::Histogram)
            .buckets(&[1.0])
            .declared_at("tests::H", file!(), line!());
        let c = Metric::<Counter, (IoOperation,)>::new(&C);
        let h = Metric::<Histogram, ()>::new(&H);
        c.with(IoOperation::Read).inc();
        h.observe(0.5);
        let om = |m: &dyn Collect, created: bool| {
            let mut out = Vec::new();
            Collect::encode(
                m,
                &mut Encoder::new(&mut out, Target::OpenMetrics).with_created(created),
            );
            String::from_utf8(out).unwrap()
        };
        let secs = c.family().created.seconds().to_owned();
        assert_eq!(
            om(&c, true),
            format!(
                "# HELP t_om Om.\n# TYPE t_om counter\n\
                 t_om_total{{operation=\"read\"}} 1\nt_om_created{{operation=\"read\"}} {secs}\n\
                 t_om_total{{operation=\"write\"}} 0\nt_om_created{{operation=\"write\"}} {secs}\n"
            )
        );
        let mut plain = Vec::new();
        c.encode(&mut Encoder::new(&mut plain, Target::OpenMetrics));
        assert_eq!(om(&c, false), String::from_utf8(plain).unwrap());
        assert!(!om(&c, false).contains("_created"));
        let hs = h.family().created.seconds().to_owned();
        assert!(
            om(&h, true).ends_with(&format!(
                "t_om_seconds_sum 0.5\nt_om_seconds_count 1\nt_om_seconds_created {hs}\n"
            )),
            "{}",
            om(&h, true)
        );
    }
}
