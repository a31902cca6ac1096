//! The standard catalogue holds every metric the Alys node registered before this crate (with
//! the `_total` renames and without the unbounded labels), and the names its operators query,
//! with its kind and label names, registered and exported from start-up.

use alys_metrics::metric::Kind::{self, Counter as C, Gauge as G, Histogram as H};

/// (exposed name, kind, label names) of every metric the Alys node registered, after the
/// `_total` renames and the dropped unbounded labels.
const EXPECTED: &[(&str, Kind, &[&str])] = &[
    // Migration
    ("alys_migration_phase", G, &[]),
    ("alys_migration_progress_percent", G, &[]),
    ("alys_migration_errors_total", C, &["phase", "error_type"]),
    ("alys_migration_rollbacks_total", C, &["phase", "reason"]),
    ("alys_migration_phase_duration_seconds", H, &["phase"]),
    ("alys_migration_validation_success_total", C, &["phase"]),
    ("alys_migration_validation_failure_total", C, &["phase"]),
    // Actor system
    (
        "alys_actor_messages_total",
        C,
        &["actor_type", "message_type", "actor", "message"],
    ),
    (
        "alys_actor_message_latency_seconds",
        H,
        &["actor_type", "message_type", "actor", "message"],
    ),
    ("alys_actor_mailbox_size", G, &["actor_type"]),
    ("alys_actor_restarts_total", C, &["actor_type", "reason"]),
    (
        "alys_actor_message_throughput_per_second",
        G,
        &["actor_type"],
    ),
    // Sync, blocks, transaction pool, peers
    ("alys_sync_current_height", G, &[]),
    ("alys_sync_target_height", G, &[]),
    ("alys_sync_blocks_per_second", G, &[]),
    ("alys_sync_state", G, &[]),
    ("alys_block_production_duration_seconds", H, &["validator"]),
    ("alys_block_validation_duration_seconds", H, &["validator"]),
    ("alys_txpool_size", G, &[]),
    ("alys_txpool_processing_rate", G, &[]),
    ("alys_txpool_rejections_total", C, &["reason"]),
    ("alys_peer_count", G, &[]),
    ("alys_peer_quality_score", G, &["peer_id"]),
    ("alys_peer_geographic_distribution", G, &["region"]),
    // System resources
    ("alys_memory_usage_bytes", G, &[]),
    ("alys_cpu_usage_percent", G, &[]),
    ("alys_disk_io_bytes_total", C, &["operation"]),
    ("alys_network_io_bytes_total", C, &["direction"]),
    ("alys_thread_count", G, &[]),
    ("alys_file_descriptors", G, &[]),
    ("alys_process_start_time_seconds", G, &[]),
    ("alys_uptime_seconds", G, &[]),
    // Chain, consensus, engine, RPC
    ("alys_aura_produced_blocks_total", C, &["status"]),
    ("alys_aura_current_slot", G, &[]),
    (
        "alys_aura_slot_author_retrievals_total",
        C,
        &["status", "authority_index"],
    ),
    ("alys_aura_latest_slot_author", G, &[]),
    ("alys_aura_verify_signed_block_total", C, &["status"]),
    ("alys_aura_slot_claim_total", C, &["status"]),
    ("alys_create_aux_block_calls_total", C, &["status"]),
    ("alys_auxpow_submit_block_calls_total", C, &["status"]),
    ("alys_auxpow_hashes_processed", H, &[]),
    ("alys_chain_pegin_total", C, &["status"]),
    ("alys_chain_total_pegin_amount", G, &[]),
    ("alys_chain_process_block_attempts_total", C, &[]),
    ("alys_chain_process_block_total", C, &["status", "reason"]),
    (
        "alys_chain_network_gossip_total",
        C,
        &["message_type", "status"],
    ),
    ("alys_last_approved_block", G, &[]),
    ("alys_chain_block_height", G, &[]),
    ("alys_chain_btc_block_monitor_total", C, &["status"]),
    ("alys_chain_discovered_peers", G, &[]),
    ("alys_chain_syncing_operation_total", C, &["status"]),
    (
        "alys_chain_block_production_total",
        C,
        &["message_type", "status"],
    ),
    ("alys_chain_last_finalized_block", G, &[]),
    ("alys_chain_last_processed_block", G, &[]),
    (
        "alys_engine_build_block_calls_total",
        C,
        &["status", "reason"],
    ),
    ("alys_engine_commit_block_calls_total", C, &["status"]),
    ("alys_rpc_requests_total", C, &["method", "status"]),
    ("alys_rpc_request_duration_seconds", H, &["method"]),
    // Feature flags
    (
        "alys_feature_flag_evaluations_total",
        C,
        &["flag_name", "status", "result"],
    ),
    (
        "alys_feature_flag_evaluation_duration_seconds",
        H,
        &["flag_name", "cache_status"],
    ),
    (
        "alys_feature_flag_cache_operations_total",
        C,
        &["operation", "flag_name"],
    ),
    ("alys_feature_flags_active_count", G, &[]),
    ("alys_feature_flags_enabled_count", G, &[]),
    ("alys_feature_flag_hot_reload_events_total", C, &["status"]),
    ("alys_feature_flag_config_reloads_total", C, &["source"]),
    ("alys_feature_flag_audit_events_total", C, &["event_type"]),
    (
        "alys_feature_flag_changes_total",
        C,
        &["flag_name", "change_type"],
    ),
    (
        "alys_feature_flag_validation_errors_total",
        C,
        &["error_type", "flag_name"],
    ),
    (
        "alys_feature_flag_macro_cache_hits_total",
        C,
        &["flag_name"],
    ),
    ("alys_feature_flag_context_builds_total", C, &["status"]),
    // Also required
    ("alys_build_info", G, &["version", "commit"]),
    ("alys_actor_messages_processed_total", C, &["actor_type"]),
    ("alys_actor_message_errors_total", C, &["actor_type"]),
    ("alys_sync_blocks_processed_total", C, &[]),
    ("alys_txpool_processed_total", C, &[]),
    ("alys_actor_healthy_count", G, &[]),
    ("alys_actor_total_count", G, &[]),
    ("process_cpu_seconds_total", C, &[]),
    ("process_resident_memory_bytes", G, &[]),
    ("process_virtual_memory_bytes", G, &[]),
    ("process_open_fds", G, &[]),
    ("process_max_fds", G, &[]),
    ("process_start_time_seconds", G, &[]),
    ("process_threads", G, &[]),
    // Queried by the operators: governance stream
    (
        "alys_governance_connection_status",
        G,
        &["endpoint", "node_id"],
    ),
    (
        "alys_governance_messages_sent_total",
        C,
        &["endpoint", "message_type"],
    ),
    (
        "alys_governance_messages_received_total",
        C,
        &["endpoint", "message_type"],
    ),
    (
        "alys_governance_message_buffer_size",
        G,
        &["endpoint", "message_type"],
    ),
    (
        "alys_governance_request_correlation_duration_seconds",
        H,
        &["request_type", "endpoint"],
    ),
    ("alys_governance_heartbeat_rtt_seconds", H, &["endpoint"]),
    (
        "alys_governance_message_errors_total",
        C,
        &["endpoint", "error_type", "message_type"],
    ),
    (
        "alys_governance_reconnect_attempts_total",
        C,
        &["endpoint", "reason"],
    ),
    (
        "alys_governance_backpressure_events_total",
        C,
        &["endpoint", "severity"],
    ),
    ("alys_governance_endpoint_health_score", G, &["endpoint"]),
    (
        "alys_governance_signature_correlation_rate",
        G,
        &["endpoint"],
    ),
    (
        "alys_federation_update_processing_duration_seconds",
        H,
        &["update_type", "processing_stage"],
    ),
    // Queried by the operators: chain, network, pool, storage
    ("alys_chain_forks_total", C, &[]),
    ("alys_orphan_blocks_total", C, &[]),
    ("alys_stale_blocks_total", C, &[]),
    ("alys_missed_block_proposals_total", C, &[]),
    ("alys_consensus_participation_rate", G, &[]),
    ("alys_consensus_slots_total", C, &["result"]),
    ("alys_network_latency_seconds", H, &[]),
    ("alys_peer_disconnections_total", C, &["reason"]),
    ("alys_txpool_received_total", C, &[]),
    ("alys_txpool_max_size", G, &[]),
    ("alys_db_connection_pool_active", G, &[]),
    ("alys_db_connection_pool_max", G, &[]),
    ("alys_db_query_duration_seconds", H, &["operation"]),
    // Queried by the operators: migration
    ("alys_migration_phase_start_timestamp", G, &[]),
    ("alys_migration_data_integrity_errors_total", C, &[]),
    ("alys_migration_state_validation_failures_total", C, &[]),
    ("alys_migration_batch_failures_total", C, &[]),
    ("alys_migration_checkpoint_failures_total", C, &[]),
    ("alys_migration_recovery_attempts_total", C, &[]),
    ("alys_migration_memory_usage_bytes", G, &[]),
    ("alys_migration_memory_limit_bytes", G, &[]),
    ("alys_migration_disk_free_bytes", G, &[]),
    ("alys_migration_disk_total_bytes", G, &[]),
];

