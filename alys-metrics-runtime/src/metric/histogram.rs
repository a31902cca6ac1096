use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use super::{Descriptor, Kind, MetricCore};
use crate::encode::{write_f64, SampleSink};

/// The prometheus client default buckets, for histograms declared without `buckets = [..]`.
pub const DEFAULT_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// A histogram: an observation is a short scan over the bucket bounds, one relaxed atomic
/// add on the bucket, and one compare-and-swap on the sum.
///
/// The exported `_count` is the sum of the bucket counts, so it always equals the `+Inf`
/// bucket, even while observations race with a scrape.
#[derive(Debug)]
pub struct Histogram {
    bounds: &'static [f64],
    /// One count per bound, plus the overflow (`+Inf`) bucket; not cumulative.
    counts: Box<[AtomicU64]>,
    sum: AtomicU64,
}

impl Histogram {
    /// A histogram with the given upper bounds (strictly increasing, finite, `+Inf` implied).
    /// `#[alys_metric]` checks the bounds at compile time.
    pub fn with_bounds(bounds: &'static [f64]) -> Self {
        Self {
            bounds,
            counts: (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect(),
            sum: AtomicU64::new(0f64.to_bits()),
        }
    }

    /// Records one observation. NaN is ignored.
    #[inline]
    pub fn observe(&self, v: f64) {
        if v.is_nan() {
            return;
        }
        let i = self
            .bounds
            .iter()
            .position(|b| v <= *b)
            .unwrap_or(self.bounds.len());
        self.counts[i].fetch_add(1, Ordering::Relaxed);
        let _ = self
            .sum
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |b| {
                Some((f64::from_bits(b) + v).to_bits())
            });
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
    pub fn get_sample_count(&self) -> u64 {
        self.counts.iter().map(|c| c.load(Ordering::Relaxed)).sum()
    }

    /// The sum of the observations.
    pub fn get_sample_sum(&self) -> f64 {
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
        Histogram::with_bounds(if desc.buckets.is_empty() {
            DEFAULT_BUCKETS
        } else {
            desc.buckets
        })
    }
    fn reset(&self) {
        for c in self.counts.iter() {
            c.store(0, Ordering::Relaxed);
        }
        self.sum.store(0f64.to_bits(), Ordering::Relaxed);
    }

    fn encode(&self, le: &Self::Shared, w: &mut impl SampleSink) {
        let mut acc = 0;
        for (count, le) in self.counts.iter().zip(le.iter()) {
            acc += count.load(Ordering::Relaxed);
            w.u64("_bucket", Some(("le", le)), acc);
        }
        w.f64("_sum", self.get_sample_sum());
        w.u64("_count", None, acc);
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
        assert_eq!(h.get_sample_count(), 6);
        assert!((h.get_sample_sum() - 56.65).abs() < 1e-9);
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
        assert_eq!(h.get_sample_count(), 2);
    }
}
