//! The federation's UTXO set (its size, its value, refreshing it, selecting from it) and the
//! fee rate.

use std::time::{Duration, Instant};

use super::bridge_in_flight::touch;
use crate::catalogue::bridge::{
    BRIDGE_AVAILABLE_UTXOS, BRIDGE_AVAILABLE_UTXO_VALUE_BTC, BRIDGE_FEE_RATE,
    BRIDGE_UTXO_REFRESH_DURATION, BRIDGE_UTXO_SELECTION_DURATION,
};

/// Sets the available UTXO set: `utxos` outputs worth `value_sat` satoshis
/// (`alys_bridge_available_utxos`, `alys_bridge_available_utxo_value_btc`), for code that
/// tracks the set itself (an output spent by a peg-out, one received by a peg-in).
pub fn set_utxo_set(utxos: u64, value_sat: u64) {
    BRIDGE_AVAILABLE_UTXOS.set(i64::try_from(utxos).unwrap_or(i64::MAX));
    BRIDGE_AVAILABLE_UTXO_VALUE_BTC.set_sat(value_sat);
}

/// Sets the fee rate the bridge pays, in satoshis per virtual byte
/// (`alys_bridge_fee_rate_sat_per_vbyte`). A negative or non-finite rate is refused (the
/// gauge keeps its value) and `false` returned.
pub fn set_fee_rate(sat_per_vbyte: f64) -> bool {
    if !(sat_per_vbyte.is_finite() && sat_per_vbyte >= 0.0) {
        return false;
    }
    BRIDGE_FEE_RATE.set(sat_per_vbyte);
    true
}

/// A refresh of the UTXO set from the Bitcoin node, timed from [`start`](Self::start) to
/// [`finished`](Self::finished), which also sets the set's size and value. Dropped unfinished
/// (the refresh failed), it records nothing: count the failure with the bridge's
/// `record_error`.
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use alys_metrics::chain::bridge::UtxoRefresh;
///
/// let refresh = UtxoRefresh::start();
/// // ... listunspent on the federation's addresses ...
/// refresh.finished(42, 1_250_000_000);
/// let text = alys_metrics::registry().encode_to_string();
/// assert!(text.contains("alys_bridge_available_utxos 42\n"));
/// assert!(text.contains("alys_bridge_available_utxo_value_btc 12.5\n"));
/// ```
#[derive(Debug)]
#[must_use = "a refresh is observed when it is finished"]
pub struct UtxoRefresh {
    started: Instant,
}

impl UtxoRefresh {
    /// A refresh starting now.
    pub fn start() -> Self {
        Self::start_at(Instant::now())
    }

    /// A refresh that started at `at`.
    pub fn start_at(at: Instant) -> Self {
        Self { started: at }
    }

    /// The refresh found `utxos` outputs worth `value_sat` satoshis; returns its duration.
    pub fn finished(self, utxos: u64, value_sat: u64) -> Duration {
        self.finished_at(utxos, value_sat, Instant::now())
    }

    /// [`finished`](Self::finished) at `at`.
    pub fn finished_at(self, utxos: u64, value_sat: u64, at: Instant) -> Duration {
        let took = at.saturating_duration_since(self.started);
        BRIDGE_UTXO_REFRESH_DURATION.observe(took.as_secs_f64());
        set_utxo_set(utxos, value_sat);
        touch(at);
        took
    }
}

/// The selection of the UTXOs that fund a transaction, timed from [`start`](Self::start) to
/// [`finished`](Self::finished) (`alys_bridge_utxo_selection_duration_seconds`). Dropped
/// unfinished, it records nothing.
#[derive(Debug)]
#[must_use = "a selection is observed when it is finished"]
pub struct UtxoSelection {
    started: Instant,
}

impl UtxoSelection {
    /// A selection starting now.
    pub fn start() -> Self {
        Self::start_at(Instant::now())
    }

    /// A selection that started at `at`.
    pub fn start_at(at: Instant) -> Self {
        Self { started: at }
    }

    /// The UTXOs are selected; returns the selection's duration.
    pub fn finished(self) -> Duration {
        self.finished_at(Instant::now())
    }

    /// [`finished`](Self::finished) at `at`.
    pub fn finished_at(self, at: Instant) -> Duration {
        let took = at.saturating_duration_since(self.started);
        BRIDGE_UTXO_SELECTION_DURATION.observe(took.as_secs_f64());
        touch(at);
        took
    }
}
