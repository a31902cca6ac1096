//! The operations bundle in `ops/`: rules (alerts, their spellings, fleet rules), their unit
//! tests, the Prometheus (single, agent, central, federation) and Alertmanager configs, and the
//! Grafana dashboards, checked with the real `promtool`/`amtool` and against the catalogue.
//! Every promtool check runs on each release of [`releases`]: the system's Prometheus 2.42 and
//! Prometheus 3.5 LTS (`scripts/prometheus3.sh`); a failure names the release. With
//! `ALYS_REQUIRE_PROMTOOL=1` (set by scripts/test.sh and CI) a missing tool is a failure, not a
//! skip.

use std::path::Path;
use std::process::Command;

use crate::alys_code::{is_alys_code_series, series_names, AlysKind, ALYS_CODE_NAMES};
use crate::tools::{ops, releases, required_binary, Release};

fn run(tool: &Path, args: &[&str]) -> String {
    run_named(tool, &tool.display().to_string(), args)
}

/// Runs a release of promtool; a failure names the release.
fn run_release(tool: &Release, args: &[&str]) -> String {
    run_named(&tool.path, &tool.label, args)
}

fn run_named(tool: &Path, name: &str, args: &[&str]) -> String {
    let out = Command::new(tool).args(args).output().expect("tool runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{name} {args:?} failed:\n{text}");
    text
}

/// Every rule file of the bundle.
const RULE_FILES: [&str; 4] = [
    "alerts.yml",
    "spellings.yml",
    "fleet/rules.yml",
    "fleet/central_alerts.yml",
];

#[test]
fn rule_files_are_valid() {
    for promtool in releases("promtool") {
        for file in RULE_FILES {
            let text = run_release(&promtool, &["check", "rules", ops(file).to_str().unwrap()]);
            assert!(text.contains("SUCCESS"), "{promtool}: {file}: {text}");
        }
    }
}

/// The alert names the Alys v2 operators' existing rules use; `ops/alerts.yml` keeps every one.
const THEIR_ALERTS: [&str; 69] = [
    "ActorRestartLoop",
    "ActorMailboxFull",
    "ActorMessageProcessingStalled",
    "ActorHighLatency",
    "ActorLowThroughput",
    "ActorErrorRateHigh",
    "ActorUnresponsive",
    "ActorMemoryLeakSuspected",
    "ActorStateTransitionStuck",
    "ActorSystemCPUHigh",
    "ActorSystemMemoryHigh",
    "ActorMessageDropped",
    "ActorDeadLetterHigh",
    "ActorSupervisionFailure",
    "ActorSpawningFailure",
    "MigrationRollback",
    "MigrationStalled",
    "MigrationErrorRateHigh",
    "MigrationPhaseTimeout",
    "MigrationProgressSlow",
    "MigrationDataIntegrityIssue",
    "MigrationMemoryUsageHigh",
    "MigrationDiskSpaceLow",
    "MigrationStateInconsistent",
    "MigrationBatchProcessingFailed",
    "MigrationCheckpointFailed",
    "MigrationRecoveryTriggered",
    "SyncFailed",
    "SyncStalled",
    "SyncHeightFarBehind",
    "BlockProductionSlow",
    "BlockValidationSlow",
    "SyncSpeedSlow",
    "TransactionPoolFull",
    "TransactionPoolStalled",
    "HighTransactionRejectionRate",
    "LowPeerCount",
    "NoPeersConnected",
    "PeerConnectionInstability",
    "NetworkLatencyHigh",
    "StaleBlocksDetected",
    "OrphanBlocksHigh",
    "ForkDetected",
    "ConsensusParticipationLow",
    "MissedBlockProposals",
    "SyncImpactingPerformance",
    "MemoryPressureAffectingSync",
    "InstanceDown",
    "SystemOutOfMemory",
    "SystemDiskSpaceCritical",
    "SystemCPUOverload",
    "SystemHighMemoryUsage",
    "SystemHighDiskUsage",
    "SystemHighCPUUsage",
    "SystemHighDiskIOWait",
    "SystemDiskIOSaturation",
    "SystemNetworkSaturation",
    "SystemInodeFull",
    "SystemDiskReadErrors",
    "SystemDiskWriteErrors",
    "SystemTooManyProcesses",
    "SystemLoadAverage",
    "ALYSProcessMemoryHigh",
    "ALYSProcessCPUHigh",
    "ALYSFileDescriptorLimit",
    "DatabaseConnectionPoolExhausted",
    "DatabaseQuerySlow",
    "SystemClockSkew",
    "PrometheusConfigReloadFailed",
];

