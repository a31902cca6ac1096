//! End to end: example nodes scraped by a real Prometheus (the Debian package's
//! `/usr/bin/prometheus`) on loopback ports, with a temporary data directory.
//!
//! - One node: `up == 1`, every family of `alys_metrics::catalogue()` has samples (and the
//!   ones the node drives steadily are above zero), every alert rule of `ops/alerts.yml` is loaded and evaluated by Prometheus without error (and
//!   evaluates through the query API), and every expression of the Grafana dashboard
//!   evaluates and returns data (`$__rate_interval` and `$instance` substituted as Grafana
//!   would).
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
//! targets and the path of the rule file replaced.
//!
//! How the nodes are started: this test binary includes the example node's simulation
//! (`examples/node/sim/`, the same code as `cargo run --example node`) and runs *itself*
//! again in "node mode": the `node_process` test below, with the node's arguments in
//! `ALYS_E2E_NODE_ARGS`. So no second build is needed and the node is exactly the example's.
//! Every process a test starts is held by a guard that kills it when dropped, also when the
//! test fails; temporary directories are removed the same way.
//!
//! Both tests run in parallel in about 25 s. Without `prometheus` on the PATH they print a
//! notice and pass, unless
//! `ALYS_REQUIRE_PROMTOOL=1` (set by `scripts/test.sh` and CI), which makes them fail.

#[path = "../examples/node/sim/mod.rs"]
mod sim;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use alys_metrics::Kind;
use serde_json::Value;

/// As in `examples/node/main.rs`: this binary is the node.
#[global_allocator]
static ALLOC: alys_metrics::TrackingAllocator<std::alloc::System> =
    alys_metrics::TrackingAllocator::new(std::alloc::System);

/// The variable that puts this test binary in node mode, with the node's arguments.
const NODE_ARGS_ENV: &str = "ALYS_E2E_NODE_ARGS";

/// The entry point of the node processes the tests below start: they run this binary again
/// with [`NODE_ARGS_ENV`] set, and this runs the example node until SIGTERM. Without the
/// variable (a normal test run) it returns at once.
#[test]
fn node_process() {
    let Ok(args) = std::env::var(NODE_ARGS_ENV) else {
        return;
    };
    let args: Vec<String> = args.split_whitespace().map(str::to_owned).collect();
    let code = sim::main_with_args(&args);
    std::process::exit(if code == ExitCode::SUCCESS { 0 } else { 1 });
}

