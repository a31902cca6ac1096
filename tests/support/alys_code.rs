//! The 70 metric names the Alys v2 node's own code declares for the bridge, the engine actor's
//! execution client, the Lighthouse wrapper's v4 -> v5 migration and the actor_system crate's
//! aggregates (issue 24), with their kinds: each is exported by the node or recorded by a rule
//! of `ops/spellings.yml`, never both. Shared by `tests/it/ops.rs` (the rules serve each one)
//! and the end-to-end test (each has samples in a real Prometheus), which include this file
//! with `#[path]`.

#![allow(dead_code)]

/// Whether an Alys name is a histogram (its series are `_bucket`, `_sum` and `_count`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlysKind {
    /// A counter, a gauge or an untyped family: one series name.
    Single,
    /// A histogram.
    Histogram,
}

/// Every name, with its kind.
pub const ALYS_CODE_NAMES: [(&str, AlysKind); 70] = [
    ("bridge_available_utxos", AlysKind::Single),
    ("bridge_average_fee_rate_sat_per_byte", AlysKind::Single),
    ("bridge_bitcoin_connection_status", AlysKind::Single),
    ("bridge_critical_errors_total", AlysKind::Single),
    ("bridge_error_rate", AlysKind::Single),
    ("bridge_errors_total", AlysKind::Single),
    ("bridge_failed_operations_total", AlysKind::Single),
    ("bridge_federation_updates_total", AlysKind::Single),
    ("bridge_governance_connection_status", AlysKind::Single),
    ("bridge_governance_requests_total", AlysKind::Single),
    ("bridge_last_activity_timestamp", AlysKind::Single),
    ("bridge_pegin_attempts_total", AlysKind::Single),
    ("bridge_pegin_confirmations", AlysKind::Histogram),
    (
        "bridge_pegin_processing_duration_seconds",
        AlysKind::Histogram,
    ),
    ("bridge_pegin_volume_btc", AlysKind::Single),
    ("bridge_pegins_processed_total", AlysKind::Single),
    ("bridge_pegout_attempts_total", AlysKind::Single),
    (
        "bridge_pegout_processing_duration_seconds",
        AlysKind::Histogram,
    ),
    ("bridge_pegout_volume_btc", AlysKind::Single),
    ("bridge_pegouts_broadcast_total", AlysKind::Single),
    ("bridge_pegouts_processed_total", AlysKind::Single),
    ("bridge_pending_pegins", AlysKind::Single),
    ("bridge_pending_pegouts", AlysKind::Single),
    ("bridge_retry_attempts_total", AlysKind::Single),
    (
        "bridge_signature_collection_duration_seconds",
        AlysKind::Histogram,
    ),
    ("bridge_signature_requests_total", AlysKind::Single),
    ("bridge_signatures_received_total", AlysKind::Single),
    ("bridge_total_utxo_value_btc", AlysKind::Single),
    ("bridge_tx_broadcast_duration_seconds", AlysKind::Histogram),
    ("bridge_tx_build_duration_seconds", AlysKind::Histogram),
    ("bridge_uptime_seconds", AlysKind::Single),
    ("bridge_utxo_refresh_duration_seconds", AlysKind::Histogram),
    (
        "bridge_utxo_selection_duration_seconds",
        AlysKind::Histogram,
    ),
    ("engine_client_health_status", AlysKind::Single),
    (
        "engine_client_response_duration_seconds",
        AlysKind::Histogram,
    ),
    ("engine_client_uptime_percentage", AlysKind::Single),
    ("engine_payload_build_duration_seconds", AlysKind::Histogram),
    (
        "engine_payload_execution_duration_seconds",
        AlysKind::Histogram,
    ),
    ("lighthouse_active_version", AlysKind::Single),
    (
        "lighthouse_bls_signature_duration_seconds",
        AlysKind::Histogram,
    ),
    ("lighthouse_bls_signature_errors_total", AlysKind::Single),
    (
        "lighthouse_bls_signature_verifications_total",
        AlysKind::Single,
    ),
    ("lighthouse_engine_api_errors_total", AlysKind::Single),
    (
        "lighthouse_engine_api_request_duration_seconds",
        AlysKind::Histogram,
    ),
    ("lighthouse_engine_api_requests_total", AlysKind::Single),
    ("lighthouse_migration_progress_percent", AlysKind::Single),
    (
        "lighthouse_payload_build_duration_seconds",
        AlysKind::Histogram,
    ),
    ("lighthouse_payload_build_failures_total", AlysKind::Single),
    ("lighthouse_payload_build_success_total", AlysKind::Single),
    ("lighthouse_rollback_count_total", AlysKind::Single),
    ("lighthouse_storage_errors_total", AlysKind::Single),
    ("lighthouse_storage_operations_total", AlysKind::Single),
    ("lighthouse_storage_size_bytes", AlysKind::Single),
    ("lighthouse_traffic_split_v5_percent", AlysKind::Single),
    ("lighthouse_v4_operations_total", AlysKind::Single),
    ("lighthouse_v5_operations_total", AlysKind::Single),
    ("lighthouse_version_mismatches_total", AlysKind::Single),
    ("alys_active_actors", AlysKind::Single),
    ("alys_actor_mailbox_size", AlysKind::Single),
    ("alys_actor_memory_usage_bytes", AlysKind::Single),
    ("alys_actor_messages_failed_total", AlysKind::Single),
    ("alys_actor_messages_processed_total", AlysKind::Single),
    ("alys_actor_processing_duration_seconds", AlysKind::Single),
    ("alys_actor_restarts_total", AlysKind::Single),
    ("alys_message_processing_duration_seconds", AlysKind::Single),
    ("alys_messages_failed_total", AlysKind::Single),
    ("alys_messages_processed_total", AlysKind::Single),
    ("alys_system_health_score", AlysKind::Single),
    ("alys_system_success_rate", AlysKind::Single),
    ("alys_system_uptime_seconds", AlysKind::Single),
];

/// The series names a query may use for `name`: the name, or a histogram's three series.
pub fn series_names(name: &str, kind: AlysKind) -> Vec<String> {
    match kind {
        AlysKind::Single => vec![name.to_owned()],
        AlysKind::Histogram => ["_bucket", "_sum", "_count"]
            .iter()
            .map(|s| format!("{name}{s}"))
            .collect(),
    }
}

/// True when `token` is one of these names or one of a histogram's series.
pub fn is_alys_code_series(token: &str) -> bool {
    ALYS_CODE_NAMES
        .iter()
        .any(|(n, k)| series_names(n, *k).iter().any(|s| s == token))
}
