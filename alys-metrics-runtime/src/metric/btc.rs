//! Amounts of bitcoin: counted in satoshis, exactly, in one `u64` atomic; exposed in BTC.
//!
//! A scrape divides the satoshis by 10^8 once. Every amount up to 2^53 satoshis (90 million
//! BTC, over four times the 21 million there will ever be) is an exact `f64`, the quotient is
//! the closest `f64` to the exact decimal, and below 2^26 BTC (67 million) neighbouring `f64`s
//! are less than one satoshi apart, so the exposition writes every such amount with its exact
//! decimal digits (`21000000`, `20999999.99999999`, `1e-8`) and Prometheus reads back the
//! same number. Sums of satoshis never lose a satoshi, as adding BTC as floats would.

use std::sync::atomic::{AtomicU64, Ordering};

use super::encoder::{SeriesWriter, Value};
use super::{Descriptor, Kind, MetricCore};

/// Satoshis per bitcoin.
pub const SATOSHIS_PER_BTC: u64 = 100_000_000;

/// `sat` satoshis in BTC: the value a scrape writes.
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use alys_metrics::metric::sat_to_btc;
/// assert_eq!(sat_to_btc(2_100_000_000_000_000), 21_000_000.0);
/// assert_eq!(sat_to_btc(1), 1e-8);
/// assert_eq!(sat_to_btc(123_456_789), 1.23456789);
/// ```
#[allow(clippy::cast_precision_loss)] // exact below 2^53 satoshis (90 million BTC)
pub fn sat_to_btc(sat: u64) -> f64 {
    sat as f64 / SATOSHIS_PER_BTC as f64
}

/// A counter of bitcoin amounts: adds satoshis (one relaxed atomic add), exposes BTC. Declared
/// with `#[alys_metric(counter)]` like any counter (name it `..._btc_total`).
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use alys_metrics::prelude::*;
/// use alys_metrics::metric::BtcCounter;
///
/// /// Bitcoin received, in BTC.
/// #[alys_metric(counter)]
/// static RECEIVED_BTC: BtcCounter;
///
/// RECEIVED_BTC.inc_sat(150_000_000);
/// RECEIVED_BTC.inc_sat(1);
/// assert_eq!(RECEIVED_BTC.get_sat(), 150_000_001);
/// let text = alys_metrics::registry().encode_to_string();
/// assert!(text.contains("alys_received_btc_total 1.50000001\n"));
/// ```
#[derive(Debug, Default)]
pub struct BtcCounter {
    sat: AtomicU64,
}

impl BtcCounter {
    /// A zeroed counter.
    pub const fn new() -> Self {
        Self {
            sat: AtomicU64::new(0),
        }
    }

    /// Adds `sat` satoshis (wrapping past `u64::MAX`, 184 billion BTC).
    #[inline]
    pub fn inc_sat(&self, sat: u64) {
        self.sat.fetch_add(sat, Ordering::Relaxed);
    }

    /// The total, in satoshis.
    #[inline]
    pub fn get_sat(&self) -> u64 {
        self.sat.load(Ordering::Relaxed)
    }

    /// The total, in BTC (what a scrape writes).
    pub fn get_btc(&self) -> f64 {
        sat_to_btc(self.get_sat())
    }
}

impl MetricCore for BtcCounter {
    const KIND: Kind = Kind::Counter;
    type Shared = ();
    fn new_shared(_: &'static Descriptor) {}
    fn new_child(_: &'static Descriptor) -> Self {
        Self::new()
    }
    fn reset(&self) {
        self.sat.store(0, Ordering::Relaxed);
    }
    fn encode(&self, _: &(), w: &mut impl SeriesWriter) {
        w.value(Value::F64(self.get_btc()), None);
    }
}

/// A gauge of a bitcoin amount: holds satoshis, exposes BTC. Declared with
/// `#[alys_metric(gauge)]` (name it `..._btc`).
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use alys_metrics::metric::BtcGauge;
///
/// let balance = BtcGauge::new();
/// balance.set_sat(5_000_000_000);
/// balance.add_sat(1);
/// balance.sub_sat(2);
/// assert_eq!(balance.get_sat(), 4_999_999_999);
/// assert_eq!(balance.get_btc(), 49.99999999);
/// balance.sub_sat(u64::MAX); // never below zero
/// assert_eq!(balance.get_sat(), 0);
/// ```
#[derive(Debug, Default)]
pub struct BtcGauge {
    sat: AtomicU64,
}

impl BtcGauge {
    /// A zeroed gauge.
    pub const fn new() -> Self {
        Self {
            sat: AtomicU64::new(0),
        }
    }

