//! End to end: example nodes scraped by a real Prometheus (the Debian package's
//! `/usr/bin/prometheus`) on loopback ports, with a temporary data directory.
//!
//! - One node, Debian's `prometheus-node-exporter` beside it, Prometheus scraping both and
//!   itself: `up == 1` for the three, every family of `alys_metrics::catalogue::all()` has samples
//!   (and the ones the node drives steadily are above zero), so does every one of the 70 names
//!   the Alys node's own code declares for the bridge, the execution client, the Lighthouse
//!   migration and the actor_system aggregates, in the Alys spelling (exported, or recorded by
//!   `ops/spellings.yml`; `tests/support/alys_code.rs`), every rule of `ops/alerts.yml`,
//!   `ops/spellings.yml` and `ops/fleet/rules.yml` is loaded and evaluated by Prometheus
//!   without error (and evaluates through the query API), every metric a rule names has
//!   samples (the node's, node_exporter's and Prometheus's own), and every expression of both
//!   Grafana dashboards evaluates and returns data (`$__rate_interval`, `$instance`, `$host`
//!   and `$role` substituted as Grafana would).
//! - Three nodes on three ports, one Prometheus: `count(up == 1) == 3`, and
//!   `sum(alys_actor_messages_total)` (and two more counters) in Prometheus equals the sum of
//!   the three nodes' own scrapes, exactly. How it is exact: the nodes run with
//!   `--pause-after`, which stops the simulated activity (no message is sent any more) while
//!   the exporter keeps serving. The test scrapes each node until two scrapes 5 s apart are
//!   equal (longer than any work begun before the pause takes to finish: a timed-out RPC
//!   request, 2 s, is the longest), notes the time, waits until Prometheus has
//!   scraped every node after that time (`timestamp(up)`), and then compares Prometheus's
//!   latest values with the nodes' scrapes. A last scrape of every node checks they were
//!   still frozen. Then one node gets SIGTERM and must exit gracefully with status 0.
//!
//! Prometheus runs on `ops/prometheus.yml` itself, with only the intervals (1 s), the
//! targets and the paths of the rule files replaced (and the fleet rules added, evaluated
//! every second). The helpers are in `tests/e2e/harness.rs`, shared with `fleet_e2e.rs` and
//! `prometheus_native_e2e.rs`.
//!
//! How the nodes are started: this test binary includes the example node's simulation
//! (`examples/node/sim/`, the same code as `cargo run --example node`) and runs *itself*
//! again in "node mode": the `node_process` test of `tests/e2e/main.rs`, with the node's
//! arguments in `ALYS_E2E_NODE_ARGS`. So no second build is needed and the node is exactly the
//! example's. Every process a test starts is held by a guard that kills it when dropped, also
//! when the test fails; temporary directories are removed the same way.
//!
//! Both tests run in parallel in about 30 s. Without `prometheus` or
//! `prometheus-node-exporter` on the PATH they print a notice and pass, unless
//! `ALYS_REQUIRE_PROMTOOL=1` (set by `scripts/test.sh` and CI), which makes them fail.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::alys_code::{AlysKind, ALYS_CODE_NAMES};
use crate::harness::{
    assert_still_frozen, eventually, fast_fleet_rules, node_exporter_binary, on_release, ops,
    prometheus_releases, replace_all, start_node, start_node_exporter, start_paused_nodes,
    start_prometheus_with, unix_now, wait_until_caught_up, wait_until_frozen, Node, Paused,
    Prometheus, Release, TempDir, SUMMED,
};
use alys_metrics::metric::Kind;
use serde_json::Value;