/// Names the operators query that are another spelling of data the catalogue already exports:
/// served by recording rules in `ops/`, never exported twice.
const SPELLINGS_NOT_EXPORTED: &[&str] = &[
    "alys_txpool_rejected_total",
    "alys_actor_messages_dropped_total",
    "alys_actor_lifecycle_events_total",
    "alys_process_cpu_seconds_total",
    "alys_process_memory_usage_bytes",
    "alys_process_open_file_descriptors",
    "alys_process_max_file_descriptors",
];

/// Buckets the node's existing metrics use, kept so that dashboards' `le` values still match.
const BUCKETS: &[(&str, &[f64])] = &[
    (
        "alys_actor_message_latency_seconds",
        &[0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0],
    ),
    (
        "alys_block_production_duration_seconds",
        &[0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0],
    ),
    (
        "alys_block_validation_duration_seconds",
        &[0.01, 0.05, 0.1, 0.5, 1.0, 2.0, 5.0],
    ),
    (
        "alys_feature_flag_evaluation_duration_seconds",
        &[
            0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0,
        ],
    ),
];

#[test]
fn catalogue_holds_every_documented_metric_with_its_kind_and_labels() {
    let catalogue = alys_metrics::catalogue::all();
    let mut missing = Vec::new();
    for (name, kind, labels) in EXPECTED {
        match catalogue.iter().find(|d| d.name == *name) {
            None => missing.push(*name),
            Some(d) => {
                assert_eq!(d.kind, *kind, "{name}");
                assert_eq!(d.label_names, *labels, "{name}");
                assert!(!d.help.is_empty(), "{name} has HELP text");
            }
        }
    }
    assert!(
        missing.is_empty(),
        "missing from the catalogue: {missing:?}"
    );
    assert!(
        catalogue.len() >= 62,
        "the node registered 62+ metrics before this crate, found {}",
        catalogue.len()
    );
}

