//! TLS, authentication and the allow-list over real connections on 127.0.0.1, with
//! certificates generated here (rcgen), and a real Prometheus scraping over TLS with
//! `basic_auth` (and, against a second exporter, client certificates) from its own scrape
//! configuration.
//!
//! The tests that serve hold `crate::serial()`: an exporter runs the resource collector, whose
//! ticks write process-wide gauges and state that other modules' tests assert on.
//!
//! The Prometheus test needs the Debian package's `/usr/bin/prometheus`: without it the test
//! prints a notice and passes, unless `ALYS_REQUIRE_PROMTOOL=1` (CI), which makes it fail.
#![cfg(feature = "tls")]

use std::io::{Read as _, Write as _};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::tls::{basic, client_config, pki, TempDir};
use alys_metrics::exporter::{Access, IpNet, ServeError, WebConfig};
use alys_metrics::{MetricsConfig, MetricsServer};
use rustls_pki_types::ServerName;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio_rustls::rustls;

const USER: &str = "prometheus";
const PASSWORD: &str = "correct horse battery staple";

// ---------------------------------------------------------------------------------------------
// Certificates and files.

fn hash(password: &str) -> String {
    // Cost 4, the lowest the exporter takes, keeps the test quick.
    bcrypt::hash(password, 4).expect("bcrypt")
}

fn web_config(dir: &TempDir, extra_tls: &str) -> WebConfig {
    let path = dir.write(
        "web-config.yml",
        &format!(
            "tls_server_config:\n  cert_file: node.crt\n  key_file: node.key\n{extra_tls}\
             basic_auth_users:\n  {USER}: {}\n",
            hash(PASSWORD)
        ),
    );
    WebConfig::from_file(path).expect("the web config loads")
}

async fn serve(access: Access) -> MetricsServer {
    let server = alys_metrics::serve(MetricsConfig {
        bind: "127.0.0.1:0".parse().expect("an address"),
        drain: Duration::ZERO,
        access,
        ..MetricsConfig::default()
    })
    .await
    .expect("the exporter starts");
    server.wait_ready().await;
    server
}

// ---------------------------------------------------------------------------------------------
// A TLS client.

struct Reply {
    status: u16,
    head: String,
    body: String,
}

async fn tls_get(
    addr: SocketAddr,
    config: &Arc<rustls::ClientConfig>,
    path: &str,
    authorization: Option<&str>,
) -> std::io::Result<Reply> {
    let tcp = TcpStream::connect(addr).await?;
    let connector = tokio_rustls::TlsConnector::from(Arc::clone(config));
    let name = ServerName::IpAddress(Ipv4Addr::LOCALHOST.into());
    let mut tls = connector.connect(name, tcp).await?;
    let auth = authorization
        .map(|a| format!("Authorization: {a}\r\n"))
        .unwrap_or_default();
    tls.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Connection: close\r\n\r\n")
            .as_bytes(),
    )
    .await?;
    let mut raw = Vec::new();
    // The server may close without close_notify after the answer; what arrived counts.
    let read = tls.read_to_end(&mut raw).await;
    if raw.is_empty() {
        read?;
    }
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").ok_or_else(|| {
        std::io::Error::new(std::io::ErrorKind::InvalidData, format!("no head: {raw:?}"))
    })?;
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Ok(Reply {
        status,
        head: head.to_ascii_lowercase(),
        body: body.to_owned(),
    })
}

async fn plain_get(addr: SocketAddr, path: &str) -> std::io::Result<Vec<u8>> {
    let mut s = TcpStream::connect(addr).await?;
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n").as_bytes())
        .await?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await?;
    Ok(raw)
}

// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn tls_with_basic_auth_and_a_bearer_token() {
    let _serial = crate::serial();
    let dir = TempDir::new("auth");
    pki(&dir);
    let server = serve(Access {
        bearer_token: Some("tok-9f2c".into()),
        web_config: Some(web_config(&dir, "")),
        ..Access::default()
    })
    .await;
    let addr = server.local_addr();
    let client = client_config(&dir, false);

    let ok = tls_get(addr, &client, "/metrics", Some(&basic(USER, PASSWORD)))
        .await
        .expect("a TLS scrape");
    assert_eq!(ok.status, 200, "{}", ok.head);
    assert!(ok.body.lines().any(|l| l.starts_with("alys_")));
    // Again: the cached check answers the same.
    let again = tls_get(addr, &client, "/metrics", Some(&basic(USER, PASSWORD)))
        .await
        .expect("a TLS scrape");
    assert_eq!(again.status, 200);
    let bearer = tls_get(addr, &client, "/metrics", Some("Bearer tok-9f2c"))
        .await
        .expect("a TLS scrape");
    assert_eq!(bearer.status, 200);

    for auth in [
        None,
        Some(basic(USER, "wrong")),
        Some(basic("nobody", PASSWORD)),
        Some(basic(USER, &format!("{PASSWORD}x"))),
        Some("Bearer tok-9f2".to_owned()),
        Some("Basic !!!not-base64".to_owned()),
        Some("Digest whatever".to_owned()),
    ] {
        let r = tls_get(addr, &client, "/metrics", auth.as_deref())
            .await
            .expect("an answer");
        assert_eq!(r.status, 401, "{auth:?}");
        assert!(
            r.head.contains("www-authenticate: basic realm="),
            "{}",
            r.head
        );
        assert!(!r.body.contains("alys_"), "no metrics without credentials");
    }

    // /health: only the status without credentials; the detail with them.
    let bare = tls_get(addr, &client, "/health", None)
        .await
        .expect("health");
    assert_eq!(bare.status, 200);
    assert_eq!(bare.body.trim(), "{\"status\":\"healthy\"}");
    let full = tls_get(addr, &client, "/health", Some(&basic(USER, PASSWORD)))
        .await
        .expect("health");
    for field in [
        "\"pid\":",
        "\"version\":",
        "\"memory_bytes\":",
        "\"collector\":",
    ] {
        assert!(full.body.contains(field), "{field} in {}", full.body);
    }
    // /ready stays open for orchestrator probes.
    let ready = tls_get(addr, &client, "/ready", None).await.expect("ready");
    assert_eq!(ready.status, 200);

    // Plain HTTP to the TLS port: told so, never served.
    let plain = plain_get(addr, "/metrics").await.unwrap_or_default();
    let plain = String::from_utf8_lossy(&plain);
    assert!(plain.starts_with("HTTP/1.0 400"), "{plain}");
    assert!(plain.contains("HTTP request to an HTTPS server"), "{plain}");
    assert!(!plain.contains("alys_"));
    server.shutdown().await;
}

