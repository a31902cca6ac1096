use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Instant;

use super::exemplar::{current_trace_id, Exemplar, ExemplarSlot, TraceId};
use super::native::{NativeBuckets, NativeConfig, NativeSnapshot};
use super::{Descriptor, Kind, MetricCore};
use crate::exposition::{write_f64, SampleSink};

/// The prometheus client default buckets, for histograms declared without `buckets = [..]`.
pub const DEFAULT_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// A histogram: an observation is a short scan over the bucket bounds, one relaxed atomic
/// add on the bucket, and one compare-and-swap on the sum.
///
/// The exported `_count` is the sum of the bucket counts, so it always equals the `+Inf`
/// bucket, even while observations race with a scrape.
///
/// Declared `native`, it also counts every observation in native (sparse exponential)
/// buckets, exported in the protobuf format (see [`native`](super::native)); the classic
/// buckets stay, so text scrapes see the same histogram. Each classic bucket can keep the
/// latest [exemplar](super::exemplar) observed into it.
#[derive(Debug)]
pub struct Histogram {
    bounds: &'static [f64],
    /// One count per bound, plus the overflow (`+Inf`) bucket; not cumulative.
    counts: Box<[AtomicU64]>,
    sum: AtomicU64,
    native: Option<Box<NativeBuckets>>,
    /// One slot per classic bucket, allocated by the first exemplar.
    exemplars: OnceLock<Box<[ExemplarSlot]>>,
}

impl Histogram {
    /// A histogram with the given upper bounds (strictly increasing, finite, `+Inf` implied).
    /// `#[alys_metric]` checks the bounds at compile time.
    pub fn with_bounds(bounds: &'static [f64]) -> Self {
        Self {
            bounds,
            counts: (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect(),
            sum: AtomicU64::new(0f64.to_bits()),
            native: None,
            exemplars: OnceLock::new(),
        }
    }

    /// A histogram with classic `bounds` and native buckets as `native` describes them.
    pub fn with_native(bounds: &'static [f64], native: NativeConfig) -> Self {
        Self {
            native: Some(Box::new(NativeBuckets::new(native))),
            ..Self::with_bounds(bounds)
        }
    }

    #[inline]
    fn bucket_of(&self, v: f64) -> usize {
        self.bounds
            .iter()
            .position(|b| v <= *b)
            .unwrap_or(self.bounds.len())
    }

    /// Records one observation. NaN is ignored.
    #[inline]
    pub fn observe(&self, v: f64) {
        if v.is_nan() {
            return;
        }
        self.count(self.bucket_of(v), v);
    }

    #[inline]
    fn count(&self, i: usize, v: f64) {
        self.counts[i].fetch_add(1, Ordering::Relaxed);
        let _ = self
            .sum
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |b| {
                Some((f64::from_bits(b) + v).to_bits())
            });
        if let Some(n) = &self.native {
            n.observe(v);
        }
    }

    /// Records one observation and makes it the exemplar of its bucket, with `trace_id`.
    /// NaN is ignored.
    ///
    /// ```
    /// # extern crate alys_metrics_runtime as alys_metrics;
    /// use alys_metrics::exemplar::TraceId;
    /// use alys_metrics::Histogram;
    ///
    /// let h = Histogram::with_bounds(&[0.1, 1.0]);
    /// h.observe_with_exemplar(0.4, TraceId::from_u64(0x2a));
    /// let e = h.exemplar(1).unwrap();
    /// assert_eq!((e.value, e.trace_id.to_hex().as_str()), (0.4, "000000000000002a"));
    /// ```
    #[inline]
    pub fn observe_with_exemplar(&self, v: f64, trace_id: TraceId) {
        if v.is_nan() {
            return;
        }
        let i = self.bucket_of(v);
        self.count(i, v);
        self.store_exemplar(i, v, trace_id);
    }

    /// Records one observation, with the current trace as its exemplar when there is one
    /// ([`current_trace_id`](super::exemplar::current_trace_id)).
    #[inline]
    pub fn observe_traced(&self, v: f64) {
        match current_trace_id() {
            Some(t) => self.observe_with_exemplar(v, t),
            None => self.observe(v),
        }
    }

    /// Makes `v` the exemplar of its bucket without counting it: for code that has counted
    /// `v` already.
    #[inline]
    pub fn set_exemplar(&self, v: f64, trace_id: TraceId) {
        if !v.is_nan() {
            self.store_exemplar(self.bucket_of(v), v, trace_id);
        }
    }