#[test]
fn other_spellings_of_exported_data_are_not_exported_twice() {
    let catalogue = alys_metrics::catalogue::all();
    // The names above, and every name the spelling rules of ops/ record.
    let rules = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/ops/spellings.yml"))
        .expect("read ops/spellings.yml");
    let recorded: Vec<&str> = rules
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- record: "))
        .collect();
    assert!(
        recorded.len() >= SPELLINGS_NOT_EXPORTED.len(),
        "{recorded:?}"
    );
    for name in SPELLINGS_NOT_EXPORTED.iter().chain(&recorded) {
        assert!(
            catalogue.iter().all(|d| d.name != *name),
            "{name} is another spelling of exported data: a recording rule serves it"
        );
    }
    for name in SPELLINGS_NOT_EXPORTED {
        assert!(recorded.contains(name), "no recording rule serves {name}");
    }
}

#[test]
fn alert_thresholds_fall_on_bucket_bounds() {
    // NetworkLatencyHigh (p95 > 1 s) and DatabaseQuerySlow (p95 > 5 s) compare quantiles with
    // these thresholds: a bound at the threshold makes the comparison exact there.
    let catalogue = alys_metrics::catalogue::all();
    // So do AlysSignatureCollectionSlow (p95 > 60 s) and AlysPayloadBuildSlow (p95 > 1 s).
    for (name, threshold) in [
        ("alys_network_latency_seconds", 1.0),
        ("alys_db_query_duration_seconds", 5.0),
        ("alys_bridge_signature_collection_duration_seconds", 60.0),
        ("alys_engine_payload_build_duration_seconds", 1.0),
    ] {
        let d = catalogue.iter().find(|d| d.name == name).expect(name);
        assert!(d.buckets.contains(&threshold), "{name}: {:?}", d.buckets);
    }
}

#[test]
fn catalogue_buckets_match_the_documented_sets() {
    let catalogue = alys_metrics::catalogue::all();
    for (name, buckets) in BUCKETS {
        let d = catalogue.iter().find(|d| d.name == *name).expect(name);
        assert_eq!(d.buckets, *buckets, "{name}");
    }
    let phase = catalogue
        .iter()
        .find(|d| d.name == "alys_migration_phase_duration_seconds")
        .unwrap();
    assert!(
        phase.buckets.last().is_some_and(|b| *b >= 3600.0),
        "phases can last hours"
    );
    let hashes = catalogue
        .iter()
        .find(|d| d.name == "alys_auxpow_hashes_processed")
        .unwrap();
    assert!(
        hashes.buckets.iter().all(|b| b.fract() == 0.0 && *b >= 1.0),
        "hash counts, not seconds"
    );
}

