//! The standard catalogue: every metric the Alys node registers, declared with
//! `#[alys_metric]`. Each static is registered in the default registry at start-up with all of
//! its enum-labelled series at 0.
//!
//! # Renamed metrics
//!
//! Counters whose old name lacked the `_total` suffix are exposed under a `_total` name:
//!
//! | old name | exposed name |
//! |---|---|
//! | `alys_aura_slot_author_retrievals` | `alys_aura_slot_author_retrievals_total` |
//! | `alys_aura_slot_claim_totals` | `alys_aura_slot_claim_total` |
//! | `alys_chain_pegin_totals` | `alys_chain_pegin_total` |
//! | `alys_chain_process_block_totals` | `alys_chain_process_block_total` |
//! | `alys_chain_network_gossip_totals` | `alys_chain_network_gossip_total` |
//! | `alys_chain_btc_block_monitor_totals` | `alys_chain_btc_block_monitor_total` (label `block_height` dropped; see `alys_chain_btc_block_monitor_height`) |
//! | `alys_chain_syncing_operation_totals` | `alys_chain_syncing_operation_total` (label `start_height` dropped; see `alys_chain_syncing_start_height`) |
//! | `alys_chain_block_production_totals` | `alys_chain_block_production_total` |
//!
//! # Other spellings, served by recording rules
//!
//! The Alys operators' rules and dashboards query some names that are only another spelling
//! of data exported here. They are not exported a second time; the recording rules of
//! `ops/spellings.yml` serve them:
//!
//! | their name | our expression |
//! |---|---|
//! | `alys_txpool_rejected_total` | `sum without (reason) (alys_txpool_rejections_total)` |
//! | `alys_actor_messages_dropped_total` | `alys_actor_mailbox_dropped_total` |
//! | `alys_actor_lifecycle_events_total` | `alys_actor_registration_events_total` (spawn, stop, recover) and `sum without (reason) (alys_actor_restarts_total)` as `event="restart"` |
//! | `alys_process_cpu_seconds_total` | `process_cpu_seconds_total{job="alys"}` |
//! | `alys_process_memory_usage_bytes` | `process_resident_memory_bytes{job="alys"}` |
//! | `alys_process_open_file_descriptors` | `process_open_fds{job="alys"}` |
//! | `alys_process_max_file_descriptors` | `process_max_fds{job="alys"}` |
//!
//! The same file serves the 70 names the Alys node's own code declares for the bridge
//! (`bridge_*`), the engine actor's execution client (`engine_*`), the Lighthouse wrapper's
//! v4 -> v5 migration (`lighthouse_*`) and the actor_system crate's aggregates
//! (`alys_active_actors`, `alys_system_health_score`, ...) from `bridge`, `engine`,
//! `lighthouse` and the actor families; its header says how each group maps.
//!
//! # Lint exceptions
//!
//! These gauges keep their established `_count` names, which dashboards and alert rules query,
//! although `promtool check metrics` flags the suffix: `alys_peer_count`, `alys_thread_count`,
//! `alys_actor_healthy_count`, `alys_actor_total_count`, `alys_feature_flags_active_count`,
//! `alys_feature_flags_enabled_count`. [`LINT_EXCEPTIONS`] lists them.

/// Descriptors of every metric family in the default registry, sorted by name: every
/// declared metric (the standard catalogue and the program's own), also those never touched yet.
///
/// # Panics
///
/// As [`registry`](crate::registry()): when two metrics share a name.
pub fn all() -> Vec<&'static crate::metric::Descriptor> {
    crate::registry().descriptors()
}

/// The series budget of the default registry: samples and bytes per family of one text
/// scrape, widest first when printed. What a node exports per scrape, and so what it costs
/// the operators' Prometheus (one series per sample); `tests/e2e` holds the example node to
/// its budget with it.
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// let report = alys_metrics::catalogue::series_report();
/// assert!(report.family("alys_build_info").is_some_and(|f| f.samples == 1));
/// assert!(report.samples() >= report.families.len() - report.families.iter().filter(|f| f.samples == 0).count());
/// println!("{report}");
/// ```
///
/// # Panics
///
/// As [`registry`](crate::registry()).
pub fn series_report() -> SeriesReport {
    crate::registry().series_report()
}

pub use crate::registry::{FamilySeries, SeriesReport};
pub use crate::registry::{BUILD_INFO, INCLUDED_LEFT_OUT, LABEL_OVERFLOW};

pub mod actor;
pub mod actor_lifecycle;
pub mod actor_system;
pub mod actor_traffic;
#[cfg(feature = "chain")]
#[cfg_attr(docsrs, doc(cfg(feature = "chain")))]
pub mod bridge;
#[cfg(feature = "chain")]
#[cfg_attr(docsrs, doc(cfg(feature = "chain")))]
pub mod chain;
#[cfg(feature = "chain")]
#[cfg_attr(docsrs, doc(cfg(feature = "chain")))]
pub mod consensus;
#[cfg(feature = "chain")]
#[cfg_attr(docsrs, doc(cfg(feature = "chain")))]
pub mod engine;
pub mod feature_flags;
#[cfg(feature = "chain")]
#[cfg_attr(docsrs, doc(cfg(feature = "chain")))]
pub mod governance;
#[cfg(feature = "chain")]
#[cfg_attr(docsrs, doc(cfg(feature = "chain")))]
pub mod lighthouse;
#[cfg(feature = "chain")]
#[cfg_attr(docsrs, doc(cfg(feature = "chain")))]
pub mod migration;
#[cfg(feature = "chain")]
#[cfg_attr(docsrs, doc(cfg(feature = "chain")))]
pub mod storage;
#[cfg(feature = "process-collector")]
#[cfg_attr(docsrs, doc(cfg(feature = "process-collector")))]
pub mod system;

/// Metric names that `promtool check metrics` flags and that are kept on purpose.
pub const LINT_EXCEPTIONS: &[&str] = &[
    "alys_peer_count",
    "alys_thread_count",
    "alys_actor_healthy_count",
    "alys_actor_total_count",
    "alys_feature_flags_active_count",
    "alys_feature_flags_enabled_count",
];

/// What the declaration files use: the label enums and `#[alys_metric]` (which names the metric
/// types itself). The crate's `prelude` sits above the catalogue.
mod prelude {
    pub(super) use crate::labels::*;
    pub(super) use crate::metric::{Counter, FloatCounter, Gauge, Histogram, IntGauge};
    pub(super) use alys_metrics_macros::alys_metric;
}
