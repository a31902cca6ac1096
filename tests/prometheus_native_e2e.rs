//! End to end with Prometheus 2.42's own feature flags: the example node scraped by two real
//! Prometheus servers (the Debian package's `/usr/bin/prometheus`) on loopback ports, each
//! with a temporary data directory.
//!
//! - One runs with `--enable-feature=native-histograms,exemplar-storage`, so it asks for the
//!   protobuf format: `histogram_quantile(0.9, rate(alys_block_production_duration_seconds[1m]))`
//!   over the native series returns a value, the series holds native histogram samples,
//!   `/api/v1/query_exemplars` returns block-production exemplars whose `trace_id` is a
//!   16-digit hex span id, the actor message latency of a handler is native with exemplars
//!   too, and every family the node exports is there (native histograms
//!   under their own name, the others as in text).
//! - The other runs without flags, so it asks for OpenMetrics 1.0.0 (its own OpenMetrics
//!   parser reads our text, exemplars included): every sample name of the node's text scrape
//!   is there.
//!
//! The node is this test binary run again in node mode with the example node's simulation
//! (`examples/node/sim/`), as `tests/prometheus_e2e.rs` does. Without `prometheus` on the
//! PATH the test prints a notice and passes, unless `ALYS_REQUIRE_PROMTOOL=1` (set by
//! `scripts/test.sh` and CI), which makes it fail.

#[path = "../examples/node/sim/mod.rs"]
mod sim;

use std::collections::BTreeSet;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use alys_metrics::encode::{protobuf, PROTOBUF_CONTENT_TYPE};
use serde_json::Value;

/// The variable that puts this test binary in node mode, with the node's arguments.
const NODE_ARGS_ENV: &str = "ALYS_NATIVE_E2E_NODE_ARGS";

/// The entry point of the node process the test starts (this binary again, with
/// [`NODE_ARGS_ENV`] set); without the variable it returns at once.
#[test]
fn node_process() {
    let Ok(args) = std::env::var(NODE_ARGS_ENV) else {
        return;
    };
    let args: Vec<String> = args.split_whitespace().map(str::to_owned).collect();
    let code = sim::main_with_args(&args);
    std::process::exit(if code == ExitCode::SUCCESS { 0 } else { 1 });
}

/// A temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!(
            "alys-native-e2e-{name}-{}-{nanos}",
            std::process::id()
        ));
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
    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
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

/// Starts the example node on an ephemeral port; its process and address.
fn start_node(dir: &TempDir) -> (Proc, SocketAddr) {
    let log = dir.0.join("node.log");
    let stderr = std::fs::File::create(&log).expect("create the node's log file");
    let mut child = Command::new(std::env::current_exe().expect("the test binary's path"))
        .args(["node_process", "--exact", "--nocapture", "--test-threads=1"])
        .env(NODE_ARGS_ENV, "--port 0 --seed 11")
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .expect("start the node process");
    let out = child.stdout.take().expect("piped stdout");
    let proc = Proc {
        name: "node".into(),
        child,
        log,
    };
    let (tx, rx): (_, Receiver<String>) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
            if let Some(addr) = line
                .split("listening on http://")
                .nth(1)
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|a| a.parse().ok())
            {
                return (proc, addr);
            }
        }
    }
    panic!("the node did not start; its log ends:\n{}", proc.log_tail());
}

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

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// A running Prometheus.
struct Prometheus {
    proc: Proc,
    addr: SocketAddr,
}

