use super::encoder::SeriesWriter;
use super::number::GaugeValue;
use super::{Descriptor, Kind, MetricCore};

/// A value that goes up and down, of number type `N`: `f64` (the default) or `i64`
/// ([`IntGauge`]). `set`, and an integer gauge's `add`/`sub`, are one atomic operation; a
/// float gauge's `add`/`sub` is one compare-and-swap loop.
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use alys_metrics::{Gauge, IntGauge};
///
/// let temperature: Gauge = Gauge::new(); // Gauge<f64>
/// temperature.set(21.5);
/// temperature.add(0.25);
/// assert_eq!(temperature.get(), 21.75);
///
/// let peers: Gauge<i64> = Gauge::new(); // the same type as IntGauge
/// peers.inc();
/// peers.add(4);
/// let same: &IntGauge = &peers;
/// assert_eq!(same.get(), 5);
/// ```
#[derive(Debug)]
pub struct Gauge<N: GaugeValue = f64> {
    v: N::Atomic,
}

/// An integer gauge: `Gauge<i64>`.
pub type IntGauge = Gauge<i64>;

impl<N: GaugeValue> Default for Gauge<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<N: GaugeValue> Gauge<N> {
    /// A zeroed gauge (also usable outside a registry).
    pub const fn new() -> Self {
        Self { v: N::NEW_ATOMIC }
    }
    /// Sets the value.
    #[inline]
    pub fn set(&self, v: N) {
        N::store(&self.v, v);
    }
    /// Adds one.
    #[inline]
    pub fn inc(&self) {
        N::add(&self.v, N::ONE);
    }
    /// Subtracts one.
    #[inline]
    pub fn dec(&self) {
        N::sub(&self.v, N::ONE);
    }
    /// Adds `v` (wrapping for `i64`).
    #[inline]
    pub fn add(&self, v: N) {
        N::add(&self.v, v);
    }
    /// Subtracts `v` (wrapping for `i64`).
    #[inline]
    pub fn sub(&self, v: N) {
        N::sub(&self.v, v);
    }
    /// The current value.
    #[inline]
    pub fn get(&self) -> N {
        N::load(&self.v)
    }
}

impl<N: GaugeValue> MetricCore for Gauge<N> {
    const KIND: Kind = Kind::Gauge;
    type Shared = ();
    fn new_shared(_: &'static Descriptor) {}
    fn new_child(_: &'static Descriptor) -> Self {
        Self::new()
    }
    fn reset(&self) {
        N::store(&self.v, N::ZERO);
    }
    fn encode(&self, _: &(), w: &mut impl SeriesWriter) {
        w.value(self.get().value(), None);
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
        let f: Gauge = Gauge::new();
        f.set(1.5);
        f.add(0.25);
        f.sub(1.0);
        f.inc();
        f.dec();
        assert_eq!(f.get(), 0.75);
    }

    #[test]
    fn reset_zeroes_both_number_types() {
        let g = IntGauge::new();
        g.set(-7);
        g.reset();
        assert_eq!(g.get(), 0);
        let f = Gauge::<f64>::new();
        f.set(-2.5);
        f.reset();
        assert_eq!(f.get().to_bits(), 0f64.to_bits(), "+0.0, not -0.0");
    }

    #[test]
    fn an_integer_gauge_wraps_instead_of_panicking() {
        let g = IntGauge::new();
        g.set(i64::MAX);
        g.inc();
        assert_eq!(g.get(), i64::MIN);
    }
}