    #[inline]
    fn store_exemplar(&self, i: usize, v: f64, trace_id: TraceId) {
        let slots = self.exemplars.get_or_init(|| {
            (0..self.counts.len())
                .map(|_| ExemplarSlot::default())
                .collect()
        });
        if let Some(slot) = slots.get(i) {
            slot.store(v, trace_id);
        }
    }

    /// The latest exemplar of bucket `i` (`bounds().len()` is `+Inf`), if any.
    pub fn exemplar(&self, i: usize) -> Option<Exemplar> {
        self.exemplars.get()?.get(i)?.load()
    }

    /// The native buckets, when the histogram is declared `native`.
    pub fn native(&self) -> Option<NativeSnapshot> {
        self.native.as_ref().map(|n| n.snapshot())
    }

    /// Starts a timer that observes the elapsed seconds when it is stopped or dropped.
    #[inline]
    pub fn start_timer(&self) -> HistogramTimer<'_> {
        HistogramTimer {
            histogram: self,
            start: Instant::now(),
            done: false,
        }
    }

    /// The number of observations.
    pub fn sample_count(&self) -> u64 {
        self.counts.iter().map(|c| c.load(Ordering::Relaxed)).sum()
    }

    /// The sum of the observations.
    pub fn sample_sum(&self) -> f64 {
        f64::from_bits(self.sum.load(Ordering::Relaxed))
    }

    /// The bucket upper bounds (without `+Inf`).
    pub fn bounds(&self) -> &'static [f64] {
        self.bounds
    }

    /// Cumulative count of each bucket, the last being `+Inf`.
    pub fn cumulative_counts(&self) -> Vec<u64> {
        let mut acc = 0;
        self.counts
            .iter()
            .map(|c| {
                acc += c.load(Ordering::Relaxed);
                acc
            })
            .collect()
    }
}

impl MetricCore for Histogram {
    const KIND: Kind = Kind::Histogram;
    /// The `le` label value of every bucket, rendered once.
    type Shared = Box<[Box<[u8]>]>;

    fn new_shared(desc: &'static Descriptor) -> Self::Shared {
        let bounds = if desc.buckets.is_empty() {
            DEFAULT_BUCKETS
        } else {
            desc.buckets
        };
        bounds
            .iter()
            .copied()
            .chain(std::iter::once(f64::INFINITY))
            .map(|b| {
                let mut v = Vec::new();
                write_f64(&mut v, b);
                v.into_boxed_slice()
            })
            .collect()
    }

    fn new_child(desc: &'static Descriptor) -> Self {
        Self::new_child_native(desc, None)
    }

    fn new_child_native(desc: &'static Descriptor, native: Option<NativeConfig>) -> Self {
        let bounds = if desc.buckets.is_empty() {
            DEFAULT_BUCKETS
        } else {
            desc.buckets
        };
        match native {
            Some(n) => Histogram::with_native(bounds, n),
            None => Histogram::with_bounds(bounds),
        }
    }

    fn reset(&self) {
        for c in self.counts.iter() {
            c.store(0, Ordering::Relaxed);
        }
        self.sum.store(0f64.to_bits(), Ordering::Relaxed);
        if let Some(n) = &self.native {
            n.reset();
        }
        if let Some(slots) = self.exemplars.get() {
            slots.iter().for_each(ExemplarSlot::clear);
        }
    }

    fn encode(&self, le: &Self::Shared, w: &mut impl SampleSink) {
        let mut acc = 0;
        let exemplars = if w.wants_exemplars() {
            self.exemplars.get()
        } else {
            None
        };
        for (i, (count, le)) in self.counts.iter().zip(le.iter()).enumerate() {
            acc += count.load(Ordering::Relaxed);
            w.u64("_bucket", Some(("le", le)), acc);
            if let Some(e) = exemplars
                .and_then(|s| s.get(i))
                .and_then(ExemplarSlot::load)
            {
                w.exemplar(&e);
            }
        }
        w.f64("_sum", self.sample_sum());
        w.u64("_count", None, acc);
    }

    fn encode_proto(&self, _: &Self::Shared, m: &mut Vec<u8>) {
        // Native buckets first: with observations racing, the count then covers them.
        let native = self.native();
        let buckets = self.counts.iter().enumerate().map(|(i, c)| {
            (
                c.load(Ordering::Relaxed),
                self.bounds.get(i).copied().unwrap_or(f64::INFINITY),
                self.exemplar(i),
            )
        });
        write_proto(m, native.as_ref(), buckets, || self.sample_sum());
    }
}