    /// Sets the amount, in satoshis.
    #[inline]
    pub fn set_sat(&self, sat: u64) {
        self.sat.store(sat, Ordering::Relaxed);
    }

    /// Adds `sat` satoshis (saturating).
    #[inline]
    pub fn add_sat(&self, sat: u64) {
        let _ = self
            .sat
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| {
                Some(v.saturating_add(sat))
            });
    }

    /// Subtracts `sat` satoshis, stopping at zero: an amount is never negative.
    #[inline]
    pub fn sub_sat(&self, sat: u64) {
        let _ = self
            .sat
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| {
                Some(v.saturating_sub(sat))
            });
    }

    /// The amount, in satoshis.
    #[inline]
    pub fn get_sat(&self) -> u64 {
        self.sat.load(Ordering::Relaxed)
    }

    /// The amount, in BTC (what a scrape writes).
    pub fn get_btc(&self) -> f64 {
        sat_to_btc(self.get_sat())
    }
}

impl MetricCore for BtcGauge {
    const KIND: Kind = Kind::Gauge;
    type Shared = ();
    fn new_shared(_: &'static Descriptor) {}
    fn new_child(_: &'static Descriptor) -> Self {
        Self::new()
    }
    fn reset(&self) {
        self.sat.store(0, Ordering::Relaxed);
    }
    fn encode(&self, _: &(), w: &mut impl SeriesWriter) {
        w.value(Value::F64(self.get_btc()), None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exposition::write_f64;

    fn written(sat: u64) -> String {
        let mut out = Vec::new();
        write_f64(&mut out, sat_to_btc(sat));
        String::from_utf8(out).expect("ascii")
    }

    #[test]
    fn every_amount_up_to_21_million_btc_is_written_with_its_exact_digits() {
        assert_eq!(written(0), "0");
        assert_eq!(written(1), "1e-8");
        assert_eq!(written(100_000_000), "1");
        assert_eq!(written(2_100_000_000_000_000), "21000000");
        assert_eq!(written(2_099_999_999_999_999), "20999999.99999999");
        assert_eq!(written(2_100_000_000_000_001), "21000000.00000001");
        assert_eq!(written(1_234_567_890_123_456), "12345678.90123456");
        // Around the supply, every satoshi: the written decimal is sat / 10^8 digit for digit.
        for sat in (2_100_000_000_000_000 - 2_000..=2_100_000_000_000_000).step_by(7) {
            let text = written(sat);
            let (whole, frac) = text.split_once('.').unwrap_or((&text, ""));
            let frac = format!("{frac:0<8}");
            let back: u64 = format!("{whole}{frac}").parse().expect("digits");
            assert_eq!(back, sat, "{sat} sat written as {text}");
            // And a reader (Prometheus) parses it back to the same float.
            assert_eq!(text.parse::<f64>().expect("a float"), sat_to_btc(sat));
        }
    }

    #[test]
    fn counter_and_gauge_count_satoshis() {
        let c = BtcCounter::new();
        c.inc_sat(2_000_000_000_000_000);
        c.inc_sat(100_000_000_000_000);
        assert_eq!(c.get_sat(), 2_100_000_000_000_000);
        assert_eq!(c.get_btc(), 21_000_000.0);
        c.reset();
        assert_eq!(c.get_sat(), 0);
        let g = BtcGauge::new();
        g.add_sat(10);
        g.sub_sat(11);
        assert_eq!(g.get_sat(), 0);
        g.set_sat(u64::MAX);
        g.add_sat(1);
        assert_eq!(g.get_sat(), u64::MAX);
    }
}
