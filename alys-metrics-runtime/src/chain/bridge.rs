//! The bridge: peg-ins and peg-outs between Bitcoin and the sidechain, the federation's UTXO
//! set and fee rate, federation signatures, and the bridge's connections, errors, uptime and
//! activity.
//!
//! # A handle per operation
//!
//! A peg-in is a [`PegIn`] from its detection to its mint, a peg-out a [`PegOut`] from its
//! request to its confirmation; the bridge keeps the handle where it keeps the operation and
//! calls it where each event happens. The pending gauges (`alys_bridge_pending_pegins`,
//! `alys_bridge_pending_pegouts`) and the start of the oldest pending operation
//! (`alys_bridge_oldest_pending_pegin_timestamp_seconds`, `..._pegout_...`) are read at scrape
//! time from the handles alive, so they are exact on every path: a handle that ends, fails,
//! is dropped or is dropped by a panic is no longer pending (and one dropped without an
//! outcome is counted as a failure, `abandoned` or `panicked`).
//!
//! ```
//! # extern crate alys_metrics_runtime as alys_metrics;
//! use alys_metrics::chain::bridge::{self, PegIn, PegOut};
//! use alys_metrics::labels::BridgeLink;
//!
//! bridge::started();
//! bridge::set_connected(BridgeLink::BitcoinNode, true);
//!
//! let mut deposit = PegIn::detected(150_000_000);
//! deposit.confirmations(6);
//! deposit.minted();
//!
//! let mut out = PegOut::requested(40_000_000);
//! out.tx_built()?;
//! out.signatures_requested(3, 2)?;
//! out.signature_received();
//! out.signature_received(); // the quorum: the collection is observed
//! out.broadcast()?;
//! // `out` stays pending until its confirmation
//! let text = alys_metrics::registry().encode_to_string();
//! assert!(text.contains("alys_bridge_connection_status{link=\"bitcoin_node\"} 1\n"));
//! drop(out); // never confirmed: a failure, `abandoned`
//! # Ok::<(), bridge::StageError>(())
//! ```
//!
//! # Amounts
//!
//! Amounts are given in satoshis (`u64`), counted exactly, and exposed in BTC:
//! `alys_bridge_pegin_volume_btc_total`, `alys_bridge_pegout_volume_btc_total`,
//! `alys_bridge_available_utxo_value_btc` (see [`BtcCounter`](crate::metric::BtcCounter)).
//!
//! # Time
//!
//! Durations and timestamps come from the instants of the calls. Every call that reads the
//! clock has an `_at(Instant)` twin (`PegIn::detected_at`, `PegOut::tx_built_at`, ...) for
//! an instant of the caller's: an event recorded late, or a test. The two calls on the paths
//! that run most often read no clock: [`PegIn::confirmations`] and
//! [`PegOut::signature_received`] below the quorum (a few relaxed atomic operations; see
//! `BENCHMARKS.md`).
//!
//! # Derived values
//!
//! - Uptime: [`started`] sets `alys_bridge_start_time_seconds`; `bridge_uptime_seconds` is
//!   `time() - alys_bridge_start_time_seconds` (a recording rule of `ops/spellings.yml`).
//! - Last activity: `alys_bridge_last_activity_timestamp_seconds`, moved by every call that
//!   reads the clock (see its HELP), never set by hand.
//! - The error rate: `rate()` of `alys_bridge_errors_total` (the rule `bridge_error_rate`).

use std::time::Instant;

pub use super::bridge_in_flight::{unix_time_of, BridgeGauge};
pub use super::bridge_pegin::PegIn;
pub use super::bridge_pegout::{PegOut, PegOutStage, StageError};
pub use super::bridge_utxo::{set_fee_rate, set_utxo_set, UtxoRefresh, UtxoSelection};