/// The `- alert: NAME` entries of a rule file.
fn alert_names(file: &str) -> Vec<String> {
    std::fs::read_to_string(ops(file))
        .unwrap()
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- alert: "))
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_alert_name_of_theirs_is_kept() {
    let alerts = alert_names("alerts.yml");
    let missing: Vec<_> = THEIR_ALERTS
        .iter()
        .filter(|name| !alerts.iter().any(|a| a == *name))
        .collect();
    assert!(
        missing.is_empty(),
        "their alerts missing from ops/alerts.yml: {missing:?}"
    );
    let mut sorted = alerts.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), alerts.len(), "an alert name is used twice");
}

/// Checks a promtool unit-test file: it passes, every alert of `rules` is tested, and every
/// alert test has a quiet instance next to the one that fires.
fn unit_tests_pass_and_cover(tests_file: &str, rules: &[&str]) {
    for promtool in releases("promtool") {
        let text = run_release(
            &promtool,
            &["test", "rules", ops(tests_file).to_str().unwrap()],
        );
        assert!(text.contains("SUCCESS"), "{promtool}: {text}");
    }
    let tests = std::fs::read_to_string(ops(tests_file)).unwrap();
    for a in rules.iter().flat_map(|f| alert_names(f)) {
        assert!(
            tests.contains(&format!("alertname: {a}\n")),
            "no unit test for {a} in {tests_file}"
        );
    }
    // Each alert test has a "good" (or otherwise quiet) instance or host whose series must not
    // fire: exp_alerts lists only the firing one, so a quiet one that fires fails the test.
    for block in tests
        .split("\n  - name: ")
        .skip(1)
        .filter(|b| b.contains("alert_rule_test:"))
    {
        let quiet = [
            "instance=\"good\"",
            "instance=\"idle\"",
            "instance=\"done\"",
            "instance=\"synced\"",
            "host=\"good\"",
        ];
        assert!(
            quiet.iter().any(|q| block.contains(q)),
            "test without a quiet case:\n{block}"
        );
    }
}

#[test]
fn every_alert_has_a_firing_and_a_quiet_unit_test() {
    assert!(
        alert_names("alerts.yml").len() >= 60,
        "their alerts and ours: {:?}",
        alert_names("alerts.yml")
    );
    unit_tests_pass_and_cover("alerts_test.yml", &["alerts.yml"]);
    // The spellings are tested too: each recorded name appears in a promql_expr_test.
    let tests = std::fs::read_to_string(ops("alerts_test.yml")).unwrap();
    for name in recorded_names("spellings.yml") {
        assert!(
            tests
                .lines()
                .filter_map(|l| l.trim().strip_prefix("- expr: "))
                .any(|e| metric_names(e).contains(&name)),
            "no unit test for the spelling {name}"
        );
    }
}

#[test]
fn fleet_rules_have_unit_tests() {
    unit_tests_pass_and_cover("fleet/rules_test.yml", &["fleet/central_alerts.yml"]);
}

/// The `- record: NAME` entries of a rule file.
fn recorded_names(file: &str) -> Vec<String> {
    std::fs::read_to_string(ops(file))
        .unwrap()
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- record: "))
        .map(str::to_owned)
        .collect()
}