/// The node's command line: defaults, each option, and errors that say what was expected.
#[test]
fn the_node_command_line_is_parsed_with_clear_errors() {
    use crate::sim::{parse_args, Command as Parsed, Options};
    let args = |s: &str| -> Vec<String> { s.split_whitespace().map(str::to_owned).collect() };
    let run = |s: &str, env: Option<&str>| match parse_args(&args(s), env) {
        Ok(Parsed::Run(o)) => o,
        other => panic!("{s:?}: {other:?}"),
    };

    let o = run("--seed 7", None);
    assert_eq!(o.bind, "127.0.0.1:9001".parse().expect("an address"));
    assert_eq!((o.seed, o.pause_after, o.deadlock), (7, None, false));
    assert!(run("--seed 7 --deadlock", None).deadlock);
    assert_eq!(
        run("--port 0 --seed=3 --pause-after 1.5", None),
        Options {
            bind: "127.0.0.1:0".parse().expect("an address"),
            seed: 3,
            pause_after: Some(Duration::from_millis(1500)),
            deadlock: false,
            drain: None,
            web_config: None,
            allow: Vec::new(),
            bearer_token_file: None,
        }
    );
    assert_eq!(
        run("--seed 1", Some("0.0.0.0:9100")).bind,
        "0.0.0.0:9100".parse().expect("an address")
    );
    // --bind wins over --port, and both over the environment.
    let o = run(
        "--port 9002 --bind 0.0.0.0:9003 --seed 1",
        Some("0.0.0.0:9100"),
    );
    assert_eq!(o.bind, "0.0.0.0:9003".parse().expect("an address"));
    assert_eq!(parse_args(&args("-h"), None), Ok(Parsed::Help));
    // The exporter's safety options (issue 13).
    let o = run(
        "--drain 0.5 --web-config /etc/web.yml --allow 10.0.0.0/8,::1 --bearer-token-file t",
        None,
    );
    assert_eq!(o.drain, Some(Duration::from_millis(500)));
    assert_eq!(o.web_config, Some("/etc/web.yml".into()));
    assert_eq!(
        o.allow,
        vec![
            "10.0.0.0/8".parse().expect("a range"),
            "::1".parse().expect("a range")
        ]
    );
    assert_eq!(o.bearer_token_file, Some("t".into()));

    for (bad, says) in [
        ("--port 70000", "expected a port number from 0 to 65535"),
        ("--port", "`--port` needs a value"),
        (
            "--bind localhost",
            "expected an address like 127.0.0.1:9001",
        ),
        ("--seed -1", "expected a whole number"),
        ("--pause-after soon", "expected seconds"),
        ("--verbose", "unknown argument `--verbose`; see --help"),
        ("--drain -1", "expected seconds from 0 to 3600"),
        ("--allow 10.0.0.0/40", "`--allow 10.0.0.0/40`"),
    ] {
        let err = parse_args(&args(bad), None).expect_err(bad);
        assert!(err.contains(says), "{bad:?} gave {err:?}");
    }
    let err = parse_args(&[], Some("nowhere")).expect_err("a bad ALYS_METRICS_BIND");
    assert!(err.contains("ALYS_METRICS_BIND"), "{err}");
}

/// `ops/prometheus.yml` with 1 s intervals, `targets` as the nodes, `node_exporter` and
/// `itself` as the other two targets, the rule files' absolute paths and the fleet rules.
/// Each replacement must apply, so a changed file shows up here.
fn prometheus_config(
    dir: &TempDir,
    targets: &[SocketAddr],
    node_exporter: SocketAddr,
    itself: SocketAddr,
) -> String {
    let cfg = std::fs::read_to_string(ops("prometheus.yml")).expect("read ops/prometheus.yml");
    let list: Vec<String> = targets.iter().map(|a| format!("\"{a}\"")).collect();
    replace_all(
        cfg,
        "ops/prometheus.yml",
        &[
            ("scrape_interval: 15s", "scrape_interval: 1s".to_owned()),
            (
                "evaluation_interval: 15s",
                "evaluation_interval: 1s".to_owned(),
            ),
            ("scrape_timeout: 10s", "scrape_timeout: 1s".to_owned()),
            ("- alerts.yml", format!("- {}", ops("alerts.yml").display())),
            (
                "- spellings.yml",
                format!(
                    "- {}\n  - {}",
                    ops("spellings.yml").display(),
                    fast_fleet_rules(dir).display()
                ),
            ),
            (
                "targets: [\"localhost:9001\"]",
                format!("targets: [{}]", list.join(", ")),
            ),
            (
                "targets: [\"localhost:9100\"]",
                format!("targets: [\"{node_exporter}\"]"),
            ),
            (
                "targets: [\"localhost:9090\"]",
                format!("targets: [\"{itself}\"]"),
            ),
        ],
    )
}