#[test]
fn catalogue_names_are_unique_sorted_and_exported() {
    let catalogue = alys_metrics::catalogue::all();
    assert!(
        catalogue.windows(2).all(|w| w[0].name < w[1].name),
        "sorted and unique"
    );
    let text = alys_metrics::registry().encode_to_string();
    for d in &catalogue {
        assert!(
            text.contains(&format!("# TYPE {} {}\n", d.name, d.kind)),
            "{} is exported",
            d.name
        );
    }
}

#[test]
fn unbounded_labels_of_the_old_code_are_gone() {
    for d in alys_metrics::catalogue::all() {
        for l in d.label_names {
            assert!(
                !["block_height", "start_height"].contains(l),
                "{} still has {l}",
                d.name
            );
        }
        for (l, t) in d.label_names.iter().zip(d.label_types) {
            if [
                "peer_id",
                "validator",
                "method",
                "flag_name",
                "authority_index",
                "endpoint",
                "node_id",
            ]
            .contains(l)
            {
                // Capped: a dynamic label with its maximum, or a closed enum (the execution
                // client's `method` is `EngineMethod`), never a free string.
                assert!(
                    t.starts_with("dynamic(max = ") || !(t.contains("str") || t.contains("String")),
                    "{}: {l} must be capped, is {t}",
                    d.name
                );
            }
        }
    }
}

#[test]
fn a_flag_has_the_three_evaluation_series_alys_records() {
    use alys_metrics::catalogue::feature_flags::FEATURE_FLAG_EVALUATIONS;
    use alys_metrics::labels::{FlagResult, Status};
    // Alys v2 counts `success` with the flag's value and an error with the flag off: three
    // series per flag, not status x result.
    FEATURE_FLAG_EVALUATIONS
        .with("catalogue_test_flag", Status::Success, FlagResult::Enabled)
        .inc();
    let text = crate::samples::exposition();
    let prefix = "alys_feature_flag_evaluations_total{flag_name=\"catalogue_test_flag\",";
    let mut series: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with(prefix))
        .map(|l| &l[prefix.len()..])
        .collect();
    series.sort_unstable();
    assert_eq!(
        series,
        [
            "status=\"failure\",result=\"disabled\"} 0",
            "status=\"success\",result=\"disabled\"} 0",
            "status=\"success\",result=\"enabled\"} 1",
        ],
        "{text}"
    );
}

#[test]
fn status_families_export_only_the_statuses_alys_counts() {
    let text = crate::samples::exposition();
    let series = |family: &str| -> Vec<String> {
        let prefix = format!("{family}{{");
        let mut v: Vec<String> = text
            .lines()
            .filter(|l| l.starts_with(&prefix))
            .filter_map(|l| {
                l.rsplit_once(' ')
                    .map(|(s, _)| s[prefix.len()..].to_owned())
            })
            .collect();
        v.sort_unstable();
        v
    };
    // Every production stage succeeds or fails; only the build, which waits on the execution
    // client, also times out.
    let production = series("alys_chain_block_production_total");
    assert_eq!(production.len(), 11, "{production:?}");
    assert!(production.contains(&"message_type=\"build\",status=\"timeout\"}".to_owned()));
    assert!(production
        .iter()
        .all(|s| !s.contains("attempted") && !s.contains("rejected")));
    // A gossip message is counted once, as a success or a failure.
    let gossip = series("alys_chain_network_gossip_total");
    assert_eq!(gossip.len(), 12, "{gossip:?}");
    assert!(gossip
        .iter()
        .all(|s| s.ends_with("status=\"success\"}") || s.ends_with("status=\"failure\"}")));
    assert_eq!(
        series("alys_aura_verify_signed_block_total"),
        [
            "status=\"attempted\"}",
            "status=\"failure\"}",
            "status=\"success\"}"
        ]
    );
    for family in [
        "alys_aura_produced_blocks_total",
        "alys_feature_flag_context_builds_total",
        "alys_feature_flag_hot_reload_events_total",
    ] {
        assert_eq!(
            series(family),
            ["status=\"failure\"}", "status=\"success\"}"],
            "{family}"
        );
    }
}
