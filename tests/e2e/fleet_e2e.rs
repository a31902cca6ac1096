//! End to end, Prometheus's own scale-out: six example nodes, two Prometheus agents
//! (`--enable-feature=agent` in 2.x, `--agent` in 3.x; `ops/fleet/agent.yml`) scraping three nodes each and
//! remote-writing to a central Prometheus (`--web.enable-remote-write-receiver`,
//! `ops/fleet/central.yml`), all real binaries on loopback ports.
//!
//! In the central Prometheus: `count(up == 1) == 6`, three per agent, each series with its
//! agent's external labels `host` and `role`; `sum(alys_actor_messages_total)` (and two more
//! counters) equals the sum of the six nodes' own scrapes exactly, in all and per agent; the
//! fleet recording rules are evaluated there and every expression of the fleet dashboard has
//! data. How it is exact: as in `prometheus_e2e.rs`, the nodes run with
//! `--pause-after` and the test waits until two scrapes of every node 5 s apart agree; then
//! it waits until the central Prometheus holds, for every series of each compared family, a
//! sample taken after that moment (`min(timestamp(family))`: remote write sends series in
//! parallel shards, so one family having arrived says nothing of another), and compares.
//! A last scrape of every node checks they were still frozen. Last, a global Prometheus on
//! `ops/fleet/federation.yml` federates the central one: it holds the recording rules (the
//! same `role:alys_up:count`) and no raw node series.
//!
//! The agents and the central Prometheus run on the files of `ops/fleet/` themselves, with
//! only intervals (1 s), targets, addresses, the agents' `host`/`role` and the rule files'
//! paths replaced. It takes about 35 s. Without `prometheus` or `prometheus-node-exporter` on
//! the PATH it prints a notice and passes, unless `ALYS_REQUIRE_PROMTOOL=1` (set by
//! `scripts/test.sh` and CI), which makes it fail.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use crate::harness::{
    assert_still_frozen, eventually, fast_fleet_rules, node_exporter_binary, on_release, ops,
    prometheus_releases, replace_all, start_paused_nodes, start_prometheus_with, unix_now,
    wait_until_caught_up, wait_until_frozen, Paused, Prometheus, Release, TempDir, SUMMED,
};
use serde_json::Value;

/// `ops/fleet/central.yml` evaluating every second, with absolute rule paths.
fn central_config(dir: &TempDir, itself: SocketAddr) -> String {
    let cfg = std::fs::read_to_string(ops("fleet/central.yml")).expect("read central.yml");
    replace_all(
        cfg,
        "ops/fleet/central.yml",
        &[
            (
                "evaluation_interval: 15s",
                "evaluation_interval: 1s".to_owned(),
            ),
            (
                "- ../alerts.yml",
                format!("- {}", ops("alerts.yml").display()),
            ),
            (
                "- ../spellings.yml",
                format!("- {}", ops("spellings.yml").display()),
            ),
            (
                "- rules.yml",
                format!("- {}", fast_fleet_rules(dir).display()),
            ),
            (
                "- central_alerts.yml",
                format!("- {}", ops("fleet/central_alerts.yml").display()),
            ),
            (
                "targets: [\"localhost:9090\"]",
                format!("targets: [\"{itself}\"]"),
            ),
        ],
    )
}

/// `ops/fleet/agent.yml` for an agent named `host` of `role`, scraping `nodes`.
fn agent_config(
    host: &str,
    role: &str,
    nodes: &[SocketAddr],
    node_exporter: SocketAddr,
    central: SocketAddr,
    itself: SocketAddr,
) -> String {
    let cfg = std::fs::read_to_string(ops("fleet/agent.yml")).expect("read agent.yml");
    let list: Vec<String> = nodes.iter().map(|a| format!("\"{a}\"")).collect();
    replace_all(
        cfg,
        "ops/fleet/agent.yml",
        &[
            ("scrape_interval: 15s", "scrape_interval: 1s".to_owned()),
            ("scrape_timeout: 10s", "scrape_timeout: 1s".to_owned()),
            ("host: node-1", format!("host: {host}")),
            ("role: validator", format!("role: {role}")),
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
            (
                "http://central.example:9090/api/v1/write",
                format!("http://{central}/api/v1/write"),
            ),
            (
                "batch_send_deadline: 5s",
                "batch_send_deadline: 1s".to_owned(),
            ),
        ],
    )
}

