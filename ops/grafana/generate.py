#!/usr/bin/env python3
"""Writes the Grafana dashboards: alys-node.json (one node, and the host under it) and
alys-fleet.json (many nodes, on the recording rules of ops/fleet/rules.yml).
Run: python3 ops/grafana/generate.py

Every expression uses $__rate_interval for rates and the $instance (node) and $host (machine,
for node_exporter) variables; tests/it/ops.rs checks that every metric it names is in the
catalogue or recorded by a rule of ops/, tests/e2e/prometheus_e2e.rs that every node-dashboard
expression evaluates with data on a real Prometheus, and tests/e2e/fleet_e2e.rs the same for the
fleet dashboard on a central Prometheus fed by agents.
"""
import json, os

I = '{instance=~"$instance"}'
RI = '[$__rate_interval]'
H = '{host=~"$host"}'
FS = '{host=~"$host",fstype!~"tmpfs|ramfs|squashfs|overlay"}'

def hq(q, metric, by, sel=None):
    """histogram_quantile over the bucket rates of `metric`, summed by `le` and `by`."""
    return "histogram_quantile(%s, sum by (le%s) (rate(%s_bucket%s%s)))" % (
        q, ''.join(', ' + b for b in by), metric, sel or I, RI)

def sel(extra=''):
    return '{instance=~"$instance"%s}' % (',' + extra if extra else '')