use super::bridge_in_flight::{touch, PEGINS, PEGOUTS};
use crate::catalogue::bridge::{
    BRIDGE_CONNECTION_STATUS, BRIDGE_ERRORS, BRIDGE_FEDERATION_UPDATES, BRIDGE_GOVERNANCE_REQUESTS,
    BRIDGE_LAST_ACTIVITY_DESCRIPTOR, BRIDGE_OLDEST_PENDING_PEGIN_DESCRIPTOR,
    BRIDGE_OLDEST_PENDING_PEGOUT_DESCRIPTOR, BRIDGE_PENDING_PEGINS_DESCRIPTOR,
    BRIDGE_PENDING_PEGOUTS_DESCRIPTOR, BRIDGE_START_TIME,
};
use crate::labels::{BridgeErrorSeverity, BridgeLink};
use crate::registry::Registration;

/// `alys_bridge_pending_pegins`: the [`PegIn`] handles alive.
pub static PENDING_PEGINS: BridgeGauge =
    BridgeGauge::pending_pegins(&BRIDGE_PENDING_PEGINS_DESCRIPTOR);
/// `alys_bridge_pending_pegouts`: the [`PegOut`] handles alive.
pub static PENDING_PEGOUTS: BridgeGauge =
    BridgeGauge::pending_pegouts(&BRIDGE_PENDING_PEGOUTS_DESCRIPTOR);
/// `alys_bridge_oldest_pending_pegin_timestamp_seconds`.
pub static OLDEST_PENDING_PEGIN: BridgeGauge =
    BridgeGauge::oldest_pegin(&BRIDGE_OLDEST_PENDING_PEGIN_DESCRIPTOR);
/// `alys_bridge_oldest_pending_pegout_timestamp_seconds`.
pub static OLDEST_PENDING_PEGOUT: BridgeGauge =
    BridgeGauge::oldest_pegout(&BRIDGE_OLDEST_PENDING_PEGOUT_DESCRIPTOR);
/// `alys_bridge_last_activity_timestamp_seconds`.
pub static LAST_ACTIVITY: BridgeGauge =
    BridgeGauge::last_activity(&BRIDGE_LAST_ACTIVITY_DESCRIPTOR);

inventory::submit! { Registration(&PENDING_PEGINS) }
inventory::submit! { Registration(&PENDING_PEGOUTS) }
inventory::submit! { Registration(&OLDEST_PENDING_PEGIN) }
inventory::submit! { Registration(&OLDEST_PENDING_PEGOUT) }
inventory::submit! { Registration(&LAST_ACTIVITY) }

/// The peg-ins pending now (the value of `alys_bridge_pending_pegins`).
pub fn pending_pegins() -> u64 {
    PEGINS.count()
}

/// The peg-outs pending now (the value of `alys_bridge_pending_pegouts`).
pub fn pending_pegouts() -> u64 {
    PEGOUTS.count()
}

/// When the oldest pending peg-in was detected, if one is pending.
pub fn oldest_pending_pegin() -> Option<Instant> {
    PEGINS.oldest()
}

/// When the oldest pending peg-out was requested, if one is pending.
pub fn oldest_pending_pegout() -> Option<Instant> {
    PEGOUTS.oldest()
}

/// The bridge (re)started now: sets `alys_bridge_start_time_seconds`, from which the rule
/// `bridge_uptime_seconds` derives the uptime. Call it from the bridge actor's `started`.
pub fn started() {
    started_at(Instant::now());
}

/// [`started`] at `at`.
pub fn started_at(at: Instant) {
    BRIDGE_START_TIME.set(unix_time_of(at));
    touch(at);
}

/// The bridge's connection to `link` is up (`true`) or down: `alys_bridge_connection_status`.
pub fn set_connected(link: BridgeLink, connected: bool) {
    BRIDGE_CONNECTION_STATUS
        .with(link)
        .set(i64::from(connected));
    touch(Instant::now());
}

/// A bridge error: counts `alys_bridge_errors_total{severity}`.
pub fn record_error(severity: BridgeErrorSeverity) {
    BRIDGE_ERRORS.with(severity).inc();
    touch(Instant::now());
}

/// The bridge applied a federation update (members, threshold, keys).
pub fn federation_updated() {
    BRIDGE_FEDERATION_UPDATES.inc();
    touch(Instant::now());
}

/// The bridge sent a request to the governance nodes.
pub fn governance_request() {
    BRIDGE_GOVERNANCE_REQUESTS.inc();
    touch(Instant::now());
}
