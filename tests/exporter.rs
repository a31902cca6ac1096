//! The exporter over real HTTP on an ephemeral port: status codes, content types, gzip, HEAD,
//! 404/405, the `/ready` and `/health` transitions, hardening and graceful shutdown.
//!
//! Every test holds `SERIAL`: they share one registry, and some compare two scrapes byte for
//! byte or switch the test collector below on and off.
//!
//! A binary of its own: two scrapes compared byte for byte need a process where nothing else
//! updates a metric meanwhile, and where no instrumented actor ever finished a message (its
//! `alys_actor_last_activity_timestamp_seconds` is computed at each scrape from two clocks and
//! moves by nanoseconds); and the test collector below fails or holds the next scrape of the
//! whole process, whoever makes it.

use std::io::Read as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex, OnceLock};
use std::time::Duration;

use alys_metrics::collector::{
    DiskIoTotals, FileDescriptorSample, ManualClock, NetworkIoDelta, ProcessCollector,
    ProcessSample, ResourceSource, SourceError, SystemMemorySample,
};
use alys_metrics::encode::TEXT_CONTENT_TYPE;
use alys_metrics::exporter::{Limits, ServeError};
use alys_metrics::metric::encoder::Encoder;
use alys_metrics::metric::{Collect, Descriptor, Kind};
use alys_metrics::{MetricsConfig, MetricsServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

// ---------------------------------------------------------------------------------------------
// A minimal HTTP/1.1 client: one request per connection (`Connection: close`).

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("a UTF-8 body")
    }
}

fn parse_reply(raw: &[u8]) -> Reply {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete response head");
    let head = std::str::from_utf8(&raw[..split]).expect("an ASCII head");
    let mut lines = head.split("\r\n");
    let status_line = lines.next().expect("a status line");
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status code");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Reply {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    }
}

async fn request(addr: SocketAddr, method: &str, path: &str, extra: &[(&str, &str)]) -> Reply {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in extra {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    stream.write_all(req.as_bytes()).await.expect("send");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("receive");
    parse_reply(&raw)
}

async fn get(addr: SocketAddr, path: &str) -> Reply {
    request(addr, "GET", path, &[]).await
}

/// The raw value of `"key":` in a flat JSON object, as text.
fn json_field<'a>(json: &'a str, key: &str) -> &'a str {
    let pat = format!("\"{key}\":");
    let start = json
        .find(&pat)
        .unwrap_or_else(|| panic!("no {key} in {json}"))
        + pat.len();
    let rest = &json[start..];
    let end = rest.find([',', '}']).unwrap_or(rest.len());
    rest[..end].trim_matches('"')
}

// ---------------------------------------------------------------------------------------------
// A resource source with fixed figures, that can fail, and can hold its first tick.

struct FakeSource {
    fail: bool,
    cpu_percent: f64,
    cpu_count: usize,
    memory_percent: f64,
    hold_first_tick: Option<mpsc::Receiver<()>>,
    /// Fails only the process sub-collection.
    process_fails: bool,
    _probe: Arc<()>,
}

impl FakeSource {
    fn ok() -> Self {
        Self {
            fail: false,
            cpu_percent: 12.5,
            cpu_count: 4,
            memory_percent: 10.0,
            hold_first_tick: None,
            process_fails: false,
            _probe: Arc::new(()),
        }
    }

    fn failing() -> Self {
        Self {
            fail: true,
            ..Self::ok()
        }
    }

    fn check(&self) -> Result<(), SourceError> {
        if self.fail {
            Err(SourceError::new("injected failure"))
        } else {
            Ok(())
        }
    }
}

const HOST_MEMORY: u64 = 1 << 34;

