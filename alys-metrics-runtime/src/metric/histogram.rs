use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Instant;

use super::encoder::{HistogramSeries, SeriesWriter, Target};
use super::exemplar::{current_trace_id, Exemplar, ExemplarSlot, TraceId};
use super::native::{NativeBuckets, NativeConfig, NativeSnapshot};
use super::{Descriptor, Kind, MetricCore};
use crate::exposition::write_f64;

/// The prometheus client default buckets, for histograms declared without `buckets = [..]`.
pub const DEFAULT_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Classic buckets a histogram keeps in place (15 bounds and `+Inf`); more are allocated.
const INLINE: usize = 16;

/// What the sum of a histogram holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sum {
    /// The bits of an `f64` sum (added with a compare-and-swap).
    Float,
    /// Integer nanoseconds as an `i64` (one atomic add), exported in seconds: a duration
    /// histogram's sum, exact however many observations it adds.
    Nanos,
}

/// A histogram: classic buckets, optionally native (sparse exponential) buckets, and the
/// latest [exemplar](super::exemplar) of each classic bucket. Constructible in a `static`
/// ([`Histogram::new`], [`Histogram::new_native`], [`Histogram::durations`]).
///
/// An observation is a short scan over the bucket bounds and one relaxed atomic add on the
/// bucket and one on the sum. The exported `_count` is the sum of the bucket counts, so it
/// always equals the `+Inf` bucket, even while observations race with a scrape.
///
/// With native buckets, every observation is also counted in them (exported in the protobuf
/// format, see [`native`](super::native)); the classic buckets stay, so text scrapes see the
/// same histogram. Only `observe_with_exemplar`, `observe_traced` and `set_exemplar` (and their
/// `_nanos` forms) write exemplars; `observe` never reads them.
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use alys_metrics::metric::NativeConfig;
/// use alys_metrics::Histogram;
///
/// static LATENCY: Histogram = Histogram::new_native(&[0.01, 0.1, 1.0], NativeConfig::DEFAULT);
/// LATENCY.observe(0.05);
/// assert_eq!(LATENCY.cumulative_counts(), vec![0, 1, 1, 1]);
/// assert_eq!(LATENCY.native().unwrap().count(), 1);
/// ```
#[derive(Debug)]
pub struct Histogram {
    bounds: &'static [f64],
    /// `bounds` in integer nanoseconds (a duration histogram), else empty.
    bounds_nanos: &'static [u64],
    /// One count per bound, plus the overflow (`+Inf`) bucket; not cumulative. The first
    /// [`INLINE`] in place, the rest in `more`.
    counts: [AtomicU64; INLINE],
    more: Option<Box<[AtomicU64]>>,
    sum: AtomicU64,
    unit: Sum,
    native: Option<NativeBuckets>,
    /// One slot per classic bucket, allocated by the first exemplar.
    exemplars: OnceLock<Box<[ExemplarSlot]>>,
}

impl Histogram {
    const fn build(
        bounds: &'static [f64],
        bounds_nanos: &'static [u64],
        unit: Sum,
        native: Option<NativeConfig>,
    ) -> Self {
        assert!(
            bounds.len() < INLINE,
            "a histogram constructed in a `static` has at most 15 bounds: use `Histogram::with_bounds`"
        );
        Self {
            bounds,
            bounds_nanos,
            counts: [const { AtomicU64::new(0) }; INLINE],
            more: None,
            sum: AtomicU64::new(0),
            unit,
            native: match native {
                Some(n) => Some(NativeBuckets::new(n)),
                None => None,
            },
            exemplars: OnceLock::new(),
        }
    }

    /// A histogram with the given upper bounds (strictly increasing, finite, `+Inf` implied),
    /// constructible in a `static`.
    ///
    /// # Panics
    ///
    /// With more than 15 bounds (at compile time in a `static`); [`Histogram::with_bounds`]
    /// takes any number.
    pub const fn new(bounds: &'static [f64]) -> Self {
        Self::build(bounds, &[], Sum::Float, None)
    }