/// Starts Prometheus scraping `node` every second, with `flags`, and waits until it is ready.
fn start_prometheus(
    bin: &Path,
    dir: &TempDir,
    name: &str,
    node: SocketAddr,
    flags: &[&str],
) -> Prometheus {
    let config = dir.0.join(format!("{name}.yml"));
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n\
             scrape_configs:\n  - job_name: node\n    static_configs:\n      - targets: [\"{node}\"]\n"
        ),
    )
    .expect("write the Prometheus config");
    for attempt in 0..3 {
        let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
        let log = dir.0.join(format!("{name}-{attempt}.log"));
        let stderr = std::fs::File::create(&log).expect("create the Prometheus log");
        let child = Command::new(bin)
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.0.join(format!("{name}-data-{attempt}")).display()
            ))
            .arg(format!("--web.listen-address={addr}"))
            .arg("--log.level=warn")
            .args(flags)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("start prometheus");
        let mut proc = Proc {
            name: name.into(),
            child,
            log,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = proc.child.try_wait() {
                break;
            }
            if matches!(http_get(addr, "/-/ready", &[]), Ok((200, _))) {
                return Prometheus { proc, addr };
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

/// `GET path` as HTTP/1.0 with extra headers: status and body.
fn http_get(
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
        .ok_or_else(|| format!("bad status line: {head:?}"))?;
    Ok((status, raw[split + 4..].to_vec()))
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

impl Prometheus {
    /// Calls an API endpoint; the `data` of a successful answer.
    fn api(&self, path: &str) -> Result<Value, String> {
        let (status, body) = http_get(self.addr, path, &[])?;
        let v: Value = serde_json::from_slice(&body)
            .map_err(|e| format!("{path}: HTTP {status}, not JSON ({e})"))?;
        if v["status"] != "success" {
            return Err(format!(
                "{path}: HTTP {status}, {}: {}",
                v["errorType"], v["error"]
            ));
        }
        Ok(v["data"].clone())
    }

    fn query(&self, q: &str) -> Result<Vec<Value>, String> {
        let data = self.api(&format!("/api/v1/query?query={}", encode(q)))?;
        Ok(data["result"].as_array().cloned().unwrap_or_default())
    }

    /// The `trace_id`s of the exemplars Prometheus holds for `selector` over the last ten
    /// minutes; an error while there is none.
    fn exemplar_ids(&self, selector: &str) -> Result<Vec<String>, String> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_err(|e| e.to_string())?
            .as_secs();
        let data = self.api(&format!(
            "/api/v1/query_exemplars?query={}&start={}&end={}",
            encode(selector),
            now - 600,
            now + 60
        ))?;
        let ids: Vec<String> = data
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|s| s["exemplars"].as_array().cloned().unwrap_or_default())
            .filter_map(|e| e["labels"]["trace_id"].as_str().map(str::to_owned))
            .collect();
        if ids.is_empty() {
            return Err(format!("no exemplar yet: {data}"));
        }
        Ok(ids)
    }

    /// The metric names Prometheus holds for the node.
    fn names(&self) -> Result<BTreeSet<String>, String> {
        Ok(self
            .query("group by (__name__) ({job=\"node\"})")?
            .iter()
            .filter_map(|s| s["metric"]["__name__"].as_str().map(str::to_owned))
            .collect())
    }

    /// Retries `check` until it returns `Ok` or `within` has passed.
    fn eventually<T>(
        &self,
        within: Duration,
        what: &str,
        mut check: impl FnMut(&Self) -> Result<T, String>,
    ) -> T {
        let deadline = Instant::now() + within;
        loop {
            match check(self) {
                Ok(v) => return v,
                Err(e) if Instant::now() >= deadline => panic!(
                    "{what} within {within:?}: {e}\n{} log ends:\n{}",
                    self.proc.name,
                    self.proc.log_tail()
                ),
                Err(_) => std::thread::sleep(Duration::from_millis(500)),
            }
        }
    }
}

#[test]
fn prometheus_sees_native_histograms_and_exemplars() {
    let Some(bin) = prometheus_binary() else {
        return;
    };
    let dir = TempDir::new("native");
    let (_node, node) = start_node(&dir);
    let native = start_prometheus(
        &bin,
        &dir,
        "prometheus-native",
        node,
        &["--enable-feature=native-histograms,exemplar-storage"],
    );
    let plain = start_prometheus(&bin, &dir, "prometheus-plain", node, &[]);

    let q = "histogram_quantile(0.9, rate(alys_block_production_duration_seconds[1m]))";
    let p90 = native.eventually(
        Duration::from_secs(90),
        "a 0.9 quantile of native block production",
        |p| {
            let result = p.query(q)?;
            let v = result
                .iter()
                .filter_map(|s| s["value"][1].as_str()?.parse::<f64>().ok())
                .find(|v| v.is_finite())
                .ok_or_else(|| format!("{q} returned {result:?}"))?;
            Ok(v)
        },
    );
    assert!(p90 > 0.0 && p90 < 30.0, "{q} = {p90}");
    // The series holds native histogram samples (the classic one would be `_bucket`).
    let raw = native
        .query("alys_block_production_duration_seconds")
        .expect("an instant query");
    assert!(
        raw.iter().any(|s| s["histogram"][1]["count"].is_string()),
        "native histogram samples: {raw:?}"
    );
    assert!(
        native
            .query("alys_block_production_duration_seconds_bucket")
            .expect("a query")
            .is_empty(),
        "a native histogram scraped over protobuf has no classic `_bucket` series in 2.42"
    );

    let exemplars = native.eventually(Duration::from_secs(60), "block production exemplars", |p| {
        p.exemplar_ids("alys_block_production_duration_seconds")
    });
    eprintln!(
        "{q} = {p90}; {} exemplars, e.g. trace_id {:?}",
        exemplars.len(),
        exemplars.first()
    );
    for id in &exemplars {
        assert!(
            id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()),
            "trace_id {id:?}"
        );
    }

    // Actor message latency (`#[instrument_actor]`'s handler sites): native too, and the
    // handler the example runs in a span (`SubmitTransactions`) gives its exemplars.
    let q = "histogram_quantile(0.9, rate(alys_actor_message_latency_seconds{message=\"SubmitTransactions\"}[1m]))";
    let actor_p90 = native.eventually(
        Duration::from_secs(60),
        "a 0.9 quantile of native actor message latency",
        |p| {
            let result = p.query(q)?;
            result
                .iter()
                .filter_map(|s| s["value"][1].as_str()?.parse::<f64>().ok())
                .find(|v| v.is_finite())
                .ok_or_else(|| format!("{q} returned {result:?}"))
        },
    );
    assert!(actor_p90 > 0.0 && actor_p90 < 10.0, "{q} = {actor_p90}");
    let raw = native
        .query("alys_actor_message_latency_seconds{message=\"SubmitTransactions\"}")
        .expect("an instant query");
    assert!(
        !raw.is_empty() && raw.iter().all(|s| s["histogram"][1]["count"].is_string()),
        "native actor latency samples: {raw:?}"
    );
    let actor_exemplars = native.eventually(
        Duration::from_secs(60),
        "actor message latency exemplars",
        |p| p.exemplar_ids("alys_actor_message_latency_seconds{message=\"SubmitTransactions\"}"),
    );
    for id in &actor_exemplars {
        assert!(
            id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()),
            "trace_id {id:?}"
        );
    }
    eprintln!(
        "{q} = {actor_p90}; {} exemplars, e.g. trace_id {:?}",
        actor_exemplars.len(),
        actor_exemplars.first()
    );

    // Every family: the node's own scrapes say what there is.
    let (_, text) = http_get(node, "/metrics", &[]).expect("a text scrape");
    let text = String::from_utf8(text).expect("UTF-8");
    let sample_names: BTreeSet<String> = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .filter_map(|l| l.split(['{', ' ']).next().map(str::to_owned))
        .collect();
    let (_, pb) = http_get(node, "/metrics", &[("Accept", PROTOBUF_CONTENT_TYPE)])
        .expect("a protobuf scrape");
    let native_families: BTreeSet<String> = protobuf::decode(&pb)
        .expect("protobuf")
        .into_iter()
        .filter(|f| {
            f.metric
                .iter()
                .any(|m| m.histogram.as_ref().is_some_and(|h| h.schema.is_some()))
        })
        .filter_map(|f| f.name)
        .collect();
    assert!(native_families.contains("alys_block_production_duration_seconds"));
    let expected_native: BTreeSet<String> = sample_names
        .iter()
        .map(|n| {
            ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|s| n.strip_suffix(s).filter(|b| native_families.contains(*b)))
                .unwrap_or(n)
                .to_owned()
        })
        .collect();
    eprintln!(
        "{} sample names in text, {} native families: {native_families:?}",
        sample_names.len(),
        native_families.len()
    );
    native.eventually(
        Duration::from_secs(20),
        "every family in the native Prometheus",
        |p| {
            let have = p.names()?;
            let missing: Vec<_> = expected_native.difference(&have).collect();
            if missing.is_empty() {
                Ok(())
            } else {
                Err(format!("missing {missing:?}"))
            }
        },
    );
    plain.eventually(
        Duration::from_secs(20),
        "every family in the Prometheus without flags",
        |p| {
            let up = p.query("up")?;
            if up.first().and_then(|s| s["value"][1].as_str()) != Some("1") {
                return Err(format!("up = {up:?}"));
            }
            let have = p.names()?;
            let missing: Vec<_> = sample_names.difference(&have).collect();
            if missing.is_empty() {
                Ok(())
            } else {
                Err(format!("missing {missing:?}"))
            }
        },
    );
}
