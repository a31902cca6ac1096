use std::sync::OnceLock;

use super::encoder::{SeriesWriter, Target};
use super::exemplar::{current_trace_id, Exemplar, ExemplarSlot, TraceId};
use super::number::CounterValue;
use super::{Descriptor, Kind, MetricCore};

/// A monotonically increasing count, of number type `N`: `u64` (the default; one relaxed
/// atomic add per update) or `f64` ([`FloatCounter`], seconds of CPU time and the like; one
/// compare-and-swap loop per update, and negative, NaN and infinite increments are ignored:
/// a counter never goes down).
///
/// Declared with `#[alys_metric(counter)]`; exposed with the `_total` suffix. It can keep the
/// latest [exemplar](super::exemplar) of its increments
/// ([`inc_with_exemplar`](Self::inc_with_exemplar)), exposed in OpenMetrics and protobuf;
/// [`inc`](Self::inc) never touches it.
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
    /// The exemplar slot, allocated by the first exemplar.
    exemplar: OnceLock<Box<ExemplarSlot>>,
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
        Self {
            v: N::NEW_ATOMIC,
            exemplar: OnceLock::new(),
        }
    }

    /// Adds one.
    #[inline]
    pub fn inc(&self) {
        N::inc_by(&self.v, N::ONE);
        #[cfg(feature = "testing")]
        self.captured(N::ONE);
    }

    /// Adds `n` (a float counter only when `n` is finite and positive).
    #[inline]
    pub fn inc_by(&self, n: N) {
        N::inc_by(&self.v, n);
        #[cfg(feature = "testing")]
        self.captured(n);
    }

    /// Hands an increment to the live test captures, if any (feature `testing`).
    #[cfg(feature = "testing")]
    #[inline(always)]
    fn captured(&self, n: N) {
        if crate::capture::active() {
            let v = n.to_f64();
            if v > 0.0 && v.is_finite() {
                crate::capture::record(crate::capture::key(self), crate::capture::Event::Add(v));
            }
        }
    }

    /// Adds `n` and makes it the counter's exemplar, with `trace_id` (OpenMetrics: an
    /// exemplar's value is the increment it belongs to).
    ///
    /// ```
    /// # extern crate alys_metrics_runtime as alys_metrics;
    /// use alys_metrics::exemplar::TraceId;
    /// use alys_metrics::Counter;
    ///
    /// let c: Counter = Counter::new();
    /// c.inc_by_with_exemplar(3, TraceId::from_u64(0x2a));
    /// let e = c.exemplar().unwrap();
    /// assert_eq!((c.get(), e.value, e.trace_id.to_hex().as_str()), (3, 3.0, "000000000000002a"));
    /// ```
    #[inline]
    pub fn inc_by_with_exemplar(&self, n: N, trace_id: TraceId) {
        self.inc_by(n);
        self.slot().store(n.to_f64(), trace_id);
    }

    /// Adds one and makes it the counter's exemplar, with `trace_id`.
    #[inline]
    pub fn inc_with_exemplar(&self, trace_id: TraceId) {
        self.inc_by_with_exemplar(N::ONE, trace_id);
    }

    /// Adds one, with the current trace as the exemplar when there is one
    /// ([`current_trace_id`](super::exemplar::current_trace_id)).
    #[inline]
    pub fn inc_traced(&self) {
        match current_trace_id() {
            Some(t) => self.inc_with_exemplar(t),
            None => self.inc(),
        }
    }

    /// The latest exemplar, if any.
    pub fn exemplar(&self) -> Option<Exemplar> {
        self.exemplar.get()?.load()
    }

    #[inline]
    fn slot(&self) -> &ExemplarSlot {
        self.exemplar.get_or_init(|| Box::new(ExemplarSlot::new()))
    }

    /// The current value.
    #[inline]
    pub fn get(&self) -> N {
        N::load(&self.v)
    }

    /// Sets the counter to `total`, a cumulative total kept elsewhere (an actor's processed
    /// count, the kernel's CPU time), without adding it twice.
    ///
    /// A counter never goes down: a `total` below the current value (or, for a float counter,
    /// not finite) is ignored (the value stays), so a source that restarts from 0 leaves the
    /// counter where it was until its total passes it again. Prometheus's `rate()` sees no
    /// reset then; count the source's increments with [`inc_by`](Self::inc_by) where a restart
    /// must show.
    ///
    /// ```
    /// # extern crate alys_metrics_runtime as alys_metrics;
    /// let c: alys_metrics::Counter = alys_metrics::Counter::new();
    /// c.set_total(9);
    /// c.set_total(9); // the same total again adds nothing
    /// c.set_total(3); // a lower total is ignored
    /// assert_eq!(c.get(), 9);
    /// ```
    #[inline]
    pub fn set_total(&self, total: N) {
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
        if let Some(slot) = self.exemplar.get() {
            slot.clear();
        }
    }
    fn encode(&self, _: &(), w: &mut impl SeriesWriter) {
        let exemplar = match w.target() {
            Target::Text => None,
            Target::OpenMetrics | Target::Protobuf => self.exemplar(),
        };
        w.value(self.get().value(), exemplar.as_ref());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counter_counts_and_sets_totals_without_double_counting() {
        let c: Counter = Counter::new();
        c.inc();
        c.inc_by(4);
        assert_eq!(c.get(), 5);
        c.set_total(3);
        assert_eq!(c.get(), 5, "set_total never lowers");
        c.set_total(9);
        c.set_total(9);
        assert_eq!(c.get(), 9, "the same total twice adds nothing");
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
        c.set_total(1.0);
        assert_eq!(c.get(), 1.25);
        c.set_total(2.5);
        assert_eq!(c.get(), 2.5);
        c.set_total(f64::NAN);
        assert_eq!(c.get(), 2.5);
        c.reset();
        assert_eq!(c.get().to_bits(), 0f64.to_bits());
    }

    #[test]
    fn an_exemplar_is_kept_and_cleared_by_reset() {
        let c: Counter = Counter::new();
        c.inc();
        assert!(c.exemplar().is_none(), "inc keeps no exemplar");
        c.inc_by_with_exemplar(2, TraceId::from_u64(7));
        assert_eq!(c.get(), 3);
        assert_eq!(c.exemplar().map(|e| e.value), Some(2.0));
        c.reset();
        assert!(c.exemplar().is_none());
    }
}