/// Writes the `histogram` field (7) of a protobuf `Metric` being written: the native buckets
/// when there are some (read them before the classic ones, so that the count covers them),
/// then each classic bucket from `buckets` (its own count, not cumulative; its upper bound,
/// `+Inf` last; its exemplar), the count (the sum of the bucket counts) and `sum()`.
pub(crate) fn write_proto(
    m: &mut Vec<u8>,
    native: Option<&NativeSnapshot>,
    buckets: impl ExactSizeIterator<Item = (u64, f64, Option<Exemplar>)>,
    sum: impl FnOnce() -> f64,
) {
    use crate::exposition::protobuf::wire;
    let mut h = Vec::with_capacity(64 + 24 * buckets.len());
    if let Some(n) = native {
        wire::sint(&mut h, 5, i64::from(n.schema));
        wire::double(&mut h, 6, n.zero_threshold);
        wire::uint(&mut h, 7, n.zero_count);
        let mut span = Vec::with_capacity(16);
        for (buckets, span_tag, delta_tag) in [(&n.negative, 9, 10), (&n.positive, 12, 13)] {
            let (spans, deltas) = super::native::spans_and_deltas(buckets);
            for (offset, length) in spans {
                span.clear();
                wire::sint(&mut span, 1, i64::from(offset));
                wire::uint(&mut span, 2, u64::from(length));
                wire::message(&mut h, span_tag, &span);
            }
            for d in deltas {
                wire::sint(&mut h, delta_tag, d);
            }
        }
    }
    let mut acc = 0;
    let mut bucket = Vec::with_capacity(24);
    for (count, bound, exemplar) in buckets {
        acc += count;
        bucket.clear();
        wire::uint(&mut bucket, 1, acc);
        wire::double(&mut bucket, 2, bound);
        if let Some(e) = exemplar {
            wire::exemplar(&mut bucket, 3, &e);
        }
        wire::message(&mut h, 3, &bucket);
    }
    wire::uint(&mut h, 1, acc);
    wire::double(&mut h, 2, sum());
    wire::message(m, 7, &h);
}

/// Measures a duration into a [`Histogram`]: observes on [`observe_duration`]
/// (or [`stop_and_record`]), or on drop; [`stop_and_discard`] records nothing.
///
/// [`observe_duration`]: HistogramTimer::observe_duration
/// [`stop_and_record`]: HistogramTimer::stop_and_record
/// [`stop_and_discard`]: HistogramTimer::stop_and_discard
#[must_use = "a timer observes when it is stopped or dropped; dropping it at once records ~0 s"]
#[derive(Debug)]
pub struct HistogramTimer<'a> {
    histogram: &'a Histogram,
    start: Instant,
    done: bool,
}

impl HistogramTimer<'_> {
    /// Observes the elapsed time.
    pub fn observe_duration(self) {
        self.stop_and_record();
    }

    /// Observes the elapsed time and returns it in seconds.
    pub fn stop_and_record(mut self) -> f64 {
        self.done = true;
        let secs = self.start.elapsed().as_secs_f64();
        self.histogram.observe(secs);
        secs
    }

    /// Returns the elapsed seconds without observing them.
    pub fn stop_and_discard(mut self) -> f64 {
        self.done = true;
        self.start.elapsed().as_secs_f64()
    }
}

impl Drop for HistogramTimer<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.histogram.observe(self.start.elapsed().as_secs_f64());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static BOUNDS: &[f64] = &[0.1, 1.0, 10.0];

    #[test]
    fn observations_land_in_the_first_bucket_that_holds_them() {
        let h = Histogram::with_bounds(BOUNDS);
        for v in [0.05, 0.1, 0.5, 1.0, 5.0, 50.0, f64::NAN] {
            h.observe(v);
        }
        assert_eq!(h.cumulative_counts(), vec![2, 4, 5, 6]);
        assert_eq!(h.sample_count(), 6);
        assert!((h.sample_sum() - 56.65).abs() < 1e-9);
    }

    #[test]
    fn timers_record_once_or_not_at_all() {
        let h = Histogram::with_bounds(BOUNDS);
        h.start_timer().observe_duration();
        {
            let _t = h.start_timer();
        }
        let discarded = h.start_timer().stop_and_discard();
        assert!(discarded >= 0.0);
        assert_eq!(h.sample_count(), 2);
    }
}