    /// As [`Histogram::new`], also counting native buckets as `native` describes them.
    ///
    /// # Panics
    ///
    /// With more than 15 bounds; [`Histogram::with_native`] takes any number.
    pub const fn new_native(bounds: &'static [f64], native: NativeConfig) -> Self {
        Self::build(bounds, &[], Sum::Float, Some(native))
    }

    /// A histogram of durations in seconds, observed in integer nanoseconds
    /// ([`observe_nanos`](Self::observe_nanos)): `bounds_nanos` are `bounds` in nanoseconds
    /// ([`nanos_of`]), compared without floating point, and the sum is kept in exact
    /// nanoseconds (exported in seconds). Constructible in a `static`.
    ///
    /// ```
    /// # extern crate alys_metrics_runtime as alys_metrics;
    /// use alys_metrics::metric::{nanos_of, NativeConfig};
    /// use alys_metrics::Histogram;
    ///
    /// const BOUNDS: [f64; 3] = [0.001, 0.01, 0.1];
    /// static LATENCY: Histogram =
    ///     Histogram::durations(&BOUNDS, &nanos_of(BOUNDS), Some(NativeConfig::DEFAULT));
    /// LATENCY.observe_nanos(1_000_000); // exactly 1 ms: the first bucket (upper bounds are inclusive)
    /// LATENCY.observe_nanos(1_000_001);
    /// assert_eq!(LATENCY.cumulative_counts(), vec![1, 2, 2, 2]);
    /// assert_eq!(LATENCY.sample_sum(), 0.002000001);
    /// ```
    ///
    /// # Panics
    ///
    /// With more than 15 bounds, or when the two lists differ in length.
    pub const fn durations(
        bounds: &'static [f64],
        bounds_nanos: &'static [u64],
        native: Option<NativeConfig>,
    ) -> Self {
        assert!(
            bounds.len() == bounds_nanos.len(),
            "`bounds_nanos` must be `bounds` in nanoseconds"
        );
        Self::build(bounds, bounds_nanos, Sum::Nanos, native)
    }

    /// A histogram with the given upper bounds (strictly increasing, finite, `+Inf` implied),
    /// any number of them. `#[alys_metric]` checks the bounds at compile time.
    pub fn with_bounds(bounds: &'static [f64]) -> Self {
        let slots = bounds.len() + 1;
        Self {
            bounds,
            bounds_nanos: &[],
            counts: [const { AtomicU64::new(0) }; INLINE],
            more: (slots > INLINE).then(|| (INLINE..slots).map(|_| AtomicU64::new(0)).collect()),
            sum: AtomicU64::new(0),
            unit: Sum::Float,
            native: None,
            exemplars: OnceLock::new(),
        }
    }