/// The node's command line: defaults, each option, and errors that say what was expected.
#[test]
fn the_node_command_line_is_parsed_with_clear_errors() {
    use sim::{parse_args, Command as Parsed, Options};
    let args = |s: &str| -> Vec<String> { s.split_whitespace().map(str::to_owned).collect() };
    let run = |s: &str, env: Option<&str>| match parse_args(&args(s), env) {
        Ok(Parsed::Run(o)) => o,
        other => panic!("{s:?}: {other:?}"),
    };

    let o = run("--seed 7", None);
    assert_eq!(o.bind, "127.0.0.1:9001".parse().expect("an address"));
    assert_eq!((o.seed, o.pause_after), (7, None));
    assert_eq!(
        run("--port 0 --seed=3 --pause-after 1.5", None),
        Options {
            bind: "127.0.0.1:0".parse().expect("an address"),
            seed: 3,
            pause_after: Some(Duration::from_millis(1500)),
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
    ] {
        let err = parse_args(&args(bad), None).expect_err(bad);
        assert!(err.contains(says), "{bad:?} gave {err:?}");
    }
    let err = parse_args(&[], Some("nowhere")).expect_err("a bad ALYS_METRICS_BIND");
    assert!(err.contains("ALYS_METRICS_BIND"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// Processes and directories that clean up after themselves.

/// A temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir =
            std::env::temp_dir().join(format!("alys-e2e-{name}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create the temporary directory");
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A child process, killed (and reaped) when dropped.
struct Proc {
    name: String,
    child: Child,
    log: PathBuf,
}

impl Proc {
    /// The last lines of the process's log, for failure messages.
    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// Panics (with the log) if the process has exited.
    fn assert_running(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!(
                "{} exited early ({status}); its log ends:\n{}",
                self.name,
                self.log_tail()
            );
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// A node process: its address and the lines it prints on stdout.
struct Node {
    proc: Proc,
    addr: SocketAddr,
    stdout: Receiver<String>,
}

impl Node {
    /// Waits until the node prints a line containing `needle`.
    fn wait_for_line(&mut self, needle: &str, within: Duration) -> String {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self
                .stdout
                .recv_timeout(left.min(Duration::from_millis(200)))
            {
                Ok(line) if line.contains(needle) => return line,
                Ok(_) => {}
                Err(RecvTimeoutError::Timeout) if Instant::now() < deadline => {
                    self.proc.assert_running()
                }
                Err(_) => panic!(
                    "{} printed no line with {needle:?} within {within:?}; its log ends:\n{}",
                    self.proc.name,
                    self.proc.log_tail()
                ),
            }
        }
    }
}

/// Starts an example node (this binary in node mode) on an ephemeral port.
fn start_node(dir: &TempDir, name: &str, args: &str) -> Node {
    let log = dir.0.join(format!("{name}.log"));
    let stderr = std::fs::File::create(&log).expect("create the node's log file");
    let child = Command::new(std::env::current_exe().expect("the test binary's path"))
        .args(["node_process", "--exact", "--nocapture", "--test-threads=1"])
        .env(NODE_ARGS_ENV, format!("--port 0 {args}"))
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .expect("start the node process");
    let mut proc = Proc {
        name: format!("node {name}"),
        child,
        log,
    };
    let out = proc.child.stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut node = Node {
        proc,
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        stdout: rx,
    };
    let line = node.wait_for_line("listening on http://", Duration::from_secs(30));
    let addr = line
        .split("listening on http://")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    node.addr = addr;
    node
}

/// The `prometheus` binary, or `None` (with a notice) when it is missing and not required.
fn prometheus_binary() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join("prometheus"))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var("ALYS_REQUIRE_PROMTOOL").as_deref() != Ok("1"),
            "`prometheus` is required (ALYS_REQUIRE_PROMTOOL=1) but not on PATH: install the \
             Debian package `prometheus` (apt-get install prometheus)"
        );
        eprintln!("SKIPPED: `prometheus` is not installed (Debian package `prometheus`)");
    }
    found
}

fn ops(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("ops").join(file)
}

/// `ops/prometheus.yml` with 1 s intervals, `targets` as the scrape targets and the rule
/// file's absolute path. Each replacement must apply, so a changed file shows up here.
fn prometheus_config(targets: &[SocketAddr]) -> String {
    let mut cfg = std::fs::read_to_string(ops("prometheus.yml")).expect("read ops/prometheus.yml");
    let list: Vec<String> = targets.iter().map(|a| format!("\"{a}\"")).collect();
    let rules = ops("alerts.yml");
    for (from, to) in [
        ("scrape_interval: 15s", "scrape_interval: 1s".to_owned()),
        (
            "evaluation_interval: 15s",
            "evaluation_interval: 1s".to_owned(),
        ),
        ("scrape_timeout: 10s", "scrape_timeout: 1s".to_owned()),
        ("- alerts.yml", format!("- {}", rules.display())),
        (
            "targets: [\"localhost:9001\"]",
            format!("targets: [{}]", list.join(", ")),
        ),
    ] {
        assert!(
            cfg.contains(from),
            "ops/prometheus.yml no longer contains `{from}`; update this test"
        );
        cfg = cfg.replace(from, &to);
    }
    cfg
}

/// A running Prometheus.
struct Prometheus {
    /// Held to stop Prometheus when the test ends.
    _proc: Proc,
    addr: SocketAddr,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// Starts Prometheus scraping `targets`, and waits until it is ready.
fn start_prometheus(bin: &Path, dir: &TempDir, targets: &[SocketAddr]) -> Prometheus {
    let config = dir.0.join("prometheus.yml");
    std::fs::write(&config, prometheus_config(targets)).expect("write the Prometheus config");
    // The port is free when picked; if another process takes it before Prometheus binds
    // it, Prometheus exits and the next attempt picks another.
    for attempt in 0..3 {
        let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
        let log = dir.0.join(format!("prometheus-{attempt}.log"));
        let stderr = std::fs::File::create(&log).expect("create the Prometheus log");
        let child = Command::new(bin)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.0.join(format!("data-{attempt}")).display()
            ))
            .arg(format!("--web.listen-address={addr}"))
            .arg("--log.level=warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("start prometheus");
        let mut proc = Proc {
            name: "prometheus".to_owned(),
            child,
            log,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = proc.child.try_wait() {
                break;
            }
            if matches!(http_get(addr, "/-/ready"), Ok((200, _))) {
                return Prometheus { _proc: proc, addr };
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        eprintln!(
            "prometheus did not start on {addr}; its log ends:\n{}",
            proc.log_tail()
        );
    }
    panic!("prometheus did not start in three attempts (logs above)");
}

// ---------------------------------------------------------------------------------------------
// A tiny HTTP client and the Prometheus query API.

/// `GET path` as HTTP/1.0 (so the answer is neither chunked nor kept alive): status and body.
fn http_get(addr: SocketAddr, path: &str) -> Result<(u16, String), String> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
        .map_err(|e| format!("connect to {addr}: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .map_err(|e| e.to_string())?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n")
        .map_err(|e| format!("send to {addr}: {e}"))?;
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .map_err(|e| format!("read from {addr}: {e}"))?;
    let raw = String::from_utf8_lossy(&raw);
    let (head, body) = raw
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("no response head from {addr}{path}"))?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("bad status line from {addr}{path}: {head:?}"))?;
    Ok((status, body.to_owned()))
}

/// Percent-encodes a query parameter.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// One sample of an instant vector.
#[derive(Debug)]
struct Sample {
    labels: BTreeMap<String, String>,
    value: f64,
}

impl Prometheus {
    /// Calls an API endpoint; the `data` of a successful answer.
    fn api(&self, path: &str) -> Result<Value, String> {
        let (status, body) = http_get(self.addr, path)?;
        let v: Value = serde_json::from_str(&body)
            .map_err(|e| format!("{path}: HTTP {status}, not JSON ({e}): {body}"))?;
        if v["status"] != "success" {
            return Err(format!(
                "{path}: HTTP {status}, {}: {}",
                v["errorType"], v["error"]
            ));
        }
        Ok(v["data"].clone())
    }

    /// Evaluates `expr` now; the samples of the instant vector (a scalar is one sample).
    fn query(&self, expr: &str) -> Result<Vec<Sample>, String> {
        let data = self
            .api(&format!("/api/v1/query?query={}", encode(expr)))
            .map_err(|e| format!("`{expr}`: {e}"))?;
        let number = |v: &Value| -> f64 {
            v[1].as_str()
                .and_then(|s| s.parse().ok())
                .unwrap_or(f64::NAN)
        };
        match data["resultType"].as_str() {
            Some("vector") => Ok(data["result"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .map(|s| Sample {
                    labels: s["metric"]
                        .as_object()
                        .map(|m| {
                            m.iter()
                                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_owned()))
                                .collect()
                        })
                        .unwrap_or_default(),
                    value: number(&s["value"]),
                })
                .collect()),
            Some("scalar") => Ok(vec![Sample {
                labels: BTreeMap::new(),
                value: number(&data["result"]),
            }]),
            other => Err(format!("`{expr}`: unexpected result type {other:?}")),
        }
    }

    /// The value of a query that yields one sample.
    fn value(&self, expr: &str) -> Result<f64, String> {
        let samples = self.query(expr)?;
        match samples.as_slice() {
            [one] => Ok(one.value),
            _ => Err(format!("`{expr}` gave {} samples, not one", samples.len())),
        }
    }
}

/// Polls `check` every 500 ms until it returns `Ok`; panics with its last error at `within`.
fn eventually<T>(what: &str, within: Duration, mut check: impl FnMut() -> Result<T, String>) -> T {
    let deadline = Instant::now() + within;
    loop {
        match check() {
            Ok(v) => return v,
            Err(e) if Instant::now() >= deadline => {
                panic!("{what}: not so within {within:?}: {e}")
            }
            Err(_) => std::thread::sleep(Duration::from_millis(500)),
        }
    }
}

/// The sum of every sample of `family` in a node's own scrape.
fn scrape_sum(addr: SocketAddr, family: &str) -> f64 {
    let (status, body) = http_get(addr, "/metrics").expect("scrape the node");
    assert_eq!(status, 200, "GET /metrics of {addr}");
    body.lines()
        .filter(|l| {
            l.strip_prefix(family)
                .is_some_and(|rest| rest.starts_with('{') || rest.starts_with(' '))
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
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
    Ok(alys_metrics::catalogue()
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

/// Every expression of the dashboard: panel targets, then annotations.
fn dashboard_expressions() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(ops("grafana/alys-node.json")).expect("read the dashboard");
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
    assert!(out.len() >= 30, "only {} dashboard expressions", out.len());
    out
}

/// As Grafana sends it: `$__rate_interval` is at least four scrape intervals (here 15 s, a
/// bit more for a steadier rate), `$instance` the node's instance.
fn grafana_substitute(expr: &str, instance: &str) -> String {
    expr.replace("$__rate_interval", "15s")
        .replace("$instance", instance)
}

/// Families that the example node moves from its first seconds on.
const MOVING: [&str; 24] = [
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
];

#[test]
fn one_node_has_every_family_and_every_rule_and_panel_evaluates() {
    let Some(bin) = prometheus_binary() else {
        return;
    };
    let dir = TempDir::new("one");
    let mut node = start_node(&dir, "a", "--seed 11");
    let prom = start_prometheus(&bin, &dir, &[node.addr]);
    let instance = node.addr.to_string();

    eventually("up == 1", Duration::from_secs(30), || {
        let up = prom.value(&format!("up{{job=\"alys\",instance=\"{instance}\"}}"))?;
        (up == 1.0).then_some(()).ok_or(format!("up is {up}"))
    });

    // Families with a capped string label get their first series when first used: the node
    // syncs, produces its first block, and so on, within about half a minute.
    eventually(
        "every catalogue family has samples",
        Duration::from_secs(90),
        || {
            node.proc.assert_running();
            let missing = missing_families(&prom, &instance)?;
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

    // Prometheus loaded every alert of ops/alerts.yml and evaluated each without error.
    let rules_text = std::fs::read_to_string(ops("alerts.yml")).expect("read ops/alerts.yml");
    let alerts = rules_text
        .lines()
        .filter(|l| l.trim_start().starts_with("- alert: "))
        .count();
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
                    "{} rules loaded, {alerts} alerts in ops/alerts.yml",
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

    // Every dashboard expression evaluates; every panel shows data for the node (a series
    // may need a few scrapes after its first sample before a rate has two points). The
    // restart annotation is a filter, empty unless the node restarted.
    for (what, expr) in dashboard_expressions() {
        let expr = grafana_substitute(&expr, &instance);
        let data = eventually(&what, Duration::from_secs(30), || match prom.query(&expr) {
            Ok(samples) if samples.is_empty() && what.starts_with("panel") => {
                Err(format!("no data: {expr}"))
            }
            Ok(_) => Ok(Ok(())),
            Err(e) => Ok(Err(e)),
        });
        if let Err(e) = data {
            failures.push(format!("{what}: {e}"));
        }
    }
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

/// Counters whose sum over the nodes is compared; each moves from the start (actor messages,
/// RPC requests, block imports while syncing).
const SUMMED: [&str; 3] = [
    "alys_actor_messages_total",
    "alys_rpc_requests_total",
    "alys_chain_process_block_attempts_total",
];

#[test]
fn three_nodes_are_scraped_and_their_sum_is_exact() {
    let Some(bin) = prometheus_binary() else {
        return;
    };
    let dir = TempDir::new("three");
    let mut nodes: Vec<Node> = [21, 22, 23]
        .iter()
        .map(|seed| {
            start_node(
                &dir,
                &format!("s{seed}"),
                &format!("--seed {seed} --pause-after 15"),
            )
        })
        .collect();
    let addrs: Vec<SocketAddr> = nodes.iter().map(|n| n.addr).collect();
    let prom = start_prometheus(&bin, &dir, &addrs);

    eventually("count(up == 1) == 3", Duration::from_secs(30), || {
        let n = prom.value("count(up{job=\"alys\"} == 1)")?;
        (n == 3.0).then_some(()).ok_or(format!("count is {n}"))
    });

    for node in &mut nodes {
        node.wait_for_line("activity paused", Duration::from_secs(60));
    }
    // The work begun before the pause finishes: wait until two scrapes of every node, 5 s
    // apart, agree.
    let frozen = eventually("the nodes' counters stop", Duration::from_secs(40), || {
        let before: Vec<Vec<f64>> = addrs
            .iter()
            .map(|a| SUMMED.iter().map(|f| scrape_sum(*a, f)).collect())
            .collect();
        std::thread::sleep(Duration::from_secs(5));
        let after: Vec<Vec<f64>> = addrs
            .iter()
            .map(|a| SUMMED.iter().map(|f| scrape_sum(*a, f)).collect())
            .collect();
        (before == after)
            .then_some(after.clone())
            .ok_or(format!("{before:?} then {after:?}"))
    });
    let frozen_at = unix_now();
    eventually(
        "Prometheus scraped every node after the counters stopped",
        Duration::from_secs(30),
        || {
            let oldest = prom.value("min(timestamp(up{job=\"alys\"}))")?;
            (oldest > frozen_at).then_some(()).ok_or(format!(
                "oldest scrape at {oldest}, counters stopped at {frozen_at}"
            ))
        },
    );

    for (i, family) in SUMMED.iter().enumerate() {
        let expected: f64 = frozen.iter().map(|node| node[i]).sum();
        assert!(expected > 0.0, "{family} stayed at 0 on every node");
        let total = prom.value(&format!("sum({family})")).expect("the sum");
        assert_eq!(total, expected, "sum({family}) over the three nodes");
        let per_node = prom
            .query(&format!("sum by (instance) ({family})"))
            .expect("the sum by instance");
        for (addr, node) in addrs.iter().zip(&frozen) {
            let own = per_node
                .iter()
                .find(|s| s.labels.get("instance") == Some(&addr.to_string()))
                .map(|s| s.value);
            assert_eq!(own, Some(node[i]), "{family} of {addr}");
        }
    }
    // Still frozen: the comparison was with the nodes' values at that moment.
    for (addr, node) in addrs.iter().zip(&frozen) {
        let now: Vec<f64> = SUMMED.iter().map(|f| scrape_sum(*addr, f)).collect();
        assert_eq!(&now, node, "the counters of {addr} moved after the pause");
    }

    // Graceful shutdown on SIGTERM: the node says so and exits with status 0.
    #[cfg(unix)]
    assert_graceful_stop(&mut nodes[0]);
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