/// Starts Prometheus on `ops/prometheus.yml` scraping `targets` and `node_exporter`.
fn start_prometheus(
    release: &Release,
    dir: &TempDir,
    targets: &[SocketAddr],
    node_exporter: SocketAddr,
) -> Prometheus {
    start_prometheus_with(release, dir, "prometheus", &[], |itself| {
        prometheus_config(dir, targets, node_exporter, itself)
    })
}

// ---------------------------------------------------------------------------------------------
// The tests.

/// Families of the catalogue that have no sample of `instance` in Prometheus.
fn missing_families(prom: &Prometheus, instance: &str) -> Result<Vec<String>, String> {
    let present: BTreeSet<String> = prom
        .query(&format!(
            "count by (__name__) ({{instance=\"{instance}\",__name__=~\"alys_.+|process_.+\"}})"
        ))?
        .into_iter()
        .filter_map(|s| s.labels.get("__name__").cloned())
        .collect();
    Ok(alys_metrics::catalogue::all()
        .iter()
        .filter(|d| {
            let name = if d.kind == Kind::Histogram {
                format!("{}_count", d.name)
            } else {
                d.name.to_owned()
            };
            !present.contains(&name)
        })
        .map(|d| d.name.to_owned())
        .collect())
}

/// The names of `ALYS_CODE_NAMES` without a sample of `instance` (a histogram: its `_count`).
fn alys_code_names_without_samples(
    prom: &Prometheus,
    instance: &str,
) -> Result<Vec<String>, String> {
    let series: Vec<String> = ALYS_CODE_NAMES
        .iter()
        .map(|(n, k)| match k {
            AlysKind::Single => (*n).to_owned(),
            AlysKind::Histogram => format!("{n}_count"),
        })
        .collect();
    let present: BTreeSet<String> = prom
        .query(&format!(
            "count by (__name__) ({{instance=\"{instance}\",__name__=~\"{}\"}})",
            series.join("|")
        ))?
        .into_iter()
        .filter_map(|s| s.labels.get("__name__").cloned())
        .collect();
    Ok(series
        .into_iter()
        .filter(|s| !present.contains(s))
        .collect())
}

/// Every expression of a dashboard: panel targets, then annotations.
fn dashboard_expressions(file: &str) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(ops(file)).expect("read the dashboard");
    let dash: Value = serde_json::from_str(&text).expect("the dashboard is JSON");
    let mut out = Vec::new();
    for panel in dash["panels"].as_array().expect("panels") {
        for target in panel["targets"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            if let Some(expr) = target["expr"].as_str() {
                let title = panel["title"].as_str().unwrap_or("?");
                out.push((format!("panel {title:?}"), expr.to_owned()));
            }
        }
    }
    for a in dash["annotations"]["list"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        if let Some(expr) = a["expr"].as_str() {
            let name = a["name"].as_str().unwrap_or("?");
            out.push((format!("annotation {name:?}"), expr.to_owned()));
        }
    }
    assert!(out.len() >= 10, "only {} expressions in {file}", out.len());
    out
}

/// As Grafana sends it: `$__rate_interval` is at least four scrape intervals (here 15 s, a
/// bit more for a steadier rate), `$instance` the node's instance, `$host` its host (the
/// target label of ops/prometheus.yml), `$role` all roles.
fn grafana_substitute(expr: &str, instance: &str) -> String {
    expr.replace("$__rate_interval", "15s")
        .replace("$instance", instance)
        .replace("$host", "node-1")
        .replace("$role", ".*")
}

/// The metric names a PromQL expression reads: the node's, node_exporter's, Prometheus's
/// own, `up` and `ALERTS`, without the recording rules' `level:metric:ops` names (those are
/// checked as rules).
fn names_in_expr(expr: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for token in expr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':')) {
        let exported = ["alys_", "process_", "node_", "prometheus_"]
            .iter()
            .any(|p| token.starts_with(p));
        if !token.contains(':') && (exported || token == "up") {
            names.insert(token.to_owned());
        }
    }
    names
}