#[tokio::test]
async fn client_certificates_are_required_when_configured() {
    let _serial = crate::serial();
    let dir = TempDir::new("mtls");
    pki(&dir);
    let web = web_config(
        &dir,
        "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n",
    );
    assert!(web.requires_client_certificates());
    let server = serve(Access {
        web_config: Some(web),
        ..Access::default()
    })
    .await;
    let addr = server.local_addr();

    let with_cert = tls_get(
        addr,
        &client_config(&dir, true),
        "/metrics",
        Some(&basic(USER, PASSWORD)),
    )
    .await
    .expect("a scrape with a client certificate");
    assert_eq!(with_cert.status, 200);
    let without = tls_get(
        addr,
        &client_config(&dir, false),
        "/metrics",
        Some(&basic(USER, PASSWORD)),
    )
    .await;
    assert!(
        without.is_err(),
        "a client without a certificate is refused at the handshake"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn the_allow_list_closes_other_addresses_at_once() {
    let _serial = crate::serial();
    let server = serve(Access {
        allow: vec!["127.0.0.2/32".parse::<IpNet>().expect("a range")],
        ..Access::default()
    })
    .await;
    let addr = server.local_addr();
    let refused = plain_get(addr, "/metrics").await.unwrap_or_default();
    assert!(refused.is_empty(), "127.0.0.1 is closed without an answer");

    let socket = tokio::net::TcpSocket::new_v4().expect("a socket");
    socket
        .bind("127.0.0.2:0".parse().expect("an address"))
        .expect("bind 127.0.0.2");
    let mut s = socket.connect(addr).await.expect("connect");
    s.write_all(b"GET /ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .expect("send");
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await.expect("receive");
    assert!(raw.starts_with(b"HTTP/1.1 200"));
    server.shutdown().await;
}

#[test]
fn bad_web_config_files_are_refused_naming_the_field() {
    let dir = TempDir::new("bad");
    pki(&dir);
    let good_hash = hash("pw");
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        ("empty", String::new(), vec!["is empty"]),
        ("not-yaml", "tls_server_config: [unclosed".into(), vec!["not-yaml.yml"]),
        (
            "typo",
            "tls_server_config:\n  cert_fil: node.crt\n  key_file: node.key\n".into(),
            vec!["unknown field `cert_fil`", "cert_file"],
        ),
        (
            "unknown-top",
            "tls_config:\n  cert_file: node.crt\n".into(),
            vec!["unknown field `tls_config`"],
        ),
        (
            "no-key",
            "tls_server_config:\n  cert_file: node.crt\n".into(),
            vec!["`tls_server_config.key_file`: is missing"],
        ),
        (
            "missing-cert",
            "tls_server_config:\n  cert_file: nowhere.crt\n  key_file: node.key\n".into(),
            vec!["`tls_server_config.cert_file`", "nowhere.crt"],
        ),
        (
            "key-is-a-cert",
            "tls_server_config:\n  cert_file: node.crt\n  key_file: ca.crt\n".into(),
            vec!["`tls_server_config.key_file`"],
        ),
        (
            "wrong-key",
            "tls_server_config:\n  cert_file: node.crt\n  key_file: client.key\n".into(),
            vec!["`tls_server_config.key_file`", "does not fit"],
        ),
        (
            "old-tls",
            "tls_server_config:\n  cert_file: node.crt\n  key_file: node.key\n  min_version: TLS11\n"
                .into(),
            vec!["`tls_server_config.min_version`", "TLS11"],
        ),
        (
            "auth-type",
            "tls_server_config:\n  cert_file: node.crt\n  key_file: node.key\n  client_auth_type: Sometimes\n"
                .into(),
            vec!["`tls_server_config.client_auth_type`", "Sometimes"],
        ),
        (
            "unverified-clients",
            "tls_server_config:\n  cert_file: node.crt\n  key_file: node.key\n  client_auth_type: RequireAnyClientCert\n"
                .into(),
            vec!["`tls_server_config.client_auth_type`", "nobody verified"],
        ),
        (
            "no-client-ca",
            "tls_server_config:\n  cert_file: node.crt\n  key_file: node.key\n  client_auth_type: RequireAndVerifyClientCert\n"
                .into(),
            vec!["`tls_server_config.client_ca_file`: is missing"],
        ),
        (
            "suites",
            "tls_server_config:\n  cert_file: node.crt\n  key_file: node.key\n  cipher_suites: [TLS_AES_128_GCM_SHA256]\n"
                .into(),
            vec!["`tls_server_config.cipher_suites`", "not supported"],
        ),
        (
            "http2",
            "http_server_config:\n  http2: true\nbasic_auth_users:\n  a: HASH\n".into(),
            vec!["`http_server_config`"],
        ),
        (
            "bad-hash",
            "basic_auth_users:\n  prometheus: plaintext-password\n".into(),
            vec!["`basic_auth_users.prometheus`", "not a bcrypt hash", "htpasswd"],
        ),
        (
            "colon-user",
            "basic_auth_users:\n  \"a:b\": HASH\n".into(),
            vec!["`basic_auth_users.a:b`"],
        ),
        (
            "no-users",
            "basic_auth_users: {}\n".into(),
            vec!["`basic_auth_users`", "is empty"],
        ),
    ];
    for (name, text, says) in cases {
        let path = dir.write(&format!("{name}.yml"), &text.replace("HASH", &good_hash));
        let err = WebConfig::from_file(&path).expect_err(name);
        assert!(matches!(err, ServeError::WebConfig(_)), "{name}: {err:?}");
        let message = err.to_string();
        assert!(message.starts_with("invalid web config: "), "{message}");
        for s in says {
            assert!(
                message.contains(s),
                "{name}: {message:?} should contain {s:?}"
            );
        }
        if !text.is_empty() {
            assert!(
                message.contains(&format!("{name}.yml")),
                "{name}: {message}"
            );
        }
    }
    let missing = WebConfig::from_file(dir.0.join("absent.yml")).expect_err("absent");
    assert!(missing.to_string().contains("absent.yml"), "{missing}");

    // And a good file with only basic auth serves plain HTTP.
    let ok = dir.write(
        "basic-only.yml",
        &format!("basic_auth_users:\n  a: {good_hash}\n"),
    );
    let web = WebConfig::from_file(ok).expect("a basic-auth-only file loads");
    assert!(!web.tls_enabled());
}

// ---------------------------------------------------------------------------------------------
// A real Prometheus.

/// A child process, killed when dropped.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// `GET path` on Prometheus's own (plain) API: the body.
fn api_get(addr: SocketAddr, path: &str) -> Result<String, String> {
    let mut s = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(5))
        .map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .map_err(|e| e.to_string())?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).map_err(|e| e.to_string())?;
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").ok_or("no head")?;
    if !head.starts_with("HTTP/1.0 200") && !head.starts_with("HTTP/1.1 200") {
        return Err(head.to_owned());
    }
    Ok(body.to_owned())
}

