//! The numbers a [`Gauge`](super::Gauge) or a [`Counter`](super::Counter) holds, each in one
//! atomic word: the update of a gauge or a counter stays one atomic operation (a
//! compare-and-swap loop for a float's `add`), whatever its number type.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use super::encoder::Value;

mod sealed {
    pub trait Sealed {}
    impl Sealed for i64 {}
    impl Sealed for u64 {}
    impl Sealed for f64 {}
}

/// A number a [`Gauge`](super::Gauge) holds: `f64` (the default) or `i64`. Sealed: the
/// encoders know exactly these.
pub trait GaugeValue:
    sealed::Sealed + Copy + PartialOrd + std::fmt::Debug + Send + Sync + 'static
{
    /// The atomic word that holds it.
    #[doc(hidden)]
    type Atomic: std::fmt::Debug + Send + Sync;
    /// A zeroed atomic (a fresh value at each use).
    #[doc(hidden)]
    #[allow(clippy::declare_interior_mutable_const)]
    const NEW_ATOMIC: Self::Atomic;
    /// Zero.
    #[doc(hidden)]
    const ZERO: Self;
    /// One.
    #[doc(hidden)]
    const ONE: Self;
    #[doc(hidden)]
    fn load(a: &Self::Atomic) -> Self;
    #[doc(hidden)]
    fn store(a: &Self::Atomic, v: Self);
    /// Adds `v` (wrapping for integers).
    #[doc(hidden)]
    fn add(a: &Self::Atomic, v: Self);
    /// Subtracts `v` (wrapping for integers).
    #[doc(hidden)]
    fn sub(a: &Self::Atomic, v: Self);
    /// The value as the encoder writes it.
    #[doc(hidden)]
    fn value(self) -> Value;
    /// The value as a float (the protobuf format's only number).
    #[doc(hidden)]
    fn to_f64(self) -> f64;
}

impl GaugeValue for i64 {
    type Atomic = AtomicI64;
    #[allow(clippy::declare_interior_mutable_const)]
    const NEW_ATOMIC: AtomicI64 = AtomicI64::new(0);
    const ZERO: i64 = 0;
    const ONE: i64 = 1;
    #[inline]
    fn load(a: &AtomicI64) -> i64 {
        a.load(Ordering::Relaxed)
    }
    #[inline]
    fn store(a: &AtomicI64, v: i64) {
        a.store(v, Ordering::Relaxed);
    }
    #[inline]
    fn add(a: &AtomicI64, v: i64) {
        a.fetch_add(v, Ordering::Relaxed);
    }
    #[inline]
    fn sub(a: &AtomicI64, v: i64) {
        a.fetch_sub(v, Ordering::Relaxed);
    }
    fn value(self) -> Value {
        Value::I64(self)
    }
    #[allow(clippy::cast_precision_loss)] // the protobuf format holds a double
    fn to_f64(self) -> f64 {
        self as f64
    }
}

impl GaugeValue for f64 {
    type Atomic = AtomicU64;
    #[allow(clippy::declare_interior_mutable_const)]
    const NEW_ATOMIC: AtomicU64 = AtomicU64::new(0); // the bits of 0.0
    const ZERO: f64 = 0.0;
    const ONE: f64 = 1.0;
    #[inline]
    fn load(a: &AtomicU64) -> f64 {
        f64::from_bits(a.load(Ordering::Relaxed))
    }
    #[inline]
    fn store(a: &AtomicU64, v: f64) {
        a.store(v.to_bits(), Ordering::Relaxed);
    }
    #[inline]
    fn add(a: &AtomicU64, v: f64) {
        add_f64(a, v);
    }
    #[inline]
    fn sub(a: &AtomicU64, v: f64) {
        add_f64(a, -v);
    }
    fn value(self) -> Value {
        Value::F64(self)
    }
    fn to_f64(self) -> f64 {
        self
    }
}

/// A number a [`Counter`](super::Counter) holds: `u64` (the default) or `f64`. Sealed.
pub trait CounterValue:
    sealed::Sealed + Copy + PartialOrd + std::fmt::Debug + Send + Sync + 'static
{
    /// The atomic word that holds it.
    #[doc(hidden)]
    type Atomic: std::fmt::Debug + Send + Sync;
    /// A zeroed atomic (a fresh value at each use).
    #[doc(hidden)]
    #[allow(clippy::declare_interior_mutable_const)]
    const NEW_ATOMIC: Self::Atomic;
    /// One.
    #[doc(hidden)]
    const ONE: Self;
    #[doc(hidden)]
    fn load(a: &Self::Atomic) -> Self;
    /// Sets the counter back to zero.
    #[doc(hidden)]
    fn reset(a: &Self::Atomic);
    /// Adds `v`; a float counter ignores negative, NaN and infinite increments.
    #[doc(hidden)]
    fn inc_by(a: &Self::Atomic, v: Self);
    /// Raises the value to `total` if it is below it.
    #[doc(hidden)]
    fn raise_to(a: &Self::Atomic, total: Self);
    /// The value as the encoder writes it.
    #[doc(hidden)]
    fn value(self) -> Value;
    /// The value as a float (the protobuf format's only number).
    #[doc(hidden)]
    fn to_f64(self) -> f64;
}

impl CounterValue for u64 {
    type Atomic = AtomicU64;
    #[allow(clippy::declare_interior_mutable_const)]
    const NEW_ATOMIC: AtomicU64 = AtomicU64::new(0);
    const ONE: u64 = 1;
    #[inline]
    fn load(a: &AtomicU64) -> u64 {
        a.load(Ordering::Relaxed)
    }
    fn reset(a: &AtomicU64) {
        a.store(0, Ordering::Relaxed);
    }
    #[inline]
    fn inc_by(a: &AtomicU64, v: u64) {
        a.fetch_add(v, Ordering::Relaxed);
    }
    #[inline]
    fn raise_to(a: &AtomicU64, total: u64) {
        a.fetch_max(total, Ordering::Relaxed);
    }
    fn value(self) -> Value {
        Value::U64(self)
    }
    #[allow(clippy::cast_precision_loss)] // the protobuf format holds a double
    fn to_f64(self) -> f64 {
        self as f64
    }
}

impl CounterValue for f64 {
    type Atomic = AtomicU64;
    #[allow(clippy::declare_interior_mutable_const)]
    const NEW_ATOMIC: AtomicU64 = AtomicU64::new(0); // the bits of 0.0
    const ONE: f64 = 1.0;
    #[inline]
    fn load(a: &AtomicU64) -> f64 {
        f64::from_bits(a.load(Ordering::Relaxed))
    }
    fn reset(a: &AtomicU64) {
        a.store(0f64.to_bits(), Ordering::Relaxed);
    }
    #[inline]
    fn inc_by(a: &AtomicU64, v: f64) {
        if v.is_finite() && v > 0.0 {
            add_f64(a, v);
        }
    }
    #[inline]
    fn raise_to(a: &AtomicU64, total: f64) {
        if total.is_finite() {
            let _ = a.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |b| {
                (total > f64::from_bits(b)).then_some(total.to_bits())
            });
        }
    }
    fn value(self) -> Value {
        Value::F64(self)
    }
    fn to_f64(self) -> f64 {
        self
    }
}

/// Adds `v` to the float whose bits `a` holds: one compare-and-swap loop.
#[inline]
fn add_f64(a: &AtomicU64, v: f64) {
    let _ = a.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |b| {
        Some((f64::from_bits(b) + v).to_bits())
    });
}