    /// A histogram with classic `bounds` and native buckets as `native` describes them.
    pub fn with_native(bounds: &'static [f64], native: NativeConfig) -> Self {
        Self {
            native: Some(NativeBuckets::new(native)),
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

    #[inline]
    fn bucket_of_nanos(&self, nanos: u64) -> usize {
        let b = self.bounds_nanos;
        let mut i = 0;
        while i < b.len() && nanos > b[i] {
            i += 1;
        }
        i
    }

    #[inline(always)]
    fn slot(&self, i: usize) -> &AtomicU64 {
        match self.counts.get(i) {
            Some(c) => c,
            None => match &self.more {
                Some(more) => &more[i - INLINE],
                None => unreachable!("a bucket index is below the number of buckets"),
            },
        }
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
        self.slot(i).fetch_add(1, Ordering::Relaxed);
        #[cfg(feature = "testing")]
        self.captured(v);
        match self.unit {
            Sum::Float => {
                let _ = self
                    .sum
                    .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |b| {
                        Some((f64::from_bits(b) + v).to_bits())
                    });
            }
            Sum::Nanos => {
                self.sum
                    .fetch_add((v * 1e9).round() as i64 as u64, Ordering::Relaxed);
            }
        }
        if let Some(n) = &self.native {
            n.observe(v);
        }
    }

    /// Hands an observation to the live test captures, if any (feature `testing`).
    #[cfg(feature = "testing")]
    #[inline(always)]
    fn captured(&self, v: f64) {
        if crate::capture::active() {
            crate::capture::record(crate::capture::key(self), crate::capture::Event::Observe(v));
        }
    }

    /// Records a duration of `nanos` nanoseconds, in seconds: without floating point in the
    /// bucket search and the sum of a [duration histogram](Self::durations).
    #[inline]
    pub fn observe_nanos(&self, nanos: u64) {
        self.count_nanos(self.index_nanos(nanos), nanos);
    }

    #[inline(always)]
    fn index_nanos(&self, nanos: u64) -> usize {
        if self.bounds_nanos.is_empty() {
            self.bucket_of(nanos as f64 * 1e-9)
        } else {
            self.bucket_of_nanos(nanos)
        }
    }

    #[inline]
    fn count_nanos(&self, i: usize, nanos: u64) {
        self.slot(i).fetch_add(1, Ordering::Relaxed);
        #[cfg(feature = "testing")]
        self.captured(nanos as f64 * 1e-9);
        let secs = nanos as f64 * 1e-9;
        match self.unit {
            Sum::Nanos => {
                self.sum.fetch_add(nanos, Ordering::Relaxed);
            }
            Sum::Float => {
                let _ = self
                    .sum
                    .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |b| {
                        Some((f64::from_bits(b) + secs).to_bits())
                    });
            }
        }
        if let Some(n) = &self.native {
            n.observe(secs);
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

    /// As [`observe_nanos`](Self::observe_nanos), making the observation the exemplar of its
    /// bucket with `trace_id`.
    #[inline]
    pub fn observe_nanos_with_exemplar(&self, nanos: u64, trace_id: TraceId) {
        let i = self.index_nanos(nanos);
        self.count_nanos(i, nanos);
        self.store_exemplar(i, nanos as f64 * 1e-9, trace_id);
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

    /// As [`observe_nanos`](Self::observe_nanos), with the current trace as its exemplar when
    /// there is one.
    #[inline]
    pub fn observe_nanos_traced(&self, nanos: u64) {
        match current_trace_id() {
            Some(t) => self.observe_nanos_with_exemplar(nanos, t),
            None => self.observe_nanos(nanos),
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
            (0..=self.bounds.len())
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

    /// The native buckets, when the histogram has them.
    pub fn native(&self) -> Option<NativeSnapshot> {
        self.native.as_ref().map(NativeBuckets::snapshot)
    }

    /// The native bucket counters, when the histogram has them (to merge several).
    pub(crate) fn native_buckets(&self) -> Option<&NativeBuckets> {
        self.native.as_ref()
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

    /// The count of each bucket (not cumulative), the last being `+Inf`.
    pub(crate) fn bucket_counts(&self) -> impl Iterator<Item = u64> + '_ {
        (0..=self.bounds.len()).map(|i| self.slot(i).load(Ordering::Relaxed))
    }

    /// The number of observations.
    pub fn sample_count(&self) -> u64 {
        self.bucket_counts().sum()
    }

    /// The sum of the observations.
    pub fn sample_sum(&self) -> f64 {
        let raw = self.sum.load(Ordering::Relaxed);
        match self.unit {
            Sum::Float => f64::from_bits(raw),
            Sum::Nanos => raw as i64 as f64 * 1e-9,
        }
    }

    /// The sum of a duration histogram in nanoseconds (to add several up exactly); `None` for
    /// a histogram of floats.
    pub(crate) fn sum_nanos(&self) -> Option<i64> {
        (self.unit == Sum::Nanos).then(|| self.sum.load(Ordering::Relaxed) as i64)
    }

    /// The bucket upper bounds (without `+Inf`).
    pub fn bounds(&self) -> &'static [f64] {
        self.bounds
    }

    /// Cumulative count of each bucket, the last being `+Inf`.
    pub fn cumulative_counts(&self) -> Vec<u64> {
        let mut acc = 0;
        self.bucket_counts()
            .map(|c| {
                acc += c;
                acc
            })
            .collect()
    }
}

/// Durations in seconds as whole nanoseconds (rounded), for [`Histogram::durations`];
/// usable in a `const`.
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use alys_metrics::metric::nanos_of;
/// const N: [u64; 3] = nanos_of([0.001, 0.5, 5.0]);
/// assert_eq!(N, [1_000_000, 500_000_000, 5_000_000_000]);
/// ```
pub const fn nanos_of<const N: usize>(seconds: [f64; N]) -> [u64; N] {
    let mut out = [0u64; N];
    let mut i = 0;
    while i < N {
        out[i] = (seconds[i] * 1e9 + 0.5) as u64;
        i += 1;
    }
    out
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
        for i in 0..=self.bounds.len() {
            self.slot(i).store(0, Ordering::Relaxed);
        }
        self.sum.store(0, Ordering::Relaxed);
        if let Some(n) = &self.native {
            n.reset();
        }
        if let Some(slots) = self.exemplars.get() {
            slots.iter().for_each(ExemplarSlot::clear);
        }
    }

    fn encode(&self, le: &Self::Shared, w: &mut impl SeriesWriter) {
        let target = w.target();
        // Native buckets first: with observations racing, the count then covers them.
        let native = match target {
            Target::Protobuf => self.native(),
            Target::Text | Target::OpenMetrics => None,
        };
        // Then the buckets, then the sum (as the text format lists them).
        let n = self.bounds.len() + 1;
        let (mut inline, mut spilled) = ([0_u64; 32], Vec::new());
        let counts = if n <= inline.len() {
            &mut inline[..n]
        } else {
            spilled.resize(n, 0);
            &mut spilled[..]
        };
        for (i, c) in counts.iter_mut().enumerate() {
            *c = self.slot(i).load(Ordering::Relaxed);
        }
        let sum = self.sample_sum();
        let exemplar = |i: usize| match target {
            Target::Text => None,
            Target::OpenMetrics | Target::Protobuf => self.exemplar(i),
        };
        let h =
            HistogramSeries::live(self.bounds, le, counts, sum, &exemplar).native(native.as_ref());
        w.histogram(&h);
    }
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
    fn more_than_fifteen_bounds_are_kept_apart() {
        static MANY: [f64; 20] = [
            1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0,
            17.0, 18.0, 19.0, 20.0,
        ];
        let h = Histogram::with_native(&MANY, NativeConfig::DEFAULT);
        for v in [0.5, 15.5, 16.0, 19.5, 100.0] {
            h.observe(v);
        }
        let c = h.cumulative_counts();
        assert_eq!(c.len(), 21);
        assert_eq!((c[0], c[14], c[15], c[19], c[20]), (1, 1, 3, 4, 5));
        h.set_exemplar(100.0, TraceId::from_u64(1));
        assert!(h.exemplar(20).is_some());
        h.reset();
        assert_eq!(h.sample_count(), 0);
    }

    #[test]
    fn durations_are_exact_in_nanoseconds() {
        const B: [f64; 8] = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0];
        static H: Histogram = Histogram::durations(&B, &nanos_of(B), None);
        H.observe_nanos(1_000_000); // exactly 1 ms: the first bucket
        H.observe_nanos(1_000_001);
        H.observe_nanos(10_000_000_000); // 10 s: +Inf
        H.observe(0.002); // a float observation of a duration histogram
        let c = H.cumulative_counts();
        assert_eq!((c[0], c[1], c[8]), (1, 3, 4));
        assert_eq!(H.sum_nanos(), Some(10_004_000_001));
        assert_eq!(H.sample_sum(), 10_004_000_001_f64 * 1e-9);
        let f = Histogram::new(&B);
        f.observe_nanos(1_000_000);
        assert_eq!(f.cumulative_counts()[0], 1);
        assert_eq!(f.sum_nanos(), None);
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
