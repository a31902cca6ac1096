use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use super::{Descriptor, Kind, MetricCore};
use crate::exposition::SampleSink;

/// An integer gauge: a value that goes up and down, one atomic operation per update.
#[derive(Debug, Default)]
pub struct IntGauge {
    v: AtomicI64,
}

impl IntGauge {
    /// A zeroed gauge.
    pub const fn new() -> Self {
        Self {
            v: AtomicI64::new(0),
        }
    }
    /// Sets the value.
    #[inline]
    pub fn set(&self, v: i64) {
        self.v.store(v, Ordering::Relaxed);
    }
    /// Adds one.
    #[inline]
    pub fn inc(&self) {
        self.add(1);
    }
    /// Subtracts one.
    #[inline]
    pub fn dec(&self) {
        self.sub(1);
    }
    /// Adds `v` (wrapping).
    #[inline]
    pub fn add(&self, v: i64) {
        self.v.fetch_add(v, Ordering::Relaxed);
    }
    /// Subtracts `v` (wrapping).
    #[inline]
    pub fn sub(&self, v: i64) {
        self.v.fetch_sub(v, Ordering::Relaxed);
    }
    /// The current value.
    #[inline]
    pub fn get(&self) -> i64 {
        self.v.load(Ordering::Relaxed)
    }
}

impl MetricCore for IntGauge {
    const KIND: Kind = Kind::Gauge;
    type Shared = ();
    fn new_shared(_: &'static Descriptor) {}
    fn new_child(_: &'static Descriptor) -> Self {
        IntGauge::new()
    }
    fn reset(&self) {
        self.v.store(0, Ordering::Relaxed);
    }
    fn encode(&self, _: &(), w: &mut impl SampleSink) {
        w.i64("", self.get());
    }
    fn encode_proto(&self, _: &(), m: &mut Vec<u8>) {
        crate::exposition::protobuf::wire::gauge(m, self.get() as f64);
    }
}

/// A float gauge. `set` is one atomic store; `add`/`sub` are a compare-and-swap loop.
#[derive(Debug, Default)]
pub struct Gauge {
    bits: AtomicU64,
}

impl Gauge {
    /// A zeroed gauge.
    pub const fn new() -> Self {
        Self {
            bits: AtomicU64::new(0),
        }
    }
    /// Sets the value.
    #[inline]
    pub fn set(&self, v: f64) {
        self.bits.store(v.to_bits(), Ordering::Relaxed);
    }
    /// Adds one.
    #[inline]
    pub fn inc(&self) {
        self.add(1.0);
    }
    /// Subtracts one.
    #[inline]
    pub fn dec(&self) {
        self.add(-1.0);
    }
    /// Adds `v`.
    #[inline]
    pub fn add(&self, v: f64) {
        let _ = self
            .bits
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |b| {
                Some((f64::from_bits(b) + v).to_bits())
            });
    }
    /// Subtracts `v`.
    #[inline]
    pub fn sub(&self, v: f64) {
        self.add(-v);
    }
    /// The current value.
    #[inline]
    pub fn get(&self) -> f64 {
        f64::from_bits(self.bits.load(Ordering::Relaxed))
    }
}

impl MetricCore for Gauge {
    const KIND: Kind = Kind::Gauge;
    type Shared = ();
    fn new_shared(_: &'static Descriptor) {}
    fn new_child(_: &'static Descriptor) -> Self {
        Gauge::new()
    }
    fn reset(&self) {
        self.bits.store(0f64.to_bits(), Ordering::Relaxed);
    }
    fn encode(&self, _: &(), w: &mut impl SampleSink) {
        w.f64("", self.get());
    }
    fn encode_proto(&self, _: &(), m: &mut Vec<u8>) {
        crate::exposition::protobuf::wire::gauge(m, self.get());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gauges_go_up_and_down() {
        let g = IntGauge::new();
        g.set(10);
        g.inc();
        g.dec();
        g.dec();
        g.add(5);
        g.sub(2);
        assert_eq!(g.get(), 12);
        let f = Gauge::new();
        f.set(1.5);
        f.add(0.25);
        f.sub(1.0);
        f.inc();
        f.dec();
        assert_eq!(f.get(), 0.75);
    }
}