ROWS = [
    ("Migration", [
        ("Migration phase", "none", [("alys_migration_phase" + I, "{{instance}}")]),
        ("Phase progress", "percent", [("alys_migration_progress_percent" + I, "{{instance}}")]),
        ("Migration errors /s", "ops", [("sum by (phase, error_type) (rate(alys_migration_errors_total%s%s))" % (I, RI), "{{phase}} {{error_type}}")]),
        ("Rollbacks", "none", [("sum by (phase, reason) (increase(alys_migration_rollbacks_total%s%s))" % (I, RI), "{{phase}} {{reason}}")]),
        ("Phase duration p95", "s", [("histogram_quantile(0.95, sum by (le, phase) (rate(alys_migration_phase_duration_seconds_bucket%s%s)))" % (I, RI), "{{phase}}")]),
        ("Validations /s", "ops", [
            ("sum by (phase) (rate(alys_migration_validation_success_total%s%s))" % (I, RI), "ok {{phase}}"),
            ("sum by (phase) (rate(alys_migration_validation_failure_total%s%s))" % (I, RI), "failed {{phase}}"),
        ]),
        ("Current phase running for", "s", [("time() - alys_migration_phase_start_timestamp" + I, "{{instance}}")]),
        ("Migration failures", "none", [
            ("sum(increase(alys_migration_data_integrity_errors_total%s%s))" % (I, RI), "data integrity"),
            ("sum(increase(alys_migration_state_validation_failures_total%s%s))" % (I, RI), "state validation"),
            ("sum(increase(alys_migration_batch_failures_total%s%s))" % (I, RI), "batch"),
            ("sum(increase(alys_migration_checkpoint_failures_total%s%s))" % (I, RI), "checkpoint"),
            ("sum(increase(alys_migration_recovery_attempts_total%s%s))" % (I, RI), "recovery attempts"),
        ]),
        ("Migration memory", "bytes", [
            ("alys_migration_memory_usage_bytes" + I, "used {{instance}}"),
            ("alys_migration_memory_limit_bytes" + I, "limit {{instance}}"),
        ]),
        ("Migration disk", "bytes", [
            ("alys_migration_disk_free_bytes" + I, "free {{instance}}"),
            ("alys_migration_disk_total_bytes" + I, "total {{instance}}"),
        ]),
    ]),
    ("Actors", [
        ("Messages /s by actor type", "ops", [("sum by (actor_type) (rate(alys_actor_messages_total%s%s))" % (I, RI), "{{actor_type}}")]),
        ("Message latency p99", "s", [("histogram_quantile(0.99, sum by (le, actor_type) (rate(alys_actor_message_latency_seconds_bucket%s%s)))" % (I, RI), "{{actor_type}}")]),
        ("Mailbox size", "none", [("sum by (actor_type) (alys_actor_mailbox_size%s)" % I, "{{actor_type}}")]),
        ("Throughput (collector window)", "ops", [("sum by (actor_type) (alys_actor_message_throughput_per_second%s)" % I, "{{actor_type}}")]),
        ("Handler errors /s", "ops", [("sum by (actor_type) (rate(alys_actor_message_errors_total%s%s))" % (I, RI), "{{actor_type}}")]),
        ("Restarts", "none", [("sum by (actor_type, reason) (increase(alys_actor_restarts_total%s%s))" % (I, RI), "{{actor_type}} {{reason}}")]),
        ("Lifecycle events", "none", [("sum by (event) (increase(alys_actor_lifecycle_events_total%s%s))" % (I, RI), "{{event}}")]),
        ("Healthy actors", "percentunit", [("sum(alys_actor_healthy_count%s) / sum(alys_actor_total_count%s)" % (I, I), "healthy share")]),
        ("Message outcomes /s", "ops", [("sum by (outcome) (rate(alys_actor_message_outcomes_total%s%s))" % (I, RI), "{{outcome}}")]),
        ("Mailbox drops /s", "ops", [("sum by (actor_type) (rate(alys_actor_messages_dropped_total%s%s))" % (I, RI), "{{actor_type}}")]),
        ("Messages in flight", "none", [("sum by (actor_type) (alys_actor_messages_in_flight%s)" % I, "{{actor_type}}")]),
    ]),
    ("Inter-actor communication", [
        ("Requests /s by edge", "ops", [("sum by (actors_involved) (rate(alys_actor_communication_patterns_total%s%s))" % (sel('pattern_type="request_response"'), RI), "{{actors_involved}}")]),
        ("Send to reply p95", "s", [(hq(0.95, "alys_inter_actor_message_latency_seconds", ["from_actor", "to_actor"]), "{{from_actor}} -> {{to_actor}}")]),
        ("Requests awaiting a reply", "none", [("sum by (from_actor, to_actor) (alys_inter_actor_message_queue_size%s)" % I, "{{from_actor}} -> {{to_actor}}")]),
        ("Messages /s by pattern", "ops", [("sum by (pattern_type) (rate(alys_actor_communication_patterns_total%s%s))" % (I, RI), "{{pattern_type}}")]),
        ("Dead letters /s", "ops", [("sum by (actor_type) (rate(alys_actor_dead_letters_total%s%s))" % (I, RI), "{{actor_type}}")]),
        ("Request timeouts", "none", [("sum by (from_actor, to_actor) (increase(alys_actor_message_timeout_events_total%s%s))" % (I, RI), "{{from_actor}} -> {{to_actor}}")]),
    ]),
    ("Actor dependencies", [
        ("Dependency health", "none", [("alys_actor_dependency_health_status" + I, "{{actor}} {{dependency}}")]),
        ("Circuit breakers (0 closed, 1 half-open, 2 open)", "none", [("alys_actor_circuit_breaker_state" + I, "{{actor}} {{dependency}}")]),
        ("Dependency response time p95", "s", [(hq(0.95, "alys_actor_dependency_response_time_seconds", ["actor", "dependency", "operation"]), "{{actor}} {{dependency}} {{operation}}")]),
    ]),
    ("Governance stream", [
        ("Connected endpoints", "none", [("alys_governance_connection_status" + I, "{{endpoint}} {{node_id}}")]),
        ("Governance messages /s", "ops", [
            ("sum by (message_type) (rate(alys_governance_messages_sent_total%s%s))" % (I, RI), "sent {{message_type}}"),
            ("sum by (message_type) (rate(alys_governance_messages_received_total%s%s))" % (I, RI), "received {{message_type}}"),
        ]),
        ("Message buffer", "none", [("sum by (endpoint) (alys_governance_message_buffer_size%s)" % I, "{{endpoint}}")]),
        ("Request correlation p95", "s", [(hq(0.95, "alys_governance_request_correlation_duration_seconds", ["request_type"]), "{{request_type}}")]),
        ("Heartbeat RTT p95", "s", [(hq(0.95, "alys_governance_heartbeat_rtt_seconds", ["endpoint"]), "{{endpoint}}")]),
        ("Governance errors /s", "ops", [("sum by (error_type) (rate(alys_governance_message_errors_total%s%s))" % (I, RI), "{{error_type}}")]),
        ("Reconnect attempts", "none", [("sum by (reason) (increase(alys_governance_reconnect_attempts_total%s%s))" % (I, RI), "{{reason}}")]),
        ("Backpressure events /s", "ops", [("sum by (severity) (rate(alys_governance_backpressure_events_total%s%s))" % (I, RI), "{{severity}}")]),
        ("Endpoint health and signature correlation", "percentunit", [
            ("alys_governance_endpoint_health_score" + I, "health {{endpoint}}"),
            ("alys_governance_signature_correlation_rate" + I, "signatures {{endpoint}}"),
        ]),
        ("Federation update processing p95", "s", [(hq(0.95, "alys_federation_update_processing_duration_seconds", ["update_type", "processing_stage"]), "{{update_type}} {{processing_stage}}")]),
    ]),
    ("Bridge", [
        ("Pending peg-ins and peg-outs", "none", [
            ("alys_bridge_pending_pegins" + I, "peg-ins {{instance}}"),
            ("alys_bridge_pending_pegouts" + I, "peg-outs {{instance}}"),
        ]),
        ("Oldest pending operation", "s", [
            ("(time() - alys_bridge_oldest_pending_pegin_timestamp_seconds%s) * (alys_bridge_oldest_pending_pegin_timestamp_seconds%s > bool 0)" % (I, I), "peg-in {{instance}}"),
            ("(time() - alys_bridge_oldest_pending_pegout_timestamp_seconds%s) * (alys_bridge_oldest_pending_pegout_timestamp_seconds%s > bool 0)" % (I, I), "peg-out {{instance}}"),
        ]),
        ("Peg-ins /s", "ops", [
            ("sum(rate(alys_bridge_pegin_attempts_total%s%s))" % (I, RI), "detected"),
            ("sum(rate(alys_bridge_pegins_processed_total%s%s))" % (I, RI), "minted"),
            ("sum by (reason) (rate(alys_bridge_pegin_failures_total%s%s))" % (I, RI), "failed: {{reason}}"),
        ]),
        ("Peg-outs /s", "ops", [
            ("sum(rate(alys_bridge_pegout_attempts_total%s%s))" % (I, RI), "requested"),
            ("sum(rate(alys_bridge_pegouts_broadcast_total%s%s))" % (I, RI), "broadcast"),
            ("sum(rate(alys_bridge_pegouts_processed_total%s%s))" % (I, RI), "confirmed"),
            ("sum by (reason) (rate(alys_bridge_pegout_failures_total%s%s))" % (I, RI), "failed: {{reason}}"),
        ]),
        ("Volume (BTC per hour)", "none", [
            ("3600 * sum(rate(alys_bridge_pegin_volume_btc_total%s%s))" % (I, RI), "pegged in"),
            ("3600 * sum(rate(alys_bridge_pegout_volume_btc_total%s%s))" % (I, RI), "pegged out"),
        ]),
        ("Processing time p95", "s", [
            (hq(0.95, "alys_bridge_pegin_processing_duration_seconds", []), "peg-in"),
            (hq(0.95, "alys_bridge_pegout_processing_duration_seconds", []), "peg-out"),
        ]),
        ("Peg-out stages p95", "s", [
            (hq(0.95, "alys_bridge_tx_build_duration_seconds", []), "build"),
            (hq(0.95, "alys_bridge_signature_collection_duration_seconds", []), "signatures to quorum"),
            (hq(0.95, "alys_bridge_tx_broadcast_duration_seconds", []), "broadcast"),
        ]),
        ("Federation signatures /s", "ops", [
            ("sum(rate(alys_bridge_signature_requests_total%s%s))" % (I, RI), "requested"),
            ("sum(rate(alys_bridge_signatures_received_total%s%s))" % (I, RI), "received"),
        ]),
        ("Confirmations at mint (median)", "none", [(hq(0.5, "alys_bridge_pegin_confirmations", []), "median")]),
        ("UTXOs available", "none", [("alys_bridge_available_utxos" + I, "{{instance}}")]),
        ("UTXO value (BTC)", "none", [("alys_bridge_available_utxo_value_btc" + I, "{{instance}}")]),
        ("UTXO refresh and selection p95", "s", [
            (hq(0.95, "alys_bridge_utxo_refresh_duration_seconds", []), "refresh"),
            (hq(0.95, "alys_bridge_utxo_selection_duration_seconds", []), "selection"),
        ]),
        ("Fee rate (sat/vB)", "none", [("alys_bridge_fee_rate_sat_per_vbyte" + I, "{{instance}}")]),
        ("Connections (1 up)", "none", [("alys_bridge_connection_status" + I, "{{link}} {{instance}}")]),
        ("Errors and retries /s", "ops", [
            ("sum by (severity) (rate(alys_bridge_errors_total%s%s))" % (I, RI), "{{severity}}"),
            ("sum by (operation) (rate(alys_bridge_retries_total%s%s))" % (I, RI), "retries {{operation}}"),
        ]),
        ("Uptime and idle time", "s", [
            ("bridge_uptime_seconds" + I, "uptime {{instance}}"),
            ("time() - alys_bridge_last_activity_timestamp_seconds" + I, "since last activity {{instance}}"),
        ]),
        ("Governance: requests and federation updates", "none", [
            ("sum(increase(alys_bridge_governance_requests_total%s%s))" % (I, RI), "governance requests"),
            ("sum(increase(alys_bridge_federation_updates_total%s%s))" % (I, RI), "federation updates"),
        ]),
    ]),
    ("Execution", [
        ("Execution client health", "none", [("alys_engine_client_health_status" + I, "{{instance}}")]),
        ("Execution client uptime (last hour)", "percent", [("engine_client_uptime_percentage" + I, "{{instance}}")]),
        ("Payload build and execution p95", "s", [
            (hq(0.95, "alys_engine_payload_build_duration_seconds", []), "build"),
            (hq(0.95, "alys_engine_payload_execution_duration_seconds", []), "execution"),
        ]),
        ("Payload builds /s by outcome", "ops", [("sum by (status) (rate(alys_engine_build_block_calls_total%s%s))" % (sel('status!="attempted"'), RI), "{{status}}")]),
        ("Client RPC p95 by method", "s", [(hq(0.95, "alys_engine_rpc_duration_seconds", ["method"]), "{{method}}")]),
        ("Client RPC calls and errors /s", "ops", [
            ("sum by (method) (rate(alys_engine_rpc_duration_seconds_count%s%s))" % (I, RI), "{{method}}"),
            ("sum by (method) (rate(alys_engine_rpc_errors_total%s%s))" % (I, RI), "errors {{method}}"),
        ]),
        ("Lighthouse version (4 or 5)", "none", [("alys_lighthouse_active_version" + I, "{{instance}}")]),
        ("Migration to v5", "percent", [
            ("alys_lighthouse_traffic_split_v5_percent" + I, "traffic on v5 {{instance}}"),
            ("alys_lighthouse_migration_progress_percent" + I, "progress {{instance}}"),
        ]),
        ("Library operations /s by version", "ops", [("sum by (version) (rate(alys_lighthouse_operations_total%s%s))" % (I, RI), "{{version}}")]),
        ("v4/v5 mismatches and rollbacks", "none", [
            ("sum(increase(alys_lighthouse_version_mismatches_total%s%s))" % (I, RI), "mismatches"),
            ("sum(increase(alys_lighthouse_rollbacks_total%s%s))" % (I, RI), "rollbacks"),
        ]),
        ("BLS verifications", "ops", [
            ("sum(rate(alys_lighthouse_bls_verification_duration_seconds_count%s%s))" % (I, RI), "verified /s"),
            ("sum(rate(alys_lighthouse_bls_verification_errors_total%s%s))" % (I, RI), "failed /s"),
        ]),
        ("BLS verification p95", "s", [(hq(0.95, "alys_lighthouse_bls_verification_duration_seconds", []), "p95")]),
        ("Library store", "ops", [
            ("sum(rate(alys_lighthouse_storage_operations_total%s%s))" % (I, RI), "operations /s"),
            ("sum(rate(alys_lighthouse_storage_errors_total%s%s))" % (I, RI), "errors /s"),
        ]),
        ("Library store size", "bytes", [("alys_lighthouse_storage_size_bytes" + I, "{{instance}}")]),
    ]),
    ("Sync and blocks", [
        ("Height", "none", [
            ("max(alys_sync_current_height%s)" % I, "current"),
            ("max(alys_sync_target_height%s)" % I, "target"),
        ]),
        ("Sync speed", "none", [
            ("alys_sync_blocks_per_second" + I, "gauge {{instance}}"),
            ("rate(alys_sync_blocks_processed_total%s%s)" % (I, RI), "counter {{instance}}"),
        ]),
        ("Sync state (0 discovering .. 4 synced, 5 failed)", "none", [("alys_sync_state" + I, "{{instance}}")]),
        ("Block production p95", "s", [("histogram_quantile(0.95, sum by (le, validator) (rate(alys_block_production_duration_seconds_bucket%s%s)))" % (I, RI), "{{validator}}")]),
        ("Block validation p95", "s", [("histogram_quantile(0.95, sum by (le, validator) (rate(alys_block_validation_duration_seconds_bucket%s%s)))" % (I, RI), "{{validator}}")]),
        ("Blocks validated /s", "ops", [("sum(rate(alys_block_validation_duration_seconds_count%s%s))" % (I, RI), "validated")]),
        ("Block validations by result /s", "ops", [("sum by (result) (rate(alys_block_validations_total%s%s))" % (I, RI), "{{result}}")]),
    ]),
    ("Transaction pool", [
        ("Pool size", "none", [("alys_txpool_size" + I, "{{instance}}")]),
        ("Processed /s", "ops", [
            ("rate(alys_txpool_processed_total%s%s)" % (I, RI), "counter {{instance}}"),
            ("alys_txpool_processing_rate" + I, "gauge {{instance}}"),
        ]),
        ("Rejections /s by reason", "ops", [("sum by (reason) (rate(alys_txpool_rejections_total%s%s))" % (I, RI), "{{reason}}")]),
        ("Received and rejected /s", "ops", [
            ("sum(rate(alys_txpool_received_total%s%s))" % (I, RI), "received"),
            ("sum(rate(alys_txpool_rejected_total%s%s))" % (I, RI), "rejected"),
        ]),
        ("Pool fill", "percentunit", [("alys_txpool_size%s / on (instance, job) alys_txpool_max_size%s" % (I, I), "{{instance}}")]),
    ]),
    ("Chain and network", [
        ("Forks, orphans, stale blocks", "none", [
            ("sum(increase(alys_chain_forks_total%s%s))" % (I, RI), "forks"),
            ("sum(increase(alys_orphan_blocks_total%s%s))" % (I, RI), "orphans"),
            ("sum(increase(alys_stale_blocks_total%s%s))" % (I, RI), "stale"),
        ]),
        ("Missed block proposals", "none", [("sum(increase(alys_missed_block_proposals_total%s%s))" % (I, RI), "missed")]),
        ("Consensus participation", "percentunit", [("alys_consensus_participation_rate" + I, "{{instance}}")]),
        ("Peer request latency p95", "s", [(hq(0.95, "alys_network_latency_seconds", []), "p95")]),
        ("Peer disconnections /s", "ops", [("sum by (reason) (rate(alys_peer_disconnections_total%s%s))" % (I, RI), "{{reason}}")]),
    ]),
    ("Database", [
        ("Connection pool", "none", [
            ("alys_db_connection_pool_active" + I, "active {{instance}}"),
            ("alys_db_connection_pool_max" + I, "max {{instance}}"),
        ]),
        ("Query time p95", "s", [(hq(0.95, "alys_db_query_duration_seconds", ["operation"]), "{{operation}}")]),
        ("Queries /s", "ops", [("sum by (operation) (rate(alys_db_query_duration_seconds_count%s%s))" % (I, RI), "{{operation}}")]),
    ]),
    ("Peers", [
        ("Peer count", "none", [("alys_peer_count" + I, "{{instance}}")]),
        ("Average peer quality", "percentunit", [("avg by (instance) (alys_peer_quality_score%s)" % I, "{{instance}}")]),
        ("Peers by region", "none", [("sum by (region) (alys_peer_geographic_distribution%s)" % I, "{{region}}")]),
        ("Peer scores folded into other /s", "ops", [("sum(rate(alys_peer_quality_folded_total%s%s))" % (I, RI), "beyond the peer-id cap")]),
    ]),
    ("Process and collector", [
        ("Up", "none", [("up{job=\"alys\",instance=~\"$instance\"}", "{{instance}}")]),
        ("CPU", "percent", [("alys_cpu_usage_percent" + I, "{{instance}}")]),
        ("CPU seconds /s", "none", [("rate(process_cpu_seconds_total%s%s)" % (I, RI), "{{instance}}")]),
        ("Resident memory", "bytes", [
            ("process_resident_memory_bytes" + I, "rss {{instance}}"),
            ("alys_system_memory_total_bytes" + I, "host total {{instance}}"),
        ]),
        ("Threads and descriptors", "none", [
            ("process_threads" + I, "threads {{instance}}"),
            ("process_open_fds" + I, "fds {{instance}}"),
        ]),
        ("Disk I/O", "Bps", [("sum by (operation) (rate(alys_disk_io_bytes_total%s%s))" % (I, RI), "{{operation}}")]),
        ("Network I/O", "Bps", [("sum by (direction) (rate(alys_network_io_bytes_total%s%s))" % (I, RI), "{{direction}}")]),
        ("Collector", "none", [
            ("alys_collector_seconds_since_success" + I, "seconds since success {{instance}}"),
            ("increase(alys_collector_failures_total%s%s)" % (I, RI), "failed ticks {{instance}}"),
            ("alys_collector_last_duration_seconds" + I, "last tick seconds {{instance}}"),
        ]),
        ("Capped label overflow /s", "ops", [("sum by (metric) (rate(alys_label_overflow_total%s%s))" % (I, RI), "{{metric}}")]),
        ("Descriptors against the limit", "percentunit", [("alys_process_open_file_descriptors%s / on (instance, job) alys_process_max_file_descriptors%s" % (I, I), "{{instance}}")]),
    ]),
    ("Host (node_exporter)", [
        ("Host CPU busy", "percentunit", [("1 - avg by (host) (rate(node_cpu_seconds_total{host=~\"$host\",mode=\"idle\"}%s))" % RI, "{{host}}")]),
        ("Host memory available", "percentunit", [("node_memory_MemAvailable_bytes%s / node_memory_MemTotal_bytes%s" % (H, H), "{{host}}")]),
        ("Filesystem free", "percentunit", [("node_filesystem_avail_bytes%s / node_filesystem_size_bytes%s" % (FS, FS), "{{host}} {{mountpoint}}")]),
        ("Disk I/O", "Bps", [
            ("sum by (host) (rate(node_disk_read_bytes_total%s%s))" % (H, RI), "read {{host}}"),
            ("sum by (host) (rate(node_disk_written_bytes_total%s%s))" % (H, RI), "written {{host}}"),
        ]),
        ("Network", "Bps", [
            ("sum by (host) (rate(node_network_receive_bytes_total%s%s))" % (H, RI), "received {{host}}"),
            ("sum by (host) (rate(node_network_transmit_bytes_total%s%s))" % (H, RI), "sent {{host}}"),
        ]),
        ("Load per core", "none", [("node_load5%s / on (instance, job, host) count by (instance, job, host) (node_cpu_seconds_total{host=~\"$host\",mode=\"idle\"})" % H, "{{host}}")]),
        ("Clock offset", "s", [("node_timex_offset_seconds" + H, "{{host}}")]),
        ("Prometheus config reloaded", "none", [("prometheus_config_last_reload_successful", "{{instance}}")]),
    ]),
]