impl ResourceSource for FakeSource {
    fn process(&mut self) -> Result<ProcessSample, SourceError> {
        if let Some(hold) = self.hold_first_tick.take() {
            let _ = hold.recv();
        }
        self.check()?;
        if self.process_fails {
            return Err(SourceError::new("the process is unreadable in this test"));
        }
        Ok(ProcessSample {
            pid: 4242,
            cpu_percent: self.cpu_percent,
            cpu_seconds_total: 1.5,
            resident_memory_bytes: (HOST_MEMORY as f64 * self.memory_percent / 100.0) as u64,
            virtual_memory_bytes: HOST_MEMORY,
            threads: 7,
            start_time_seconds: 1_700_000_000,
            run_time_seconds: 60,
            cpu_count: self.cpu_count,
        })
    }
    fn disk_io(&mut self) -> Result<DiskIoTotals, SourceError> {
        self.check()?;
        Ok(DiskIoTotals::default())
    }
    fn network_io(&mut self) -> Result<NetworkIoDelta, SourceError> {
        self.check()?;
        Ok(NetworkIoDelta::default())
    }
    fn file_descriptors(&mut self) -> Result<FileDescriptorSample, SourceError> {
        self.check()?;
        Ok(FileDescriptorSample {
            open: 9,
            max: Some(1024),
        })
    }
    fn system_memory(&mut self) -> Result<SystemMemorySample, SourceError> {
        self.check()?;
        Ok(SystemMemorySample {
            total_bytes: HOST_MEMORY,
            used_bytes: HOST_MEMORY / 2,
        })
    }
}

fn config() -> MetricsConfig {
    MetricsConfig {
        bind: "127.0.0.1:0".parse().expect("an address"),
        // One tick at start; these tests never wait for a second one.
        collection_interval: Duration::from_secs(3600),
        // Stop at once; the drain test sets its own period.
        drain: Duration::ZERO,
        ..MetricsConfig::default()
    }
}

async fn start(source: FakeSource, clock: Arc<ManualClock>) -> MetricsServer {
    start_with(config(), source, clock).await
}

/// Starts the exporter on `config` with a process collector reading `source` on `clock`.
async fn start_with(
    config: MetricsConfig,
    source: FakeSource,
    clock: Arc<ManualClock>,
) -> MetricsServer {
    alys_metrics::exporter::serve_with(config, ProcessCollector::with_clock(source, clock))
        .await
        .expect("the exporter starts")
}

/// Starts the exporter on [`config`] with `limits`, over a healthy fake process source.
async fn start_limited(limits: Limits) -> MetricsServer {
    start_with(
        MetricsConfig { limits, ..config() },
        FakeSource::ok(),
        Arc::new(ManualClock::new()),
    )
    .await
}

// ---------------------------------------------------------------------------------------------
// A collector registered in this binary's registry that can panic or block while encoding.

static GATE_DESCRIPTOR: Descriptor = Descriptor::new(
    "alys_test_gate",
    "A test collector that can fail or hold a scrape.",
    Kind::Gauge,
)
.declared_at("tests::exporter::Gate", file!(), line!());

#[derive(Default)]
struct Gate {
    panic: AtomicBool,
    /// When set, the next encode reports that it started, then waits to be released.
    hold: Mutex<Option<(mpsc::Sender<()>, mpsc::Receiver<()>)>>,
}

impl Collect for Gate {
    fn descriptor(&self) -> &'static Descriptor {
        &GATE_DESCRIPTOR
    }
    fn init(&self) {}
    fn encode(&self, enc: &mut Encoder<'_>) {
        if self.panic.load(Ordering::SeqCst) {
            panic!("injected encoding failure");
        }
        let hold = self.hold.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some((started, release)) = hold {
            let _ = started.send(());
            let _ = release.recv();
        }
        enc.family(&GATE_DESCRIPTOR).sample(&[], 1_i64);
    }
    fn series_count(&self) -> usize {
        1
    }
}

fn gate() -> &'static Arc<Gate> {
    static GATE: OnceLock<Arc<Gate>> = OnceLock::new();
    GATE.get_or_init(|| {
        let gate = Arc::new(Gate::default());
        alys_metrics::registry()
            .register(gate.clone())
            .expect("the test collector registers");
        gate
    })
}

// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn metrics_are_served_as_text_gzip_and_head() {
    let _serial = SERIAL.lock().await;
    let server = start(FakeSource::ok(), Arc::new(ManualClock::new())).await;
    server.wait_ready().await;
    let addr = server.local_addr();

    let plain = get(addr, "/metrics").await;
    assert_eq!(plain.status, 200);
    assert_eq!(plain.header("content-type"), Some(TEXT_CONTENT_TYPE));
    assert_eq!(plain.header("content-encoding"), None);
    let text = plain.text();
    // The fake source's figures, as Prometheus reads them.
    for line in [
        "alys_cpu_usage_percent 12.5",
        "alys_thread_count 7",
        "process_threads 7",
        "process_open_fds 9",
        "process_max_fds 1024",
        "process_start_time_seconds 1700000000",
        "alys_system_memory_total_bytes 17179869184",
        "alys_process_health_status 0",
        "alys_collector_consecutive_failures 0",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "missing `{line}` in the scrape"
        );
    }
    assert_eq!(
        plain.header("content-length"),
        Some(plain.body.len().to_string().as_str())
    );

    let zipped = request(addr, "GET", "/metrics", &[("Accept-Encoding", "gzip")]).await;
    assert_eq!(zipped.status, 200);
    assert_eq!(zipped.header("content-type"), Some(TEXT_CONTENT_TYPE));
    assert_eq!(zipped.header("content-encoding"), Some("gzip"));
    assert!(zipped.body.len() < plain.body.len() / 4, "gzip compresses");
    let mut unzipped = String::new();
    flate2::read::GzDecoder::new(&zipped.body[..])
        .read_to_string(&mut unzipped)
        .expect("valid gzip");
    assert_eq!(unzipped, text, "gzip decodes to the same text");

    let refused = request(addr, "GET", "/metrics", &[("Accept-Encoding", "gzip;q=0")]).await;
    assert_eq!(refused.header("content-encoding"), None);

    let head = request(addr, "HEAD", "/metrics", &[]).await;
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-type"), Some(TEXT_CONTENT_TYPE));
    assert_eq!(
        head.header("content-length"),
        Some(plain.body.len().to_string().as_str()),
        "HEAD announces the GET body's length"
    );
    assert!(head.body.is_empty(), "HEAD has no body");

    for path in ["/health", "/ready"] {
        let head = request(addr, "HEAD", path, &[]).await;
        assert_eq!(head.status, 200, "HEAD {path}");
        assert!(head.body.is_empty(), "HEAD {path} has no body");
    }
    server.shutdown().await;
}

#[tokio::test]
async fn unknown_paths_are_404_and_other_methods_405() {
    let _serial = SERIAL.lock().await;
    let server = start(FakeSource::ok(), Arc::new(ManualClock::new())).await;
    let addr = server.local_addr();

    for (method, path) in [("GET", "/"), ("GET", "/metricsx"), ("POST", "/nope")] {
        let r = request(addr, method, path, &[]).await;
        assert_eq!(r.status, 404, "{method} {path}");
        assert!(r.text().contains("/metrics, /health and /ready"));
    }
    for (method, path) in [
        ("POST", "/metrics"),
        ("DELETE", "/health"),
        ("PUT", "/ready"),
    ] {
        let r = request(addr, method, path, &[("Content-Length", "0")]).await;
        assert_eq!(r.status, 405, "{method} {path}");
        assert_eq!(r.header("allow"), Some("GET, HEAD"));
        assert!(r.text().contains("use GET or HEAD"));
        assert!(
            !r.text().contains(method),
            "the body does not echo the method"
        );
    }
    // A long, made-up method is not repeated either: the body stays small and fixed.
    let long = "X".repeat(8000);
    let r = request(addr, &long, "/metrics", &[("Content-Length", "0")]).await;
    assert_eq!(r.status, 405);
    assert_eq!(r.text(), "method not allowed; use GET or HEAD\n");
    server.shutdown().await;
}

