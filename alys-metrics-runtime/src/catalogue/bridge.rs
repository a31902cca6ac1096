//! The bridge: peg-ins, peg-outs, the federation's UTXO set, federation signatures and the
//! bridge's connections. Recorded through `chain::bridge`.
//!
//! Amounts of bitcoin are counted in satoshis and exposed in BTC (`BtcCounter`, `BtcGauge`:
//! `_btc_total` counters, `_btc` gauges). The pending operations, the start of the oldest
//! pending one and the bridge's last activity are computed at scrape time from the operations
//! in flight (`chain::bridge`'s statics, declared here by their [`Descriptor`]s), so they can
//! never drift from the handles that exist.

use super::prelude::*;
use crate::metric::{BtcCounter, BtcGauge, Descriptor, Kind};

// ---------------------------------------------------------------------------------------------
// Peg-ins.

/// Peg-ins detected on Bitcoin (each deposit to the federation counted once, when first seen).
#[alys_metric(counter)]
pub static BRIDGE_PEGIN_ATTEMPTS: Counter;

/// Peg-ins minted on the sidechain.
#[alys_metric(counter)]
pub static BRIDGE_PEGINS_PROCESSED: Counter;

/// Peg-ins that ended without being minted, by reason.
#[alys_metric(counter, labels(reason: PegInFailure))]
pub static BRIDGE_PEGIN_FAILURES: Counter;

/// Bitcoin minted by peg-ins, in BTC (counted in satoshis).
#[alys_metric(counter)]
pub static BRIDGE_PEGIN_VOLUME_BTC: BtcCounter;

/// Time from a peg-in's detection to its mint, in seconds (minted peg-ins only).
#[alys_metric(histogram, buckets = [1.0, 10.0, 60.0, 300.0, 600.0, 1800.0, 3600.0, 5400.0, 7200.0, 14400.0, 43200.0, 86400.0])]
pub static BRIDGE_PEGIN_PROCESSING_DURATION: Histogram;

/// Bitcoin confirmations a peg-in's deposit had when it was minted.
#[alys_metric(
    histogram,
    buckets = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 15.0, 20.0, 30.0, 60.0, 100.0]
)]
pub static BRIDGE_PEGIN_CONFIRMATIONS: Histogram;

// ---------------------------------------------------------------------------------------------
// Peg-outs.

/// Peg-outs requested (each burn on the sidechain counted once).
#[alys_metric(counter)]
pub static BRIDGE_PEGOUT_ATTEMPTS: Counter;

/// Peg-outs confirmed on Bitcoin.
#[alys_metric(counter)]
pub static BRIDGE_PEGOUTS_PROCESSED: Counter;

/// Peg-outs that ended without being confirmed, by reason.
#[alys_metric(counter, labels(reason: PegOutFailure))]
pub static BRIDGE_PEGOUT_FAILURES: Counter;

/// Bitcoin paid out by confirmed peg-outs, in BTC (counted in satoshis).
#[alys_metric(counter)]
pub static BRIDGE_PEGOUT_VOLUME_BTC: BtcCounter;

/// Time from a peg-out's request to its confirmation on Bitcoin, in seconds (confirmed
/// peg-outs only).
#[alys_metric(histogram, buckets = [1.0, 10.0, 60.0, 300.0, 600.0, 1800.0, 3600.0, 5400.0, 7200.0, 14400.0, 43200.0, 86400.0])]
pub static BRIDGE_PEGOUT_PROCESSING_DURATION: Histogram;

/// Peg-out transactions accepted by the Bitcoin network (a re-broadcast after a retry counts
/// again).
#[alys_metric(counter)]
pub static BRIDGE_PEGOUTS_BROADCAST: Counter;

/// Time to build a peg-out transaction (UTXO selection included), from the request or the
/// last retry to the transaction built, in seconds.
#[alys_metric(
    histogram,
    buckets = [0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0]
)]
pub static BRIDGE_TX_BUILD_DURATION: Histogram;

/// Time to broadcast a signed peg-out transaction, from the signature quorum to the network's
/// acceptance, in seconds.
#[alys_metric(
    histogram,
    buckets = [0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0]
)]
pub static BRIDGE_TX_BROADCAST_DURATION: Histogram;

// ---------------------------------------------------------------------------------------------
// Federation signatures.

/// Signatures requested from federation members.
#[alys_metric(counter)]
pub static BRIDGE_SIGNATURE_REQUESTS: Counter;

/// Signatures received from federation members.
#[alys_metric(counter)]
pub static BRIDGE_SIGNATURES_RECEIVED: Counter;

/// Time from requesting a transaction's signatures to the quorum of them, in seconds
/// (collections that never reach their quorum are not observed).
#[alys_metric(
    histogram,
    buckets = [0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0]
)]
pub static BRIDGE_SIGNATURE_COLLECTION_DURATION: Histogram;

/// Retries of bridge operations (a peg-out rebuilt, a mint re-submitted), by operation.
#[alys_metric(counter, labels(operation: BridgeOperation))]
pub static BRIDGE_RETRIES: Counter;