DS = {"type": "prometheus", "uid": "${datasource}"}


def build_panels(rows):
    panels = []
    pid = 1
    y = 0
    for title, items in rows:
        panels.append({"id": pid, "type": "row", "title": title, "collapsed": False,
                       "gridPos": {"h": 1, "w": 24, "x": 0, "y": y}, "panels": []})
        pid += 1
        y += 1
        for i, (ptitle, unit, targets) in enumerate(items):
            x = (i % 3) * 8
            if i and i % 3 == 0:
                y += 8
            panels.append({
                "id": pid, "type": "timeseries", "title": ptitle, "datasource": DS,
                "gridPos": {"h": 8, "w": 8, "x": x, "y": y},
                "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
                "options": {"legend": {"displayMode": "list", "placement": "bottom"}, "tooltip": {"mode": "multi"}},
                "targets": [{"refId": chr(65 + k), "datasource": DS, "expr": e, "legendFormat": lf}
                            for k, (e, lf) in enumerate(targets)],
            })
            pid += 1
        y += 8
    return panels


def write(name, dashboard):
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), name)
    with open(out, "w") as f:
        json.dump(dashboard, f, indent=2)
        f.write("\n")
    print("wrote", out, len(dashboard["panels"]), "panels")


panels = build_panels(ROWS)
write("alys-node.json", {
    "title": "Alys node",
    "uid": "alys-node",
    "tags": ["alys"],
    "timezone": "browser",
    "schemaVersion": 39,
    "version": 1,
    "refresh": "30s",
    "time": {"from": "now-1h", "to": "now"},
    "templating": {"list": [
        {"name": "datasource", "type": "datasource", "query": "prometheus", "label": "Data source"},
        {"name": "instance", "type": "query", "datasource": DS, "label": "Node",
         "query": {"query": "label_values(alys_build_info, instance)", "refId": "instance"},
         "definition": "label_values(alys_build_info, instance)",
         "includeAll": True, "multi": True, "allValue": ".*", "refresh": 2,
         "current": {"text": "All", "value": "$__all"}},
        {"name": "host", "type": "query", "datasource": DS, "label": "Host",
         "query": {"query": "label_values(alys_build_info{instance=~\"$instance\"}, host)", "refId": "host"},
         "definition": "label_values(alys_build_info{instance=~\"$instance\"}, host)",
         "includeAll": True, "multi": True, "allValue": ".*", "refresh": 2,
         "current": {"text": "All", "value": "$__all"}},
    ]},
    "annotations": {"list": [{
        "name": "Restarts", "datasource": DS, "enable": True, "iconColor": "red",
        "expr": "changes(process_start_time_seconds{instance=~\"$instance\"}[5m]) > 0",
    }]},
    "panels": panels,
})