#[test]
fn prometheus_config_is_valid_and_scrapes_only_metrics() {
    for promtool in releases("promtool") {
        run_release(
            &promtool,
            &["check", "config", ops("prometheus.yml").to_str().unwrap()],
        );
    }
    let cfg = std::fs::read_to_string(ops("prometheus.yml")).unwrap();
    assert!(
        !cfg.contains("metrics_path: /health"),
        "/health is JSON, not a scrape target"
    );
    // The node, node_exporter beside it and Prometheus itself, and the spellings loaded.
    for needle in [
        "job_name: alys",
        "job_name: node",
        "job_name: prometheus",
        "- spellings.yml",
    ] {
        assert!(cfg.contains(needle), "ops/prometheus.yml lacks `{needle}`");
    }
}

#[test]
fn fleet_configs_are_valid() {
    let agent = ops("fleet/agent.yml");
    for promtool in releases("promtool") {
        run_release(
            &promtool,
            &["check", "config", "--agent", agent.to_str().unwrap()],
        );
        for file in ["fleet/central.yml", "fleet/federation.yml"] {
            run_release(&promtool, &["check", "config", ops(file).to_str().unwrap()]);
        }
    }
    let agent = std::fs::read_to_string(agent).unwrap();
    for needle in [
        "external_labels:",
        "host:",
        "role:",
        "remote_write:",
        "/api/v1/write",
    ] {
        assert!(
            agent.contains(needle),
            "ops/fleet/agent.yml lacks `{needle}`"
        );
    }
    let central = std::fs::read_to_string(ops("fleet/central.yml")).unwrap();
    for needle in [
        "--web.enable-remote-write-receiver",
        "../alerts.yml",
        "../spellings.yml",
        "rules.yml",
    ] {
        assert!(
            central.contains(needle),
            "ops/fleet/central.yml lacks `{needle}`"
        );
    }
    let federation = std::fs::read_to_string(ops("fleet/federation.yml")).unwrap();
    assert!(federation.contains("/federate") && federation.contains("honor_labels: true"));
    // The federation's match[] selects every fleet recording rule, and nothing raw.
    for name in recorded_names("fleet/rules.yml") {
        let level = name.split(':').next().unwrap();
        assert!(
            ["fleet", "role", "host", "validator"].contains(&level),
            "{name} is not federated by ops/fleet/federation.yml"
        );
    }
}

#[test]
fn alertmanager_config_is_valid() {
    let Some(amtool) = required_binary("amtool", "prometheus-alertmanager") else {
        return;
    };
    run(
        &amtool,
        &["check-config", ops("alertmanager.yml").to_str().unwrap()],
    );
    // Every alert an inhibit rule names exists.
    let cfg = std::fs::read_to_string(ops("alertmanager.yml")).unwrap();
    let alerts = alert_names("alerts.yml");
    for part in cfg.split("alertname=\"").skip(1) {
        let name = part.split('"').next().unwrap();
        assert!(
            alerts.iter().any(|a| a == name),
            "alertmanager.yml names {name}, which is no alert"
        );
    }
}

/// Metric names (`alys_*`, `process_*`, the Alys node's own `bridge_*`, `engine_*` and
/// `lighthouse_*` names) and recording-rule names (`level:metric:ops`) that a text mentions.
fn metric_names(text: &str) -> Vec<String> {
    let mut names: Vec<String> = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .map(|t| t.trim_matches(':'))
        .filter(|t| {
            t.starts_with("alys_")
                || t.starts_with("process_")
                || t.contains(':')
                || is_alys_code_series(t)
        })
        .filter(|t| !t.contains(':') || t.split(':').count() == 3)
        .map(str::to_owned)
        .collect();
    names.sort();
    names.dedup();
    names
}

