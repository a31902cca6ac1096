#!/usr/bin/env python3
"""Writes alys-node.json, the Grafana dashboard of an Alys node. Run: python3 ops/grafana/generate.py

Every expression uses $__rate_interval for rates and the $instance variable; tests/ops.rs checks
that every metric it names is in the catalogue and tests/prometheus_e2e.rs that every expression
evaluates on a real Prometheus.
"""
import json, os

I = '{instance=~"$instance"}'
RI = '[$__rate_interval]'

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
        ("Mailbox drops /s", "ops", [("sum by (actor_type) (rate(alys_actor_mailbox_dropped_total%s%s))" % (I, RI), "{{actor_type}}")]),
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
    ]),
]

DS = {"type": "prometheus", "uid": "${datasource}"}
panels = []
pid = 1
y = 0
for title, items in ROWS:
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

dashboard = {
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
    ]},
    "annotations": {"list": [{
        "name": "Restarts", "datasource": DS, "enable": True, "iconColor": "red",
        "expr": "changes(process_start_time_seconds{instance=~\"$instance\"}[5m]) > 0",
    }]},
    "panels": panels,
}

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "alys-node.json")
with open(out, "w") as f:
    json.dump(dashboard, f, indent=2)
    f.write("\n")
print("wrote", out, len(panels), "panels")