# The fleet dashboard reads only recording rules (ops/fleet/rules.yml): a few series per host,
# role or validator, cheap at 1,000 nodes. It works on the central Prometheus and on a global
# one that federates the rules.
R = '{role=~"$role"}'
FLEET_ROWS = [
    ("Fleet", [
        ("Nodes up by role", "none", [
            ("role:alys_up:count" + R, "up {{role}}"),
            ("role:alys_targets:count" + R, "targets {{role}}"),
        ]),
        ("Actor messages /s", "ops", [
            ("role:alys_actor_messages:rate5m" + R, "{{role}}"),
            ("fleet:alys_actor_messages:rate5m", "fleet"),
        ]),
        ("Busiest hosts (messages /s)", "ops", [("topk(10, host:alys_actor_messages:rate5m%s)" % R, "{{host}}")]),
        ("Firing alerts", "none", [("sum by (severity) (fleet:alerts_firing:count) or vector(0)", "{{severity}}")]),
    ]),
    ("Blocks", [
        ("Block production p95 by validator", "s", [("validator:alys_block_production_duration_seconds:p95_5m", "{{validator}}")]),
        ("Block validation p95 by validator", "s", [("validator:alys_block_validation_duration_seconds:p95_5m", "{{validator}}")]),
    ]),
    ("Bridge", [
        ("Pending peg-ins and peg-outs by role", "none", [
            ("role:alys_bridge_pending_pegins:sum" + R, "peg-ins {{role}}"),
            ("role:alys_bridge_pending_pegouts:sum" + R, "peg-outs {{role}}"),
        ]),
        ("Oldest pending peg-in (hosts)", "s", [("topk(10, host:alys_bridge_oldest_pending_pegin_age_seconds:max%s)" % R, "{{host}}")]),
        ("Peg-ins and peg-outs completed /s", "ops", [
            ("role:alys_bridge_pegins_processed:rate5m" + R, "minted {{role}}"),
            ("role:alys_bridge_pegouts_processed:rate5m" + R, "confirmed {{role}}"),
        ]),
        ("Signature collection p95 by role", "s", [("role:alys_bridge_signature_collection_duration_seconds:p95_5m" + R, "{{role}}")]),
        ("Least UTXO value (hosts, BTC)", "none", [("bottomk(10, host:alys_bridge_available_utxo_value_btc:sum%s)" % R, "{{host}}")]),
    ]),
    ("Execution", [
        ("Hosts with an unhealthy execution client", "none", [("role:alys_engine_client_unhealthy:count" + R, "{{role}}")]),
        ("Payload build p95 by role", "s", [("role:alys_engine_payload_build_duration_seconds:p95_5m" + R, "{{role}}")]),
        ("Library operations /s by version", "ops", [("role:alys_lighthouse_operations:rate5m" + R, "{{role}} {{version}}")]),
        ("Hosts on Lighthouse v5", "none", [("role:alys_lighthouse_v5_active:count" + R, "{{role}}")]),
        ("v4/v5 mismatches in the last hour", "none", [("role:alys_lighthouse_version_mismatches:increase1h" + R, "{{role}}")]),
    ]),
    ("Sync and peers", [
        ("Worst sync lag by role (blocks)", "none", [("role:alys_sync_lag_blocks:max" + R, "{{role}}")]),
        ("Most lagging hosts (blocks)", "none", [("topk(10, host:alys_sync_lag_blocks:max%s)" % R, "{{host}}")]),
        ("Hosts behind the fleet's best block", "none", [("topk(10, host:alys_sync_behind_fleet_blocks:max%s)" % R, "{{host}}")]),
        ("Peers by role", "none", [
            ("role:alys_peer_count:min" + R, "min {{role}}"),
            ("role:alys_peer_count:avg" + R, "avg {{role}}"),
        ]),
        ("Fewest peers (hosts)", "none", [("bottomk(10, host:alys_peer_count:sum%s)" % R, "{{host}}")]),
    ]),
]
write("alys-fleet.json", {
    "title": "Alys fleet",
    "uid": "alys-fleet",
    "tags": ["alys", "fleet"],
    "timezone": "browser",
    "schemaVersion": 39,
    "version": 1,
    "refresh": "1m",
    "time": {"from": "now-6h", "to": "now"},
    "templating": {"list": [
        {"name": "datasource", "type": "datasource", "query": "prometheus", "label": "Data source"},
        {"name": "role", "type": "query", "datasource": DS, "label": "Role",
         "query": {"query": "label_values(role:alys_targets:count, role)", "refId": "role"},
         "definition": "label_values(role:alys_targets:count, role)",
         "includeAll": True, "multi": True, "allValue": ".*", "refresh": 2,
         "current": {"text": "All", "value": "$__all"}},
    ]},
    "annotations": {"list": []},
    "panels": build_panels(FLEET_ROWS),
})
