use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use super::exemplar::{current_trace_id, Exemplar, ExemplarSlot, TraceId};
use super::{Descriptor, Kind, MetricCore};
use crate::exposition::SampleSink;

/// A monotonically increasing integer counter: one relaxed atomic add per update.
///
/// Declared with `#[alys_metric(counter)]`; exposed with the `_total` suffix. It can keep the
/// latest [exemplar](super::exemplar) of its increments ([`inc_with_exemplar`](Self::inc_with_exemplar)),
/// exposed in OpenMetrics and protobuf; [`inc`](Self::inc) never touches it.
#[derive(Debug, Default)]
pub struct Counter {
    v: AtomicU64,
    /// The exemplar slot, allocated by the first exemplar.
    exemplar: OnceLock<Box<ExemplarSlot>>,
}

impl Counter {
    /// A zeroed counter (also usable outside a registry).
    pub const fn new() -> Self {
        Self {
            v: AtomicU64::new(0),
            exemplar: OnceLock::new(),
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
    /// let c = Counter::new();
    /// c.inc_by_with_exemplar(3, TraceId::from_u64(0x2a));
    /// let e = c.exemplar().unwrap();
    /// assert_eq!((c.get(), e.value, e.trace_id.to_hex().as_str()), (3, 3.0, "000000000000002a"));
    /// ```
    #[inline]
    pub fn inc_by_with_exemplar(&self, n: u64, trace_id: TraceId) {
        self.inc_by(n);
        self.slot().store(n as f64, trace_id);
    }

    /// Adds one and makes it the counter's exemplar, with `trace_id`.
    #[inline]
    pub fn inc_with_exemplar(&self, trace_id: TraceId) {
        self.inc_by_with_exemplar(1, trace_id);
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

    /// Adds one.
    #[inline]
    pub fn inc(&self) {
        self.v.fetch_add(1, Ordering::Relaxed);
    }

    /// Adds `n`.
    #[inline]
    pub fn inc_by(&self, n: u64) {
        self.v.fetch_add(n, Ordering::Relaxed);
    }

    /// The current value.
    #[inline]
    pub fn get(&self) -> u64 {
        self.v.load(Ordering::Relaxed)
    }

    /// Sets the counter to `total`, a cumulative total kept elsewhere (an actor's processed
    /// count, the kernel's CPU time), without adding it twice.
    ///
    /// A counter never goes down: a `total` below the current value is ignored (the value
    /// stays), so a source that restarts from 0 leaves the counter where it was until its
    /// total passes it again. Prometheus's `rate()` sees no reset then; count the source's
    /// increments with [`inc_by`](Self::inc_by) where a restart must show.
    ///
    /// ```
    /// # extern crate alys_metrics_runtime as alys_metrics;
    /// let c = alys_metrics::Counter::new();
    /// c.set_total(9);
    /// c.set_total(9); // the same total again adds nothing
    /// c.set_total(3); // a lower total is ignored
    /// assert_eq!(c.get(), 9);
    /// ```
    #[inline]
    pub fn set_total(&self, total: u64) {
        self.v.fetch_max(total, Ordering::Relaxed);
    }
}

impl MetricCore for Counter {
    const KIND: Kind = Kind::Counter;
    type Shared = ();
    fn new_shared(_: &'static Descriptor) {}
    fn new_child(_: &'static Descriptor) -> Self {
        Counter::new()
    }
    fn reset(&self) {
        self.v.store(0, Ordering::Relaxed);
        if let Some(slot) = self.exemplar.get() {
            slot.clear();
        }
    }
    fn encode(&self, _: &(), w: &mut impl SampleSink) {
        w.u64("", None, self.get());
        if w.wants_exemplars() {
            if let Some(e) = self.exemplar() {
                w.exemplar(&e);
            }
        }
    }
    fn encode_proto(&self, _: &(), m: &mut Vec<u8>) {
        use crate::exposition::protobuf::wire;
        match self.exemplar() {
            None => wire::counter(m, self.get() as f64),
            Some(e) => {
                let mut c = Vec::with_capacity(96);
                wire::double(&mut c, 1, self.get() as f64);
                wire::exemplar(&mut c, 2, &e);
                wire::message(m, 3, &c);
            }
        }
    }
}

/// A monotonically increasing float counter (seconds of CPU time and the like).
///
/// Declared as `static NAME: FloatCounter;` under `#[alys_metric(counter)]`. Negative,
/// NaN and infinite increments are ignored: a counter never goes down.
#[derive(Debug, Default)]
pub struct FloatCounter {
    bits: AtomicU64,
}

impl FloatCounter {
    /// A zeroed counter.
    pub const fn new() -> Self {
        Self {
            bits: AtomicU64::new(0),
        }
    }

    /// Adds one.
    #[inline]
    pub fn inc(&self) {
        self.inc_by(1.0);
    }

    /// Adds `v` when it is finite and positive.
    #[inline]
    pub fn inc_by(&self, v: f64) {
        if v.is_finite() && v > 0.0 {
            let _ = self
                .bits
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |b| {
                    Some((f64::from_bits(b) + v).to_bits())
                });
        }
    }

    /// Sets the counter to `total`, a cumulative total kept elsewhere, without adding it twice;
    /// a `total` below the current value (or not finite) is ignored, so the counter never goes
    /// down (see [`Counter::set_total`]).
    #[inline]
    pub fn set_total(&self, total: f64) {
        if total.is_finite() {
            let _ = self
                .bits
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |b| {
                    (total > f64::from_bits(b)).then_some(total.to_bits())
                });
        }
    }

    /// The current value.
    #[inline]
    pub fn get(&self) -> f64 {
        f64::from_bits(self.bits.load(Ordering::Relaxed))
    }
}

impl MetricCore for FloatCounter {
    const KIND: Kind = Kind::Counter;
    type Shared = ();
    fn new_shared(_: &'static Descriptor) {}
    fn new_child(_: &'static Descriptor) -> Self {
        FloatCounter::new()
    }
    fn reset(&self) {
        self.bits.store(0f64.to_bits(), Ordering::Relaxed);
    }
    fn encode(&self, _: &(), w: &mut impl SampleSink) {
        w.f64("", self.get());
    }
    fn encode_proto(&self, _: &(), m: &mut Vec<u8>) {
        crate::exposition::protobuf::wire::counter(m, self.get());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counter_counts_and_takes_totals_without_double_counting() {
        let c = Counter::new();
        c.inc();
        c.inc_by(4);
        assert_eq!(c.get(), 5);
        c.set_total(3);
        assert_eq!(c.get(), 5, "set_total never lowers");
        c.set_total(9);
        c.set_total(9);
        assert_eq!(c.get(), 9, "setting the same total twice adds nothing");
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
    }
}