/// The names of `names` that have no sample in Prometheus.
fn names_without_samples(
    prom: &Prometheus,
    names: &BTreeSet<String>,
) -> Result<Vec<String>, String> {
    let pattern: Vec<&str> = names.iter().map(String::as_str).collect();
    let present: BTreeSet<String> = prom
        .query(&format!(
            "count by (__name__) ({{__name__=~\"{}\"}})",
            pattern.join("|")
        ))?
        .into_iter()
        .filter_map(|s| s.labels.get("__name__").cloned())
        .collect();
    Ok(names
        .iter()
        .filter(|n| !present.contains(*n))
        .cloned()
        .collect())
}

/// The rule files Prometheus loads in these tests: alerts, spellings, fleet rules.
const RULE_FILES: [&str; 3] = ["alerts.yml", "spellings.yml", "fleet/rules.yml"];

/// Families that the example node moves from its first seconds on.
const MOVING: [&str; 32] = [
    "alys_actor_messages_total",
    "alys_actor_message_latency_seconds_count",
    "alys_actor_messages_processed_total",
    "alys_actor_lifecycle_events_total",
    "alys_actor_healthy_count",
    "alys_block_validation_duration_seconds_count",
    "alys_block_production_duration_seconds_count",
    "alys_block_validations_total",
    "alys_sync_current_height",
    "alys_sync_target_height",
    "alys_sync_blocks_processed_total",
    "alys_txpool_size",
    "alys_txpool_rejections_total",
    "alys_peer_count",
    "alys_peer_quality_score",
    "alys_peer_geographic_distribution",
    "alys_migration_progress_percent",
    "alys_aura_current_slot",
    "alys_chain_block_height",
    "alys_chain_process_block_total",
    "alys_rpc_requests_total",
    "alys_feature_flag_evaluations_total",
    "alys_memory_usage_bytes",
    "process_cpu_seconds_total",
    "alys_bridge_pegin_attempts_total",
    "alys_bridge_signatures_received_total",
    "alys_bridge_available_utxo_value_btc",
    "alys_engine_rpc_duration_seconds_count",
    "alys_engine_client_health_checks_total",
    "alys_lighthouse_operations_total",
    // Theirs, recorded by ops/spellings.yml.
    "lighthouse_v4_operations_total",
    "bridge_signature_requests_total",
];

#[test]
fn one_node_has_every_family_and_every_rule_and_panel_evaluates() {
    let _machine = crate::machine_shared();
    let releases = prometheus_releases();
    let (false, Some(exporter)) = (releases.is_empty(), node_exporter_binary()) else {
        return;
    };
    let dir = TempDir::new("one");
    let mut node = start_node(&dir, "a", "--seed 11");
    let (_exporter, exporter_addr) = start_node_exporter(&exporter, &dir);
    // One Prometheus of each release, scraping at once; each is checked in turn.
    let proms: Vec<Prometheus> = releases
        .iter()
        .map(|r| start_prometheus(r, &dir, &[node.addr], exporter_addr))
        .collect();
    for (release, prom) in releases.iter().zip(&proms) {
        on_release(release, || one_node_checks(prom, &mut node));
    }
}