/// Each job's target health and last error, from `/api/v1/targets`.
fn targets(prom: SocketAddr) -> Result<Vec<(String, String, String)>, String> {
    let body = api_get(prom, "/api/v1/targets?state=active")?;
    let json: serde_json::Value = serde_json::from_str(&body).map_err(|e| e.to_string())?;
    let list = json["data"]["activeTargets"]
        .as_array()
        .ok_or("no activeTargets")?;
    Ok(list
        .iter()
        .map(|t| {
            (
                t["labels"]["job"].as_str().unwrap_or("").to_owned(),
                t["health"].as_str().unwrap_or("").to_owned(),
                t["lastError"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect())
}

fn query_up(prom: SocketAddr, job: &str) -> Result<String, String> {
    let body = api_get(
        prom,
        &format!("/api/v1/query?query=up%7Bjob%3D%22{job}%22%7D"),
    )?;
    let json: serde_json::Value = serde_json::from_str(&body).map_err(|e| e.to_string())?;
    json["data"]["result"][0]["value"][1]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("no sample of up{{job={job:?}}} yet"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_scrapes_over_tls_with_basic_auth() {
    let _serial = crate::serial();
    let releases = crate::tools::releases("prometheus");
    if releases.is_empty() {
        return;
    }
    let dir = TempDir::new("prom");
    pki(&dir);
    let server = serve(Access {
        web_config: Some(web_config(&dir, "")),
        ..Access::default()
    })
    .await;
    let target = server.local_addr();
    // A second exporter that also requires client certificates from the test CA.
    let mtls = serve(Access {
        web_config: Some(web_config(
            &dir,
            "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n",
        )),
        ..Access::default()
    })
    .await;
    let mtls_target = mtls.local_addr();
    let (client_crt, client_key) = (dir.0.join("client.crt"), dir.0.join("client.key"));
    let ca = dir.0.join("ca.crt");
    let password_file = dir.write("password", PASSWORD);
    let wrong_file = dir.write("wrong-password", "not the password");
    let config = format!(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n\
         - job_name: good\n  scheme: https\n  tls_config:\n    ca_file: {ca}\n  basic_auth:\n    username: {USER}\n    password_file: {pw}\n  static_configs:\n  - targets: [\"{target}\"]\n\
         - job_name: wrong_password\n  scheme: https\n  tls_config:\n    ca_file: {ca}\n  basic_auth:\n    username: {USER}\n    password_file: {wrong}\n  static_configs:\n  - targets: [\"{target}\"]\n\
         - job_name: plain_http\n  scheme: http\n  basic_auth:\n    username: {USER}\n    password_file: {pw}\n  static_configs:\n  - targets: [\"{target}\"]\n\
         - job_name: client_cert\n  scheme: https\n  tls_config:\n    ca_file: {ca}\n    cert_file: {crt}\n    key_file: {key}\n  basic_auth:\n    username: {USER}\n    password_file: {pw}\n  static_configs:\n  - targets: [\"{mtls_target}\"]\n\
         - job_name: no_client_cert\n  scheme: https\n  tls_config:\n    ca_file: {ca}\n  basic_auth:\n    username: {USER}\n    password_file: {pw}\n  static_configs:\n  - targets: [\"{mtls_target}\"]\n",
        crt = client_crt.display(),
        key = client_key.display(),
        ca = ca.display(),
        pw = password_file.display(),
        wrong = wrong_file.display(),
    );
    let config_path = dir.write("prometheus.yml", &config);
    // Each release of Prometheus in turn, on a blocking thread while the exporters serve on
    // this runtime; a failure names the release.
    for release in releases {
        let (config_path, data) = (
            config_path.clone(),
            dir.0.join(format!("data-{}", release.major)),
        );
        let log = dir.0.join(format!("prometheus-{}.log", release.major));
        tokio::task::spawn_blocking(move || {
            crate::tools::on_release(&release, || {
                scrapes_over_tls(&release.path, &config_path, &data, &log)
            })
        })
        .await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
    }
    server.shutdown().await;
    mtls.shutdown().await;
}

/// One Prometheus (`bin`) on `config` scrapes the TLS exporters: each job's health, its last
/// error and `up` as the configuration of [`prometheus_scrapes_over_tls_with_basic_auth`]
/// expects.
fn scrapes_over_tls(bin: &Path, config_path: &Path, data: &Path, log: &Path) {
    let prom_addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
    let child = Command::new(bin)
        .arg(format!("--config.file={}", config_path.display()))
        .arg(format!("--storage.tsdb.path={}", data.display()))
        .arg(format!("--web.listen-address={prom_addr}"))
        .arg("--log.level=warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).expect("a log file"))
        .spawn()
        .expect("start prometheus");
    let _prom = Proc(child);

    // Wait (bounded) until every job has been scraped at least once.
    let deadline = Instant::now() + Duration::from_secs(60);
    let seen = loop {
        let seen = targets(prom_addr);
        if let Ok(list) = &seen {
            if list.len() == 5 && list.iter().all(|(_, health, _)| health != "unknown") {
                break list.clone();
            }
        }
        assert!(
            Instant::now() < deadline,
            "Prometheus did not scrape every job within 60 s: {seen:?}; its log:\n{}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(300));
    };
    let job = |name: &str| {
        seen.iter()
            .find(|(j, _, _)| j == name)
            .cloned()
            .unwrap_or_else(|| panic!("no target for job {name}: {seen:?}"))
    };
    let (_, health, error) = job("good");
    assert_eq!(health, "up", "the TLS + basic_auth scrape works: {error}");
    let (_, health, error) = job("wrong_password");
    assert_eq!(health, "down");
    assert!(error.contains("401"), "a wrong password is a 401: {error}");
    let (_, health, error) = job("plain_http");
    assert_eq!(health, "down");
    assert!(
        error.contains("400"),
        "plain HTTP to the TLS port fails: {error}"
    );

    let (_, health, error) = job("client_cert");
    assert_eq!(
        health, "up",
        "a scraper with a client certificate is served: {error}"
    );
    let (_, health, error) = job("no_client_cert");
    assert_eq!(health, "down");
    assert!(
        !error.is_empty(),
        "the handshake without a certificate fails"
    );

    // The same through the query API, as an operator would see it.
    let mut up = Vec::new();
    for j in [
        "good",
        "wrong_password",
        "plain_http",
        "client_cert",
        "no_client_cert",
    ] {
        let v = query_up(prom_addr, j);
        up.push((j, v));
    }
    assert_eq!(
        up,
        vec![
            ("good", Ok("1".to_owned())),
            ("wrong_password", Ok("0".to_owned())),
            ("plain_http", Ok("0".to_owned())),
            ("client_cert", Ok("1".to_owned())),
            ("no_client_cert", Ok("0".to_owned())),
        ]
    );
}