// ---------------------------------------------------------------------------------------------
// The UTXO set and fees.

/// UTXOs of the federation available to fund peg-outs.
#[alys_metric(gauge)]
pub static BRIDGE_AVAILABLE_UTXOS: IntGauge;

/// Value of the available UTXOs, in BTC (counted in satoshis).
#[alys_metric(gauge)]
pub static BRIDGE_AVAILABLE_UTXO_VALUE_BTC: BtcGauge;

/// Time to refresh the UTXO set from the Bitcoin node, in seconds.
#[alys_metric(
    histogram,
    buckets = [0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0]
)]
pub static BRIDGE_UTXO_REFRESH_DURATION: Histogram;

/// Time to select the UTXOs that fund a transaction, in seconds.
#[alys_metric(
    histogram,
    buckets = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0]
)]
pub static BRIDGE_UTXO_SELECTION_DURATION: Histogram;

/// Fee rate the bridge pays on Bitcoin, in satoshis per virtual byte.
#[alys_metric(gauge, name = "alys_bridge_fee_rate_sat_per_vbyte")]
pub static BRIDGE_FEE_RATE: Gauge;

// ---------------------------------------------------------------------------------------------
// Connections, governance, errors.

/// The bridge's connections: 1 connected, 0 disconnected (0 also before the first report).
#[alys_metric(gauge, labels(link: BridgeLink))]
pub static BRIDGE_CONNECTION_STATUS: IntGauge;

/// Federation updates the bridge applied (members, threshold, keys).
#[alys_metric(counter)]
pub static BRIDGE_FEDERATION_UPDATES: Counter;

/// Requests the bridge sent to the governance nodes.
#[alys_metric(counter)]
pub static BRIDGE_GOVERNANCE_REQUESTS: Counter;

/// Bridge errors, by severity (every critical error is also an error of the bridge).
#[alys_metric(counter, labels(severity: BridgeErrorSeverity))]
pub static BRIDGE_ERRORS: Counter;

/// When the bridge last started, in Unix seconds (0 before it started).
#[alys_metric(gauge)]
pub static BRIDGE_START_TIME: Gauge;

// ---------------------------------------------------------------------------------------------
// Computed at scrape time from the operations in flight (statics in `chain::bridge`).

/// `alys_bridge_pending_pegins`.
pub static BRIDGE_PENDING_PEGINS_DESCRIPTOR: Descriptor = Descriptor::new(
    "alys_bridge_pending_pegins",
    "Peg-ins detected and not yet minted or failed: the peg-in handles alive now.",
    Kind::Gauge,
)
.declared_at(
    "alys_metrics::chain::bridge::PENDING_PEGINS",
    file!(),
    line!(),
);

/// `alys_bridge_pending_pegouts`.
pub static BRIDGE_PENDING_PEGOUTS_DESCRIPTOR: Descriptor = Descriptor::new(
    "alys_bridge_pending_pegouts",
    "Peg-outs requested and not yet confirmed or failed: the peg-out handles alive now.",
    Kind::Gauge,
)
.declared_at(
    "alys_metrics::chain::bridge::PENDING_PEGOUTS",
    file!(),
    line!(),
);

/// `alys_bridge_oldest_pending_pegin_timestamp_seconds`.
pub static BRIDGE_OLDEST_PENDING_PEGIN_DESCRIPTOR: Descriptor = Descriptor::new(
    "alys_bridge_oldest_pending_pegin_timestamp_seconds",
    "When the oldest pending peg-in was detected, in Unix seconds (0 when none is pending).",
    Kind::Gauge,
)
.declared_at(
    "alys_metrics::chain::bridge::OLDEST_PENDING_PEGIN",
    file!(),
    line!(),
);

/// `alys_bridge_oldest_pending_pegout_timestamp_seconds`.
pub static BRIDGE_OLDEST_PENDING_PEGOUT_DESCRIPTOR: Descriptor = Descriptor::new(
    "alys_bridge_oldest_pending_pegout_timestamp_seconds",
    "When the oldest pending peg-out was requested, in Unix seconds (0 when none is pending).",
    Kind::Gauge,
)
.declared_at(
    "alys_metrics::chain::bridge::OLDEST_PENDING_PEGOUT",
    file!(),
    line!(),
);

/// `alys_bridge_last_activity_timestamp_seconds`.
pub static BRIDGE_LAST_ACTIVITY_DESCRIPTOR: Descriptor = Descriptor::new(
    "alys_bridge_last_activity_timestamp_seconds",
    "When the bridge last recorded activity, in Unix seconds (0 before any): a peg-in or peg-out starting, changing stage or ending, a signature quorum, a UTXO refresh or selection, a connection change, a federation update, a governance request or an error.",
    Kind::Gauge,
)
.declared_at(
    "alys_metrics::chain::bridge::LAST_ACTIVITY",
    file!(),
    line!(),
);