/// The metric names the Alys v2 operators' existing dashboards and alerts query for the
/// governance stream, the chain, network, pool and storage, and the migration (their spellings of our names are recorded by ops/spellings.yml). Only used to say,
/// when the catalogue check fails, which missing names are those.
const ALYS_OPS_NAMES: [&str; 35] = [
    "alys_governance_connection_status",
    "alys_governance_messages_sent_total",
    "alys_governance_messages_received_total",
    "alys_governance_message_buffer_size",
    "alys_governance_request_correlation_duration_seconds",
    "alys_governance_heartbeat_rtt_seconds",
    "alys_governance_message_errors_total",
    "alys_governance_reconnect_attempts_total",
    "alys_governance_backpressure_events_total",
    "alys_governance_endpoint_health_score",
    "alys_governance_signature_correlation_rate",
    "alys_federation_update_processing_duration_seconds",
    "alys_chain_forks_total",
    "alys_orphan_blocks_total",
    "alys_stale_blocks_total",
    "alys_missed_block_proposals_total",
    "alys_consensus_participation_rate",
    "alys_network_latency_seconds",
    "alys_peer_disconnections_total",
    "alys_txpool_received_total",
    "alys_txpool_rejected_total",
    "alys_txpool_max_size",
    "alys_db_connection_pool_active",
    "alys_db_connection_pool_max",
    "alys_db_query_duration_seconds",
    "alys_migration_phase_start_timestamp",
    "alys_migration_data_integrity_errors_total",
    "alys_migration_state_validation_failures_total",
    "alys_migration_batch_failures_total",
    "alys_migration_checkpoint_failures_total",
    "alys_migration_recovery_attempts_total",
    "alys_migration_memory_usage_bytes",
    "alys_migration_memory_limit_bytes",
    "alys_migration_disk_free_bytes",
    "alys_migration_disk_total_bytes",
];