/// `ops/fleet/federation.yml` scraping `central`'s `/federate` every second.
fn federation_config(central: SocketAddr) -> String {
    let cfg = std::fs::read_to_string(ops("fleet/federation.yml")).expect("read federation.yml");
    replace_all(
        cfg,
        "ops/fleet/federation.yml",
        &[
            ("scrape_interval: 30s", "scrape_interval: 1s".to_owned()),
            (
                "targets: [\"central-1.example:9090\", \"central-2.example:9090\"]",
                format!("targets: [\"{central}\"]"),
            ),
        ],
    )
}

/// The agents: their `host` and `role` external labels.
const AGENTS: [(&str, &str); 2] = [("agent-a", "validator"), ("agent-b", "full")];

/// `sum by (label) (expr)` in the central Prometheus, as a map.
fn sum_by(prom: &Prometheus, label: &str, expr: &str) -> Result<BTreeMap<String, f64>, String> {
    Ok(prom
        .query(&format!("sum by ({label}) ({expr})"))?
        .into_iter()
        .map(|s| (s.labels.get(label).cloned().unwrap_or_default(), s.value))
        .collect())
}

/// Every panel expression of the fleet dashboard, with `$role` for all roles.
fn fleet_dashboard_expressions() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(ops("grafana/alys-fleet.json")).expect("read it");
    let dash: Value = serde_json::from_str(&text).expect("the fleet dashboard is JSON");
    let mut out = Vec::new();
    for panel in dash["panels"].as_array().expect("panels") {
        for target in panel["targets"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            if let Some(expr) = target["expr"].as_str() {
                let title = panel["title"].as_str().unwrap_or("?").to_owned();
                out.push((title, expr.replace("$role", ".*")));
            }
        }
    }
    assert!(
        out.len() >= 10,
        "only {} fleet panel expressions",
        out.len()
    );
    out
}

#[test]
fn two_agents_remote_write_six_nodes_to_a_central_prometheus_exactly() {
    let _machine = crate::machine_alone();
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
    } = start_paused_nodes("fleet", "f", &(31..37).collect::<Vec<_>>(), &exporter);
    // A central Prometheus and two agents of each release in turn (agent mode is
    // `--enable-feature=agent` in 2.x, `--agent` in 3.x), each stopped before the next
    // starts: two sets scraping six debug-build nodes every second at once exceed the 1 s
    // scrape timeout on two cores. The first set sees the nodes active and then frozen; the
    // next ones see them frozen.
    let mut frozen: Option<(Vec<Vec<f64>>, f64)> = None;
    for release in &releases {
        on_release(release, || {
            let central = start_prometheus_with(
                release,
                &dir,
                "central",
                &["--web.enable-remote-write-receiver"],
                |itself| central_config(&dir, itself),
            );
            let _agents: Vec<Prometheus> = AGENTS
                .iter()
                .zip(addrs.chunks(3))
                .map(|((host, role), scraped)| {
                    start_prometheus_with(release, &dir, host, &[release.agent_flag()], |itself| {
                        agent_config(host, role, scraped, exporter_addr, central.addr, itself)
                    })
                })
                .collect();
            six_nodes_up(&central);
            // Freeze the nodes (once), and wait until two scrapes of each, 5 s apart, agree.
            let (values, at) = frozen
                .get_or_insert_with(|| (wait_until_frozen(&mut nodes), unix_now()))
                .clone();
            central_sums_rules_and_federation(release, &dir, &central, &addrs, &values, at);
        });
    }
    // Still frozen: the comparisons were with the nodes' values at that moment.
    if let Some((values, _)) = frozen {
        assert_still_frozen(&addrs, &values);
    }
}