#[tokio::test]
async fn ready_follows_the_first_collection_and_shutdown() {
    let _serial = SERIAL.lock().await;
    let (release, hold) = mpsc::channel();
    let probe = Arc::new(());
    let source = FakeSource {
        hold_first_tick: Some(hold),
        _probe: probe.clone(),
        ..FakeSource::ok()
    };
    let server = start_with(
        MetricsConfig {
            drain: Duration::from_millis(500),
            ..config()
        },
        source,
        Arc::new(ManualClock::new()),
    )
    .await;
    let addr = server.local_addr();

    let before = get(addr, "/ready").await;
    assert_eq!(before.status, 503);
    assert!(before.text().contains("first resource collection"));
    let health = get(addr, "/health").await;
    assert_eq!(health.status, 200, "/health answers before the first tick");
    assert_eq!(json_field(&health.text(), "ready"), "false");

    release.send(()).expect("the collector waits");
    server.wait_ready().await;
    let after = get(addr, "/ready").await;
    assert_eq!((after.status, after.text().as_str()), (200, "ready\n"));

    server.begin_shutdown();
    let draining = get(addr, "/ready").await;
    assert_eq!(draining.status, 503);
    assert!(draining.text().contains("shutting down"));
    assert_eq!(get(addr, "/metrics").await.status, 200, "still serving");

    server.shutdown().await;
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "the listener is closed"
    );
    assert_eq!(
        Arc::strong_count(&probe),
        1,
        "the collector task stopped and dropped its source"
    );
}

#[tokio::test]
async fn health_degrades_after_300_s_without_a_successful_collection() {
    let _serial = SERIAL.lock().await;
    let clock = Arc::new(ManualClock::new());
    let server = start(FakeSource::failing(), clock.clone()).await;
    server.wait_ready().await;
    let addr = server.local_addr();

    let fresh = get(addr, "/health").await;
    assert_eq!(fresh.status, 200);
    assert_eq!(fresh.header("content-type"), Some("application/json"));
    let body = fresh.text();
    assert_eq!(json_field(&body, "status"), "healthy");
    assert_eq!(json_field(&body, "consecutive_failures"), "1");
    assert_eq!(json_field(&body, "total_failures"), "1");
    assert_eq!(json_field(&body, "has_succeeded"), "false");
    assert_eq!(json_field(&body, "process_health"), "unknown");
    assert_eq!(json_field(&body, "version"), env!("CARGO_PKG_VERSION"));
    let families = alys_metrics::registry().metrics_count().to_string();
    assert_eq!(json_field(&body, "metrics_count"), families);
    assert_eq!(get(addr, "/ready").await.status, 200, "the first tick ran");

    clock.advance(Duration::from_secs(300));
    let at_limit = get(addr, "/health").await.text();
    assert_eq!(
        json_field(&at_limit, "status"),
        "healthy",
        "300 s is the limit"
    );

    clock.advance(Duration::from_secs(1));
    let stale = get(addr, "/health").await;
    assert_eq!(stale.status, 200, "degraded is still 200");
    let body = stale.text();
    assert_eq!(json_field(&body, "status"), "degraded");
    assert!(json_field(&body, "seconds_since_success").starts_with("301."));
    assert!(body.contains("has not succeeded for 301 s"), "{body}");

    let scrape = get(addr, "/metrics").await.text();
    assert!(scrape
        .lines()
        .any(|l| l.starts_with("alys_collector_seconds_since_success 301")));
    server.shutdown().await;
}