/// Every metric each file names is exported by the node (`alys_metrics::catalogue::all()`) or
/// recorded by a rule of the bundle. The failure lists the missing names of every file, split
/// into the operators' names (`ALYS_OPS_NAMES`) that the node does not export yet and the rest (typos, removed
/// names).
fn assert_all_in_catalogue(files: &[&str]) {
    let problems: Vec<String> = files.iter().filter_map(|f| not_in_catalogue(f)).collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// What [`assert_all_in_catalogue`] reports for one file, if anything.
fn not_in_catalogue(file: &str) -> Option<String> {
    let text = std::fs::read_to_string(ops(file)).unwrap();
    // Comments may name metrics that are not queried (the ones alerts.yml leaves out).
    let text: String = if file.ends_with(".yml") {
        text.lines()
            .map(|l| l.split_once('#').map_or(l, |(code, _)| code))
            .collect::<Vec<_>>()
            .join("\n")
    } else {
        text
    };
    let catalogue = alys_metrics::catalogue::all();
    let recorded: Vec<String> = ["spellings.yml", "fleet/rules.yml"]
        .iter()
        .flat_map(|f| recorded_names(f))
        .collect();
    let known = |n: &str| {
        recorded.iter().any(|r| r == n)
            || catalogue.iter().any(|d| {
                d.name == n
                    || (d.kind == alys_metrics::metric::Kind::Histogram
                        && ["_bucket", "_sum", "_count"]
                            .iter()
                            .any(|s| n.strip_suffix(s) == Some(d.name)))
            })
    };
    let names = metric_names(&text);
    assert!(names.len() >= 5, "{file} names only {names:?}");
    let unknown: Vec<&String> = names.iter().filter(|n| !known(n)).collect();
    let of_theirs = |n: &str| {
        ALYS_OPS_NAMES.iter().any(|t| {
            n == *t
                || ["_bucket", "_sum", "_count"]
                    .iter()
                    .any(|s| n.strip_suffix(s) == Some(t))
        })
    };
    let (awaited, stray): (Vec<&String>, Vec<&String>) = unknown.iter().partition(|n| of_theirs(n));
    (!unknown.is_empty()).then(|| {
        format!(
            "{file} references metrics that are neither in alys_metrics::catalogue::all() nor \
             recorded by ops/spellings.yml or ops/fleet/rules.yml:\n  operators' names the \
             node does not export yet: {awaited:?}\n  other names (typos or removed metrics): \
             {stray:?}"
        )
    })
}

#[test]
fn rules_reference_only_catalogue_metrics() {
    // fleet/central_alerts.yml reads only `up`.
    assert_all_in_catalogue(&RULE_FILES[..3]);
}

#[test]
fn dashboards_reference_only_catalogue_metrics() {
    assert_all_in_catalogue(&DASHBOARDS);
}

/// The Grafana dashboards of ops/grafana/ (written by ops/grafana/generate.py).
const DASHBOARDS: [&str; 2] = ["grafana/alys-node.json", "grafana/alys-fleet.json"];

#[test]
fn dashboard_rates_use_rate_interval_and_every_row_exists() {
    for file in DASHBOARDS {
        let text = std::fs::read_to_string(ops(file)).unwrap();
        for line in text.lines().filter(|l| l.contains("\"expr\"")) {
            if line.contains("rate(") || line.contains("increase(") {
                assert!(
                    line.contains("[$__rate_interval]"),
                    "{file}: rate without $__rate_interval: {line}"
                );
            }
        }
    }
    let node = std::fs::read_to_string(ops("grafana/alys-node.json")).unwrap();
    for row in [
        "Migration",
        "Actors",
        "Sync and blocks",
        "Transaction pool",
        "Peers",
        "Process and collector",
        "Governance stream",
        "Chain and network",
        "Database",
        "Bridge",
        "Execution",
        "Host (node_exporter)",
    ] {
        assert!(node.contains(&format!("\"title\": \"{row}\"")), "row {row}");
    }
    let fleet = std::fs::read_to_string(ops("grafana/alys-fleet.json")).unwrap();
    for row in ["Fleet", "Bridge", "Execution"] {
        assert!(
            fleet.contains(&format!("\"title\": \"{row}\"")),
            "fleet row {row}"
        );
    }
}

/// Every name the Alys node's code declares for the bridge, the execution client, the
/// Lighthouse migration and the actor_system aggregates is served exactly once: exported by
/// the node (`catalogue::all()`, as a histogram where theirs is one) or recorded by
/// `ops/spellings.yml` (a histogram's three series), never both; and no spelling records a
/// name the node exports.
#[test]
fn every_name_the_alys_code_declares_is_served_once() {
    let catalogue = alys_metrics::catalogue::all();
    let recorded = recorded_names("spellings.yml");
    let mut problems = Vec::new();
    for (name, kind) in ALYS_CODE_NAMES {
        let exported = catalogue.iter().any(|d| {
            d.name == name
                && (kind == AlysKind::Single || d.kind == alys_metrics::metric::Kind::Histogram)
        });
        let series = series_names(name, kind);
        let by_rule = series.iter().filter(|s| recorded.contains(s)).count();
        match (exported, by_rule) {
            (true, 0) => {}
            (false, n) if n == series.len() => {}
            (true, _) => problems.push(format!("{name} is exported and recorded by a rule")),
            (false, 0) => problems.push(format!("{name} is neither exported nor recorded")),
            (false, _) => problems.push(format!("{name}: only part of its series recorded")),
        }
    }
    for r in &recorded {
        assert!(
            !catalogue.iter().any(|d| d.name == r),
            "ops/spellings.yml records {r}, which the node exports: it would be served twice"
        );
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn rules_never_rate_a_gauge_nor_quantile_a_raw_histogram() {
    let rules: String = RULE_FILES
        .iter()
        .map(|f| std::fs::read_to_string(ops(f)).unwrap())
        .collect();
    let catalogue = alys_metrics::catalogue::all();
    for d in catalogue
        .iter()
        .filter(|d| d.kind == alys_metrics::metric::Kind::Gauge)
    {
        for f in ["rate(", "irate(", "increase("] {
            assert!(
                !rules.contains(&format!("{f}{}[", d.name)),
                "{f} over the gauge {}",
                d.name
            );
            assert!(
                !rules.contains(&format!("{f}{}{{", d.name)),
                "{f} over the gauge {}",
                d.name
            );
        }
    }
    for d in catalogue
        .iter()
        .filter(|d| d.kind == alys_metrics::metric::Kind::Histogram)
    {
        assert!(!rules.contains(&format!("histogram_quantile(0.99, {}", d.name)));
        assert!(!rules.contains(&format!("histogram_quantile(0.95, {}", d.name)));
    }
    assert!(!rules.contains("rate(alys_migration_progress_percent"));
    // Their template function that Prometheus does not have.
    assert!(!rules.contains("humanizeBytes"), "use humanize1024");
}