/// The checks of [`one_node_has_every_family_and_every_rule_and_panel_evaluates`] on one
/// Prometheus scraping `node`, node_exporter and itself.
fn one_node_checks(prom: &Prometheus, node: &mut Node) {
    let instance = node.addr.to_string();

    // The node, node_exporter and Prometheus itself are scraped.
    eventually("up == 1 for every job", Duration::from_secs(30), || {
        let up = prom.query("up == 1")?;
        let jobs: BTreeSet<&str> = up
            .iter()
            .filter_map(|s| s.labels.get("job").map(String::as_str))
            .collect();
        (jobs == BTreeSet::from(["alys", "node", "prometheus"]))
            .then_some(())
            .ok_or(format!("up == 1 for {jobs:?}"))
    });

    // Families with a capped string label get their first series when first used: the node
    // syncs, produces its first block, and so on, within about half a minute.
    eventually(
        "every catalogue family has samples",
        Duration::from_secs(90),
        || {
            node.proc.assert_running();
            let missing = missing_families(prom, &instance)?;
            missing
                .is_empty()
                .then_some(())
                .ok_or(format!("no samples of {missing:?}"))
        },
    );

    // Every name the Alys node's own code declares for the bridge, the execution client, the
    // Lighthouse migration and the actor_system aggregates has samples of this node, in their
    // spelling: exported by the node or recorded by ops/spellings.yml.
    eventually(
        "every name of the Alys code has samples",
        Duration::from_secs(60),
        || {
            let missing = alys_code_names_without_samples(prom, &instance)?;
            missing
                .is_empty()
                .then_some(())
                .ok_or(format!("no samples of {missing:?}"))
        },
    );

    // The simulation gives them real values, not only the zeros every enum series starts
    // with: these move within the first half minute (the others follow rarer events, such
    // as a rollback, a panic or a full mailbox, or are zero on a healthy node).
    for family in MOVING {
        eventually(family, Duration::from_secs(60), || {
            let total = prom.value(&format!("sum({family}{{instance=\"{instance}\"}})"))?;
            (total > 0.0).then_some(()).ok_or(format!("sum is {total}"))
        });
    }

    // Prometheus loaded every rule of the rule files and evaluated each without error.
    let alerts: usize = RULE_FILES
        .iter()
        .map(|f| {
            std::fs::read_to_string(ops(f))
                .expect("read a rule file")
                .lines()
                .filter(|l| {
                    let l = l.trim_start();
                    l.starts_with("- alert: ") || l.starts_with("- record: ")
                })
                .count()
        })
        .sum();
    let queries: Vec<(String, String)> = eventually(
        "every rule evaluated without error",
        Duration::from_secs(30),
        || {
            let data = prom.api("/api/v1/rules")?;
            let mut rules = Vec::new();
            for group in data["groups"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
            {
                for rule in group["rules"]
                    .as_array()
                    .map(Vec::as_slice)
                    .unwrap_or_default()
                {
                    let name = rule["name"].as_str().unwrap_or("?").to_owned();
                    match rule["health"].as_str() {
                        Some("ok") => {}
                        health => {
                            return Err(format!(
                                "rule {name}: health {health:?}, last error {}",
                                rule["lastError"]
                            ))
                        }
                    }
                    rules.push((name, rule["query"].as_str().unwrap_or("").to_owned()));
                }
            }
            (rules.len() == alerts)
                .then_some(rules.clone())
                .ok_or(format!(
                    "{} rules loaded, {alerts} in {RULE_FILES:?}",
                    rules.len()
                ))
        },
    );
    let mut failures = Vec::new();
    for (name, expr) in &queries {
        if let Err(e) = prom.query(expr) {
            failures.push(format!("rule {name}: {e}"));
        }
    }
    // Every metric a rule reads has samples: the node's, node_exporter's (with the
    // collectors started above) and Prometheus's own.
    let read: BTreeSet<String> = queries.iter().flat_map(|(_, q)| names_in_expr(q)).collect();
    assert!(
        read.iter().any(|n| n.starts_with("node_"))
            && read.contains("prometheus_config_last_reload_successful"),
        "the system alerts read node_exporter and Prometheus: {read:?}"
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    let silent = loop {
        let missing = names_without_samples(prom, &read).unwrap_or_else(|e| vec![e]);
        if missing.is_empty() || Instant::now() >= deadline {
            break missing;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    if !silent.is_empty() {
        failures.push(format!("metrics read by rules without samples: {silent:?}"));
    }

    // Every dashboard expression evaluates; every panel shows data for the node (a series
    // may need a few scrapes after its first sample before a rate has two points, a fleet
    // rule an evaluation). The restart annotation is a filter, empty unless the node
    // restarted. Every expression is tried until it has data or 45 s have passed, and every
    // one that fails is reported.
    let mut pending: Vec<(String, String)> = ["grafana/alys-node.json", "grafana/alys-fleet.json"]
        .iter()
        .flat_map(|f| dashboard_expressions(f))
        .map(|(what, expr)| (what, grafana_substitute(&expr, &instance)))
        .collect();
    let deadline = Instant::now() + Duration::from_secs(45);
    loop {
        let mut left = Vec::new();
        for (what, expr) in pending {
            match prom.query(&expr) {
                Ok(samples) if samples.is_empty() && what.starts_with("panel") => {
                    left.push((what, expr))
                }
                Ok(_) => {}
                Err(e) => failures.push(format!("{what}: {e}")),
            }
        }
        pending = left;
        if pending.is_empty() || Instant::now() >= deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    failures.extend(
        pending
            .iter()
            .map(|(what, expr)| format!("{what}: no data: {expr}")),
    );
    // The dashboard's node picker: label_values(alys_build_info, instance).
    let picker = prom
        .query("count by (instance) (alys_build_info)")
        .expect("alys_build_info");
    assert!(
        picker
            .iter()
            .any(|s| s.labels.get("instance") == Some(&instance)),
        "the $instance variable would not list {instance}: {picker:?}"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn three_nodes_are_scraped_and_their_sum_is_exact() {
    let _machine = crate::machine_shared();
    let releases = prometheus_releases();
    let (false, Some(exporter)) = (releases.is_empty(), node_exporter_binary()) else {
        return;
    };
    let Paused {
        dir,
        mut nodes,
        addrs,
        _exporter,
        exporter_addr,
    } = start_paused_nodes("three", "s", &[21, 22, 23], &exporter);
    // One Prometheus of each release in turn, each stopped before the next starts (two
    // scraping the same debug-build nodes every second, beside the other test's, may exceed
    // the 1 s scrape timeout on two cores). The first sees the nodes active and then frozen;
    // the next ones see them frozen.
    let mut frozen_once: Option<(Vec<Vec<f64>>, f64)> = None;
    for release in &releases {
        on_release(release, || {
            let prom = start_prometheus(release, &dir, &addrs, exporter_addr);
            eventually("count(up == 1) == 3", Duration::from_secs(30), || {
                let n = prom.value("count(up{job=\"alys\"} == 1)")?;
                (n == 3.0).then_some(()).ok_or(format!("count is {n}"))
            });
            let (frozen, frozen_at) = frozen_once
                .get_or_insert_with(|| (wait_until_frozen(&mut nodes), unix_now()))
                .clone();
            three_nodes_sums(&prom, &addrs, &frozen, frozen_at);
        });
    }
    let Some((frozen, _)) = frozen_once else {
        return;
    };
    // Still frozen: the comparison was with the nodes' values at that moment.
    assert_still_frozen(&addrs, &frozen);

    // Graceful shutdown on SIGTERM: the node says so and exits with status 0.
    #[cfg(unix)]
    assert_graceful_stop(&mut nodes[0]);
}

/// One Prometheus's sums of [`SUMMED`] over the three nodes `addrs`, in all and per node,
/// equal the nodes' own `frozen` values once it scraped every node after `frozen_at`.
fn three_nodes_sums(prom: &Prometheus, addrs: &[SocketAddr], frozen: &[Vec<f64>], frozen_at: f64) {
    wait_until_caught_up(prom, addrs, frozen_at, Duration::from_secs(30));

    for (i, family) in SUMMED.iter().enumerate() {
        let expected: f64 = frozen.iter().map(|node| node[i]).sum();
        assert!(expected > 0.0, "{family} stayed at 0 on every node");
        let total = prom.value(&format!("sum({family})")).expect("the sum");
        assert_eq!(total, expected, "sum({family}) over the three nodes");
        let per_node = prom
            .query(&format!("sum by (instance) ({family})"))
            .expect("the sum by instance");
        for (addr, node) in addrs.iter().zip(frozen) {
            let own = per_node
                .iter()
                .find(|s| s.labels.get("instance") == Some(&addr.to_string()))
                .map(|s| s.value);
            assert_eq!(own, Some(node[i]), "{family} of {addr}");
        }
    }
}

/// Sends SIGTERM to `node` and checks that it stops gracefully and exits with status 0.
#[cfg(unix)]
fn assert_graceful_stop(node: &mut Node) {
    let pid = node.proc.child.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status();
    assert!(killed.is_ok_and(|s| s.success()), "kill -TERM {pid}");
    node.wait_for_line("stopped", Duration::from_secs(20));
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = node.proc.child.try_wait().expect("wait for the node") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the node did not exit after SIGTERM; its log ends:\n{}",
            node.proc.log_tail()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "the node exited with {status}");
}
