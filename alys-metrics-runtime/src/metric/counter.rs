use super::number::CounterValue;
use super::{Descriptor, Kind, MetricCore};
use crate::encode::SampleSink;

/// A monotonically increasing count, of number type `N`: `u64` (the default; one relaxed
/// atomic add per update) or `f64` ([`FloatCounter`], seconds of CPU time and the like; one
/// compare-and-swap loop per update, and negative, NaN and infinite increments are ignored:
/// a counter never goes down).
///
/// Declared with `#[alys_metric(counter)]`; exposed with the `_total` suffix.
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use alys_metrics::{Counter, FloatCounter};
///
/// let requests: Counter = Counter::new(); // Counter<u64>
/// requests.inc_by(3);
/// assert_eq!(requests.get(), 3);
///
/// let cpu_seconds: Counter<f64> = Counter::new(); // the same type as FloatCounter
/// cpu_seconds.inc_by(0.25);
/// cpu_seconds.inc_by(-1.0); // ignored
/// let same: &FloatCounter = &cpu_seconds;
/// assert_eq!(same.get(), 0.25);
/// ```
#[derive(Debug)]
pub struct Counter<N: CounterValue = u64> {
    v: N::Atomic,
}

/// A float counter: `Counter<f64>`.
pub type FloatCounter = Counter<f64>;

impl<N: CounterValue> Default for Counter<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<N: CounterValue> Counter<N> {
    /// A zeroed counter (also usable outside a registry).
    pub const fn new() -> Self {
        Self { v: N::NEW_ATOMIC }
    }

    /// Adds one.
    #[inline]
    pub fn inc(&self) {
        N::inc_by(&self.v, N::ONE);
    }

    /// Adds `n` (a float counter only when `n` is finite and positive).
    #[inline]
    pub fn inc_by(&self, n: N) {
        N::inc_by(&self.v, n);
    }

    /// The current value.
    #[inline]
    pub fn get(&self) -> N {
        N::load(&self.v)
    }

    /// Raises the counter to `total` if it is below it; never lowers it. Use it to mirror a
    /// cumulative total kept elsewhere (an actor's processed count) without adding it twice.
    #[inline]
    pub fn mirror(&self, total: N) {
        N::raise_to(&self.v, total);
    }
}

impl<N: CounterValue> MetricCore for Counter<N> {
    const KIND: Kind = Kind::Counter;
    type Shared = ();
    fn new_shared(_: &'static Descriptor) {}
    fn new_child(_: &'static Descriptor) -> Self {
        Self::new()
    }
    fn reset(&self) {
        N::reset(&self.v);
    }
    fn encode(&self, _: &(), w: &mut impl SampleSink) {
        self.get().write(w);
    }
    fn encode_proto(&self, _: &(), m: &mut Vec<u8>) {
        crate::encode::protobuf::wire::counter(m, self.get().to_f64());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counter_counts_and_mirrors_without_double_counting() {
        let c: Counter = Counter::new();
        c.inc();
        c.inc_by(4);
        assert_eq!(c.get(), 5);
        c.mirror(3);
        assert_eq!(c.get(), 5, "mirror never lowers");
        c.mirror(9);
        c.mirror(9);
        assert_eq!(c.get(), 9, "mirroring the same total twice adds nothing");
        c.reset();
        assert_eq!(c.get(), 0);
    }

    #[test]
    fn float_counter_ignores_bad_increments() {
        let c = FloatCounter::new();
        c.inc_by(0.25);
        c.inc_by(-1.0);
        c.inc_by(f64::NAN);
        c.inc_by(f64::INFINITY);
        c.inc();
        assert_eq!(c.get(), 1.25);
        c.mirror(1.0);
        assert_eq!(c.get(), 1.25);
        c.mirror(2.5);
        assert_eq!(c.get(), 2.5);
        c.mirror(f64::NAN);
        assert_eq!(c.get(), 2.5);
        c.reset();
        assert_eq!(c.get().to_bits(), 0f64.to_bits());
    }
}
