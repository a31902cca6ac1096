//! What the end-to-end tests share: processes and directories that clean up after themselves,
//! example nodes (the test binary itself in node mode), Prometheus (server or agent) and
//! node_exporter on free loopback ports, and a small client of the Prometheus query API.
//!
//! The binary's root (`tests/e2e/main.rs`) defines the one `node_process` test (the node mode
//! entry point, calling [`node_mode`]) and `mod sim` (the example node's simulation). The tests
//! use a part of this module each, hence the `dead_code` allowance.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

pub use crate::tools::{on_release, ops, releases, required_binary, Release};

/// The variable that puts a test binary in node mode, with the node's arguments.
pub const NODE_ARGS_ENV: &str = "ALYS_E2E_NODE_ARGS";

/// The body of the binary's `node_process` test: with [`NODE_ARGS_ENV`] set (by
/// [`start_node`]), runs `main` (the example node's `sim::main_with_args`) on those arguments
/// and exits with its status; without the variable (a normal test run) returns at once.
pub fn node_mode(main: fn(&[String]) -> ExitCode) {
    let Ok(args) = std::env::var(NODE_ARGS_ENV) else {
        return;
    };
    let args: Vec<String> = args.split_whitespace().map(str::to_owned).collect();
    let code = main(&args);
    std::process::exit(if code == ExitCode::SUCCESS { 0 } else { 1 });
}

// ---------------------------------------------------------------------------------------------
// Processes and directories that clean up after themselves.

/// A temporary directory, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> Self {
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
pub struct Proc {
    pub name: String,
    pub child: Child,
    pub log: PathBuf,
}