/// In the central Prometheus: six nodes up, three under each agent's external labels.
fn six_nodes_up(central: &Prometheus) {
    // Six nodes up in the central Prometheus, three under each agent's external labels.
    eventually(
        "count(up == 1) == 6 in the central Prometheus",
        Duration::from_secs(40),
        || {
            let n = central.value("count(up{job=\"alys\"} == 1)")?;
            (n == 6.0).then_some(()).ok_or(format!("count is {n}"))
        },
    );
    let by_agent = central
        .query("count by (host, role) (up{job=\"alys\"} == 1)")
        .expect("count by agent");
    let mut seen: Vec<(String, String, f64)> = by_agent
        .iter()
        .map(|s| {
            (
                s.labels.get("host").cloned().unwrap_or_default(),
                s.labels.get("role").cloned().unwrap_or_default(),
                s.value,
            )
        })
        .collect();
    seen.sort_by(|a, b| a.0.cmp(&b.0));
    let expected: Vec<(String, String, f64)> = AGENTS
        .iter()
        .map(|(h, r)| ((*h).to_owned(), (*r).to_owned(), 3.0))
        .collect();
    assert_eq!(seen, expected, "up == 1 by the agents' external labels");
}

/// In the central Prometheus (of `release`): the sums of [`SUMMED`] over the six nodes equal
/// their `frozen` values, in all and per agent, once every series was scraped after
/// `frozen_at`; the fleet rules and dashboard have data; and a global Prometheus federating
/// it holds the recording rules and no raw series.
fn central_sums_rules_and_federation(
    release: &Release,
    dir: &TempDir,
    central: &Prometheus,
    addrs: &[SocketAddr],
    frozen: &[Vec<f64>],
    frozen_at: f64,
) {
    // Every series of every compared family has arrived from a scrape after that moment.
    wait_until_caught_up(central, addrs, frozen_at, Duration::from_secs(40));

    for (i, family) in SUMMED.iter().enumerate() {
        let expected: f64 = frozen.iter().map(|node| node[i]).sum();
        assert!(expected > 0.0, "{family} stayed at 0 on every node");
        let total = central.value(&format!("sum({family})")).expect("the sum");
        assert_eq!(total, expected, "sum({family}) over the six nodes");
        let per_host = sum_by(central, "host", family).expect("the sum by host");
        for ((host, _), nodes) in AGENTS.iter().zip(frozen.chunks(3)) {
            let own: f64 = nodes.iter().map(|n| n[i]).sum();
            assert_eq!(per_host.get(*host), Some(&own), "{family} through {host}");
        }
    }

    // The fleet rules run on the central Prometheus, and the fleet dashboard has data.
    eventually("role:alys_up:count", Duration::from_secs(20), || {
        let up = sum_by(central, "role", "role:alys_up:count")?;
        let want: BTreeMap<String, f64> =
            AGENTS.iter().map(|(_, r)| ((*r).to_owned(), 3.0)).collect();
        (up == want).then_some(()).ok_or(format!("{up:?}"))
    });
    let mut failures = Vec::new();
    for (title, expr) in fleet_dashboard_expressions() {
        let result = eventually(&title, Duration::from_secs(20), || {
            match central.query(&expr) {
                Ok(samples) if samples.is_empty() => Err(format!("no data: {expr}")),
                Ok(_) => Ok(Ok(())),
                Err(e) => Ok(Err(e)),
            }
        });
        if let Err(e) = result {
            failures.push(format!("panel {title:?}: {e}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // A global Prometheus federating the central one holds the recording rules, with the
    // same values, and no raw node series.
    let global = start_prometheus_with(release, dir, "global", &[], |_| {
        federation_config(central.addr)
    });
    eventually(
        "the global Prometheus federates the fleet rules",
        Duration::from_secs(30),
        || {
            let up = sum_by(&global, "role", "role:alys_up:count")?;
            let want = sum_by(central, "role", "role:alys_up:count")?;
            (up == want && up.len() == AGENTS.len())
                .then_some(())
                .ok_or(format!("global {up:?}, central {want:?}"))
        },
    );
    for rule in [
        "fleet:alys_actor_messages:rate5m",
        "host:alys_peer_count:sum",
        "validator:alys_block_production_duration_seconds:p95_5m",
    ] {
        let n = global
            .value(&format!("count({rule})"))
            .unwrap_or_else(|e| panic!("{rule} in the global Prometheus: {e}"));
        assert!(n >= 1.0, "{rule}: {n} series in the global Prometheus");
    }
    let raw = global
        .query("count({__name__=~\"alys_.+|node_.+\"})")
        .expect("count raw series");
    assert!(raw.is_empty(), "raw series federated: {raw:?}");
}