#[tokio::test]
async fn health_degrades_when_the_process_health_is_not_read_for_300_s() {
    let _serial = SERIAL.lock().await;
    let clock = Arc::new(ManualClock::new());
    let source = FakeSource {
        process_fails: true,
        ..FakeSource::ok()
    };
    let server = start(source, clock.clone()).await;
    server.wait_ready().await;
    let addr = server.local_addr();

    let body = get(addr, "/health").await.text();
    assert_eq!(json_field(&body, "status"), "healthy", "{body}");
    assert_eq!(json_field(&body, "process_health"), "unknown");

    // The collection succeeds in part (four of five) but the process's health stays unknown
    // for over 300 s: degraded, and the reason says which sub-collections to look at. (These
    // tests tick once, so the collection is stale by then too; tests/solo/collector.rs shows the
    // process's health going stale while other ticks succeed.)
    clock.advance(Duration::from_secs(301));
    let reply = get(addr, "/health").await;
    assert_eq!(reply.status, 200, "degraded is still 200");
    let body = reply.text();
    assert_eq!(json_field(&body, "status"), "degraded", "{body}");
    assert_eq!(json_field(&body, "has_succeeded"), "true");
    assert!(
        body.contains("process's health has not been read for over 300 s"),
        "{body}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn health_follows_the_process_health() {
    let _serial = SERIAL.lock().await;
    let cases = [
        (10.0, 10.0, 200, "healthy", "healthy"),
        (85.0, 10.0, 200, "degraded", "warning"),
        (10.0, 75.0, 200, "degraded", "warning"),
        (95.0, 10.0, 503, "unhealthy", "critical"),
        (10.0, 92.0, 503, "unhealthy", "critical"),
    ];
    for (memory_percent, relative_cpu, code, status, process) in cases {
        let source = FakeSource {
            memory_percent,
            cpu_percent: relative_cpu * 4.0,
            cpu_count: 4,
            ..FakeSource::ok()
        };
        let server = start(source, Arc::new(ManualClock::new())).await;
        server.wait_ready().await;
        let r = get(server.local_addr(), "/health").await;
        let body = r.text();
        let case = format!("memory {memory_percent} %, cpu {relative_cpu} %: {body}");
        assert_eq!(r.status, code, "{case}");
        assert_eq!(json_field(&body, "status"), status, "{case}");
        assert_eq!(json_field(&body, "process_health"), process, "{case}");
        let scrape = get(server.local_addr(), "/metrics").await.text();
        let gauge = match process {
            "healthy" => "alys_process_health_status 0",
            "warning" => "alys_process_health_status 1",
            _ => "alys_process_health_status 2",
        };
        assert!(scrape.lines().any(|l| l == gauge), "{case}");
        server.shutdown().await;
    }
}

#[tokio::test]
async fn an_encoding_failure_is_a_500_and_the_server_goes_on() {
    let _serial = SERIAL.lock().await;
    let gate = gate();
    let server = start(FakeSource::ok(), Arc::new(ManualClock::new())).await;
    let addr = server.local_addr();

    gate.panic.store(true, Ordering::SeqCst);
    let failed = get(addr, "/metrics").await;
    gate.panic.store(false, Ordering::SeqCst);
    assert_eq!(failed.status, 500);
    let message = failed.text();
    assert!(
        message.contains("a collector panicked: injected encoding failure"),
        "{message}"
    );

    let next = get(addr, "/metrics").await;
    assert_eq!(next.status, 200);
    assert!(next.text().lines().any(|l| l == "alys_test_gate 1"));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_lets_an_in_flight_scrape_finish() {
    let _serial = SERIAL.lock().await;
    let gate = gate();
    let server = start(FakeSource::ok(), Arc::new(ManualClock::new())).await;
    server.wait_ready().await;
    let addr = server.local_addr();

    let (started_tx, started_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel();
    *gate.hold.lock().unwrap_or_else(|p| p.into_inner()) = Some((started_tx, release_rx));
    let scrape = tokio::spawn(get(addr, "/metrics"));
    tokio::task::spawn_blocking(move || started_rx.recv())
        .await
        .expect("join")
        .expect("the scrape reached the encoder");

    let stopping = tokio::spawn(server.shutdown());
    // The listener closes while the scrape is held...
    while TcpStream::connect(addr).await.is_ok() {
        tokio::task::yield_now().await;
    }
    assert!(!stopping.is_finished(), "shutdown waits for the scrape");
    // ... and the scrape completes once released.
    release_tx.send(()).expect("the encoder waits");
    let reply = scrape.await.expect("join");
    assert_eq!(reply.status, 200);
    let text = reply.text();
    assert!(text.lines().any(|l| l == "alys_test_gate 1"));
    assert!(text.ends_with('\n'));
    stopping.await.expect("shutdown completes");
}

#[tokio::test]
async fn broken_connections_and_the_connection_cap_are_not_fatal() {
    let _serial = SERIAL.lock().await;
    let server = start_limited(Limits {
        header_read_timeout: Duration::from_millis(300),
        ..Limits::default()
    })
    .await;
    let addr = server.local_addr();

    // Garbage instead of HTTP: answered with 400 or closed, never fatal.
    let mut garbage = TcpStream::connect(addr).await.expect("connect");
    garbage
        .write_all(b"\x16\x03\x01 not http at all\r\n\r\n")
        .await
        .expect("send");
    let mut raw = Vec::new();
    let _ = garbage.read_to_end(&mut raw).await;
    assert!(raw.is_empty() || raw.starts_with(b"HTTP/1.1 400"));

    // A client that starts a request and vanishes.
    let mut vanishing = TcpStream::connect(addr).await.expect("connect");
    vanishing
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: x")
        .await
        .expect("send");
    drop(vanishing);

    // A client that sends nothing is closed after the first-byte timeout (1 s).
    let mut silent = TcpStream::connect(addr).await.expect("connect");
    let mut buf = [0u8; 64];
    let n = silent.read(&mut buf).await.unwrap_or(0);
    assert_eq!(n, 0, "the silent connection is closed");

    assert_eq!(get(addr, "/metrics").await.status, 200, "still serving");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_exporter_makes_room_or_answers_503_never_silence() {
    let _serial = SERIAL.lock().await;
    let gate = gate();
    let server = start_limited(Limits {
        max_connections: 1,
        ..Limits::default()
    })
    .await;
    let addr = server.local_addr();

    // The only slot is held by a connection that sends nothing: a newcomer is served at once,
    // and the waiting connection is closed to make room.
    let mut hog = TcpStream::connect(addr).await.expect("connect");
    tokio::time::sleep(Duration::from_millis(50)).await;
    let reply = tokio::time::timeout(Duration::from_millis(900), get(addr, "/ready"))
        .await
        .expect("the newcomer is answered without waiting for the hog");
    assert_eq!(reply.status, 200);
    let mut buf = [0u8; 16];
    let closed = tokio::time::timeout(Duration::from_millis(900), hog.read(&mut buf))
        .await
        .expect("the waiting connection is closed, not left open");
    assert_eq!(closed.unwrap_or(0), 0);

    // The slot is busy answering a scrape: the newcomer gets a quick 503 with Retry-After.
    let (started_tx, started_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel();
    *gate.hold.lock().unwrap_or_else(|p| p.into_inner()) = Some((started_tx, release_rx));
    let scrape = tokio::spawn(get(addr, "/metrics"));
    tokio::task::spawn_blocking(move || started_rx.recv())
        .await
        .expect("join")
        .expect("the scrape reached the encoder");
    let refused = tokio::time::timeout(Duration::from_millis(900), get(addr, "/ready"))
        .await
        .expect("the refused client is answered");
    assert_eq!(refused.status, 503);
    assert_eq!(refused.header("retry-after"), Some("1"));
    assert_eq!(refused.header("connection"), Some("close"));
    release_tx.send(()).expect("the encoder waits");
    assert_eq!(
        scrape.await.expect("join").status,
        200,
        "the busy scrape finished"
    );
    assert_eq!(
        get(addr, "/ready").await.status,
        200,
        "the slot is free again"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn one_peer_address_cannot_take_every_slot() {
    let _serial = SERIAL.lock().await;
    let server = start_limited(Limits {
        max_connections_per_peer: 2,
        ..Limits::default()
    })
    .await;
    let addr = server.local_addr();
    // Two idle connections from 127.0.0.1: a third from that address is refused with 503...
    let a = TcpStream::connect(addr).await.expect("connect");
    let b = TcpStream::connect(addr).await.expect("connect");
    tokio::time::sleep(Duration::from_millis(50)).await;
    let refused = get(addr, "/ready").await;
    assert_eq!(refused.status, 503);
    assert!(refused
        .text()
        .contains("too many connections from your address"));
    // ... while another loopback address is served.
    let socket = tokio::net::TcpSocket::new_v4().expect("a socket");
    socket
        .bind("127.0.0.2:0".parse().expect("an address"))
        .expect("bind 127.0.0.2");
    let mut other = socket.connect(addr).await.expect("connect");
    other
        .write_all(b"GET /ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .expect("send");
    let mut raw = Vec::new();
    other.read_to_end(&mut raw).await.expect("receive");
    assert!(
        raw.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&raw)
    );
    drop((a, b));
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(
        get(addr, "/ready").await.status,
        200,
        "closing frees the address's places"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn kept_alive_connections_are_capped_in_idle_time_and_requests() {
    let _serial = SERIAL.lock().await;
    let server = start_limited(Limits {
        keep_alive_timeout: Duration::from_millis(400),
        max_requests_per_connection: 3,
        ..Limits::default()
    })
    .await;
    server.wait_ready().await;
    let addr = server.local_addr();
    let ask = format!("GET /ready HTTP/1.1\r\nHost: {addr}\r\n\r\n");

    // Three requests on one connection: the third answer says `Connection: close`, and the
    // connection ends after it.
    let mut conn = TcpStream::connect(addr).await.expect("connect");
    conn.write_all(ask.repeat(3).as_bytes())
        .await
        .expect("send");
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), conn.read_to_end(&mut raw))
        .await
        .expect("the connection closes after its third request")
        .expect("receive");
    let text = String::from_utf8_lossy(&raw);
    assert_eq!(text.matches("HTTP/1.1 200 OK").count(), 3, "{text}");
    assert_eq!(
        text.to_ascii_lowercase()
            .matches("connection: close")
            .count(),
        1
    );

    // An idle kept-alive connection is closed after the keep-alive timeout.
    let mut idle = TcpStream::connect(addr).await.expect("connect");
    idle.write_all(ask.as_bytes()).await.expect("send");
    let mut buf = vec![0u8; 4096];
    let n = idle.read(&mut buf).await.expect("an answer");
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
    let started = std::time::Instant::now();
    let rest = tokio::time::timeout(Duration::from_secs(5), idle.read(&mut buf))
        .await
        .expect("the idle connection is closed");
    assert_eq!(rest.unwrap_or(0), 0);
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn draining_keeps_serving_with_ready_503_then_closes_and_finishes_scrapes() {
    let _serial = SERIAL.lock().await;
    let gate = gate();
    let drain = Duration::from_millis(1500);
    let server = start_with(
        MetricsConfig { drain, ..config() },
        FakeSource::ok(),
        Arc::new(ManualClock::new()),
    )
    .await;
    server.wait_ready().await;
    let addr = server.local_addr();
    assert_eq!(get(addr, "/ready").await.status, 200);

    let began = std::time::Instant::now();
    server.begin_shutdown();
    // During the drain period new connections are accepted: /ready says 503, the rest serves.
    let ready = get(addr, "/ready").await;
    assert_eq!(ready.status, 503);
    assert!(ready.text().contains("shutting down"));
    assert_eq!(get(addr, "/metrics").await.status, 200);
    assert_eq!(get(addr, "/health").await.status, 200);

    // A scrape still in flight when the drain period ends...
    let (started_tx, started_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel();
    *gate.hold.lock().unwrap_or_else(|p| p.into_inner()) = Some((started_tx, release_rx));
    let scrape = tokio::spawn(get(addr, "/metrics"));
    tokio::task::spawn_blocking(move || started_rx.recv())
        .await
        .expect("join")
        .expect("the scrape reached the encoder");
    assert_eq!(get(addr, "/ready").await.status, 503, "still draining");

    // ... then the listener closes, not before the drain period is over.
    let closed_after = loop {
        match TcpStream::connect(addr).await {
            Ok(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            Err(_) => break began.elapsed(),
        }
        assert!(
            began.elapsed() < drain + Duration::from_secs(5),
            "the listener closes"
        );
    };
    assert!(
        closed_after >= drain,
        "closed after {closed_after:?}, before the drain period"
    );

    let stopping = tokio::spawn(server.shutdown());
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        !stopping.is_finished(),
        "shutdown waits for the scrape in flight"
    );
    release_tx.send(()).expect("the encoder waits");
    let reply = scrape.await.expect("join");
    assert_eq!(reply.status, 200, "the in-flight scrape completes");
    assert!(reply.text().lines().any(|l| l == "alys_test_gate 1"));
    stopping.await.expect("shutdown completes");
}

#[tokio::test]
async fn clients_that_stop_reading_cannot_block_other_scrapes() {
    let _serial = SERIAL.lock().await;
    let server = start_limited(Limits {
        max_connections: 2,
        write_timeout: Duration::from_millis(300),
        ..Limits::default()
    })
    .await;
    let addr = server.local_addr();

    // Two clients take both connection slots, pipeline 200 scrapes each (far more than the
    // socket buffers hold) and never read an answer.
    let pipelined = format!("GET /metrics HTTP/1.1\r\nHost: {addr}\r\n\r\n").repeat(200);
    let mut hogs = Vec::new();
    for _ in 0..2 {
        let socket = tokio::net::TcpSocket::new_v4().expect("a socket");
        socket.set_recv_buffer_size(4096).expect("a small buffer");
        let mut hog = socket.connect(addr).await.expect("connect");
        hog.write_all(pipelined.as_bytes()).await.expect("send");
        hogs.push(hog);
    }

    // While both slots are busy a newcomer is told 503 with Retry-After (never left waiting);
    // the stalled responses time out and free the slots, so a retrying scrape is served. The
    // bound only keeps a regression from hanging the test run; it is not a timing assertion.
    let reply = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            let reply = get(addr, "/metrics").await;
            if reply.status != 503 {
                return reply;
            }
            assert_eq!(reply.header("retry-after"), Some("1"));
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await
    .expect("a scrape is served although two clients stopped reading");
    assert_eq!(reply.status, 200);
    assert!(reply.text().lines().any(|l| l.starts_with("alys_")));

    // The stalled connections were closed: give them the write timeout (and a margin) to
    // stall, then reading them ends (at EOF or with a reset) after far fewer than the 200
    // answers they asked for.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    for mut hog in hogs {
        let mut received = Vec::new();
        let _ = hog.read_to_end(&mut received).await;
        let answers = received
            .windows(15)
            .filter(|w| w == b"HTTP/1.1 200 OK")
            .count();
        assert!(
            answers < 200,
            "{answers} answers reached a client that never read"
        );
    }
    server.shutdown().await;
}

#[tokio::test]
async fn start_up_errors_say_how_to_fix_them() {
    let _serial = SERIAL.lock().await;
    let server = start(FakeSource::ok(), Arc::new(ManualClock::new())).await;
    let taken = MetricsConfig {
        bind: server.local_addr(),
        ..config()
    };
    let err = alys_metrics::exporter::serve_with(taken, ProcessCollector::new(FakeSource::ok()))
        .await
        .expect_err("the port is taken");
    assert!(matches!(err, ServeError::Bind { .. }));
    let message = err.to_string();
    assert!(message.contains(&server.local_addr().to_string()));
    assert!(message.contains("port 0 picks one"), "{message}");

    let zero = MetricsConfig {
        collection_interval: Duration::ZERO,
        ..config()
    };
    let err = alys_metrics::serve(zero).await.expect_err("zero interval");
    assert!(err.to_string().contains("collection_interval"), "{err}");
    let no_write_time = MetricsConfig {
        limits: Limits {
            write_timeout: Duration::ZERO,
            ..Limits::default()
        },
        ..config()
    };
    let err = alys_metrics::serve(no_write_time)
        .await
        .expect_err("zero write timeout");
    assert!(err.to_string().contains("limits.write_timeout"), "{err}");

    assert_eq!(
        MetricsConfig::default().bind,
        "127.0.0.1:9001".parse::<SocketAddr>().expect("an address")
    );
    assert_eq!(
        MetricsConfig::default().collection_interval,
        Duration::from_secs(5)
    );
    server.shutdown().await;
}