impl Proc {
    /// The last lines of the process's log, for failure messages.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// Panics (with the log) if the process has exited.
    pub fn assert_running(&mut self) {
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
pub struct Node {
    pub proc: Proc,
    pub addr: SocketAddr,
    pub stdout: Receiver<String>,
}

impl Node {
    /// Waits until the node prints a line containing `needle`.
    pub fn wait_for_line(&mut self, needle: &str, within: Duration) -> String {
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
pub fn start_node(dir: &TempDir, name: &str, args: &str) -> Node {
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

/// Every release of `prometheus` to run against: the system's 2.x and Prometheus 3.5 (see
/// [`releases`]).
pub fn prometheus_releases() -> Vec<Release> {
    releases("prometheus")
}

/// The `prometheus-node-exporter` binary (see [`required_binary`]).
pub fn node_exporter_binary() -> Option<PathBuf> {
    required_binary("prometheus-node-exporter", "prometheus-node-exporter")
}

/// A running Prometheus.
pub struct Prometheus {
    /// Held to stop Prometheus when the test ends.
    pub proc: Proc,
    pub addr: SocketAddr,
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// Starts `bin` (Prometheus, or node_exporter) with `args(addr)` on a free loopback port `addr`
/// and waits until `ready_path` answers 200. The port is free when picked; if another process
/// takes it first, the binary exits and the next attempt picks another.
pub fn start_on_free_port(
    bin: &Path,
    dir: &TempDir,
    name: &str,
    ready_path: &str,
    mut args: impl FnMut(SocketAddr, usize) -> Vec<String>,
) -> (Proc, SocketAddr) {
    for attempt in 0..3 {
        let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
        let log = dir.0.join(format!("{name}-{attempt}.log"));
        let stderr = std::fs::File::create(&log).expect("create the log file");
        let child = Command::new(bin)
            .args(args(addr, attempt))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .unwrap_or_else(|e| panic!("start {}: {e}", bin.display()));
        let mut proc = Proc {
            name: name.to_owned(),
            child,
            log,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = proc.child.try_wait() {
                break;
            }
            if matches!(http_get(addr, ready_path), Ok((200, _))) {
                return (proc, addr);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        eprintln!(
            "{name} did not start on {addr}; its log ends:\n{}",
            proc.log_tail()
        );
    }
    panic!("{name} did not start in three attempts (logs above)");
}

/// Starts `release` of Prometheus, named `name`, on the configuration `config(addr)` (its own
/// address is known before it starts, for its self-scrape), with `extra` flags, and waits
/// until it is ready. Agent mode is [`Release::agent_flag`] among `extra`. Its files are
/// `name-<major>…` in `dir`, so each release of one name has its own.
pub fn start_prometheus_with(
    release: &Release,
    dir: &TempDir,
    name: &str,
    extra: &[&str],
    mut config: impl FnMut(SocketAddr) -> String,
) -> Prometheus {
    let name = format!("{name}-{}", release.major);
    let file = dir.0.join(format!("{name}.yml"));
    let agent = extra.contains(&"--enable-feature=agent") || extra.contains(&"--agent");
    let (mut proc, addr) =
        start_on_free_port(&release.path, dir, &name, "/-/ready", |addr, attempt| {
            std::fs::write(&file, config(addr)).expect("write the Prometheus config");
            let data = dir.0.join(format!("{name}-data-{attempt}"));
            let mut args = vec![
                format!("--config.file={}", file.display()),
                if agent {
                    format!("--storage.agent.path={}", data.display())
                } else {
                    format!("--storage.tsdb.path={}", data.display())
                },
                format!("--web.listen-address={addr}"),
                "--log.level=warn".to_owned(),
            ];
            args.extend(extra.iter().map(|s| (*s).to_owned()));
            args
        });
    proc.name = format!("{name} ({release})");
    Prometheus { proc, addr }
}

/// Starts Debian's `prometheus-node-exporter` on a loopback port, with the collectors the
/// system alerts read (processes: SystemTooManyProcesses) and without those that are slow or
/// need privileges in a container.
pub fn start_node_exporter(bin: &Path, dir: &TempDir) -> (Proc, SocketAddr) {
    start_on_free_port(bin, dir, "node-exporter", "/metrics", |addr, _| {
        vec![
            format!("--web.listen-address={addr}"),
            "--collector.processes".to_owned(),
            "--no-collector.hwmon".to_owned(),
            "--no-collector.rapl".to_owned(),
            "--no-collector.thermal_zone".to_owned(),
            "--no-collector.powersupplyclass".to_owned(),
            "--log.level=warn".to_owned(),
        ]
    })
}

/// Replaces each `from` of `text` by its `to`; each must occur, so a changed file shows up.
pub fn replace_all(mut text: String, what: &str, pairs: &[(&str, String)]) -> String {
    for (from, to) in pairs {
        assert!(
            text.contains(from),
            "{what} no longer contains `{from}`; update this test"
        );
        text = text.replace(from, to);
    }
    text
}

// ---------------------------------------------------------------------------------------------
// A tiny HTTP client and the Prometheus query API.

/// `GET path` as HTTP/1.0 (so the answer is neither chunked nor kept alive): status and body.
pub fn http_get(addr: SocketAddr, path: &str) -> Result<(u16, String), String> {
    let (status, body) = http_get_with(addr, path, &[])?;
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

/// `GET path` as HTTP/1.0 with extra request headers: status and the body's bytes.
pub fn http_get_with(
    addr: SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
) -> Result<(u16, Vec<u8>), String> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
        .map_err(|e| format!("connect to {addr}: {e}"))?;
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .map_err(|e| e.to_string())?;
    let mut req = format!("GET {path} HTTP/1.0\r\nHost: {addr}\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    stream
        .write_all(req.as_bytes())
        .map_err(|e| format!("send to {addr}: {e}"))?;
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .map_err(|e| format!("read from {addr}: {e}"))?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| format!("no response head from {addr}{path}"))?;
    let head = String::from_utf8_lossy(&raw[..split]);
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("bad status line from {addr}{path}: {head:?}"))?;
    Ok((status, raw[split + 4..].to_vec()))
}

/// Percent-encodes a query parameter.
pub fn encode(s: &str) -> String {
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
pub struct Sample {
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

impl Prometheus {
    /// Calls an API endpoint; the `data` of a successful answer.
    pub fn api(&self, path: &str) -> Result<Value, String> {
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
    pub fn query(&self, expr: &str) -> Result<Vec<Sample>, String> {
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
    pub fn value(&self, expr: &str) -> Result<f64, String> {
        let samples = self.query(expr)?;
        match samples.as_slice() {
            [one] => Ok(one.value),
            _ => Err(format!("`{expr}` gave {} samples, not one", samples.len())),
        }
    }
}

/// Polls `check` every 500 ms until it returns `Ok`; panics with its last error at `within`.
pub fn eventually<T>(
    what: &str,
    within: Duration,
    mut check: impl FnMut() -> Result<T, String>,
) -> T {
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

/// The sample lines of `family` (its name, then labels or the value) in a node's own scrape.
fn family_lines(addr: SocketAddr, family: &str) -> Vec<String> {
    let (status, body) = http_get(addr, "/metrics").expect("scrape the node");
    assert_eq!(status, 200, "GET /metrics of {addr}");
    body.lines()
        .filter(|l| {
            l.strip_prefix(family)
                .is_some_and(|rest| rest.starts_with('{') || rest.starts_with(' '))
        })
        .map(str::to_owned)
        .collect()
}

/// The sum of every sample of `family` in a node's own scrape.
pub fn scrape_sum(addr: SocketAddr, family: &str) -> f64 {
    family_lines(addr, family)
        .iter()
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// Counters whose sum over the nodes is compared; each moves from the start (actor messages,
/// RPC requests, block imports while syncing).
pub const SUMMED: [&str; 3] = [
    "alys_actor_messages_total",
    "alys_rpc_requests_total",
    "alys_chain_process_block_attempts_total",
];

/// The sums of [`SUMMED`] in a node's own scrape now.
pub fn summed(addr: SocketAddr) -> Vec<f64> {
    SUMMED.iter().map(|f| scrape_sum(addr, f)).collect()
}

/// Waits until every node (run with `--pause-after`) says its activity paused, then until two
/// scrapes of every node 5 s apart agree (longer than any work begun before the pause takes to
/// finish: a timed-out RPC request, 2 s, is the longest): the sums of [`SUMMED`], a row per
/// node in the order of `nodes`.
pub fn wait_until_frozen(nodes: &mut [Node]) -> Vec<Vec<f64>> {
    for node in nodes.iter_mut() {
        node.wait_for_line("activity paused", Duration::from_secs(60));
    }
    let addrs: Vec<SocketAddr> = nodes.iter().map(|n| n.addr).collect();
    eventually("the nodes' counters stop", Duration::from_secs(40), || {
        let before: Vec<Vec<f64>> = addrs.iter().map(|a| summed(*a)).collect();
        std::thread::sleep(Duration::from_secs(5));
        let after: Vec<Vec<f64>> = addrs.iter().map(|a| summed(*a)).collect();
        (before == after)
            .then_some(after.clone())
            .ok_or(format!("{before:?} then {after:?}"))
    })
}

/// The number of series of `family` in a node's own scrape now.
pub fn scrape_series(addr: SocketAddr, family: &str) -> usize {
    family_lines(addr, family).len()
}

/// Waits until `prom` holds every series of each family of [`SUMMED`] that the frozen nodes
/// `addrs` serve (as many series as their own scrapes have), each with a latest sample taken
/// after `frozen_at`. A family's count, not only its oldest timestamp: a series not yet
/// there (a scrape that timed out and left it stale, a remote-write shard behind the others)
/// has no timestamp to be old.
pub fn wait_until_caught_up(
    prom: &Prometheus,
    addrs: &[SocketAddr],
    frozen_at: f64,
    within: Duration,
) {
    let want: Vec<usize> = SUMMED
        .iter()
        .map(|f| addrs.iter().map(|a| scrape_series(*a, f)).sum())
        .collect();
    eventually(
        "every series of the compared families scraped after the freeze",
        within,
        || {
            for (family, want) in SUMMED.iter().zip(&want) {
                let have = prom.value(&format!("count({family})"))?;
                if have != *want as f64 {
                    return Err(format!("{family}: {have} series, the nodes serve {want}"));
                }
                let oldest = prom.value(&format!("min(timestamp({family}))"))?;
                if oldest <= frozen_at {
                    return Err(format!(
                        "{family}: oldest latest sample at {oldest}, frozen at {frozen_at}"
                    ));
                }
            }
            Ok(())
        },
    );
}

/// Still frozen: each node's sums of [`SUMMED`] are still `frozen` (its row), so a comparison
/// with them was with the nodes' values at that moment.
pub fn assert_still_frozen(addrs: &[SocketAddr], frozen: &[Vec<f64>]) {
    for (addr, node) in addrs.iter().zip(frozen) {
        assert_eq!(
            &summed(*addr),
            node,
            "the counters of {addr} moved after the pause"
        );
    }
}

/// `ops/fleet/rules.yml` evaluated every second, written to `dir`: its path.
pub fn fast_fleet_rules(dir: &TempDir) -> PathBuf {
    let text = std::fs::read_to_string(ops("fleet/rules.yml")).expect("read ops/fleet/rules.yml");
    let text = replace_all(
        text,
        "ops/fleet/rules.yml",
        &[("interval: 30s", "interval: 1s".to_owned())],
    );
    let path = dir.0.join("fleet-rules.yml");
    std::fs::write(&path, text).expect("write the fleet rules");
    path
}

pub fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// Nodes that pause after 15 s (one per seed, named `{prefix}{seed}`) and a node_exporter,
/// all on loopback under one temporary directory: the setup of the multi-node tests.
pub struct Paused {
    pub dir: TempDir,
    pub nodes: Vec<Node>,
    pub addrs: Vec<SocketAddr>,
    /// Kept alive for the test's length.
    pub _exporter: Proc,
    pub exporter_addr: SocketAddr,
}

/// Starts [`Paused`] nodes for `seeds` and a node_exporter from `exporter`.
pub fn start_paused_nodes(dir_name: &str, prefix: &str, seeds: &[u64], exporter: &Path) -> Paused {
    let dir = TempDir::new(dir_name);
    let nodes: Vec<Node> = seeds
        .iter()
        .map(|seed| {
            start_node(
                &dir,
                &format!("{prefix}{seed}"),
                &format!("--seed {seed} --pause-after 15"),
            )
        })
        .collect();
    let addrs = nodes.iter().map(|n| n.addr).collect();
    let (_exporter, exporter_addr) = start_node_exporter(exporter, &dir);
    Paused {
        dir,
        nodes,
        addrs,
        _exporter,
        exporter_addr,
    }
}
