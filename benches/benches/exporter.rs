//! The exporter's TLS cost: one full-catalogue `GET /metrics` on a kept-alive connection,
//! over TLS (rustls, ring, TLS 1.3) against plain HTTP, in the same run (issue 13's goal:
//! TLS <= 1.3x plain).
//!
//! `cargo bench -p alys-metrics-benches --bench exporter`. The exporter runs on a 1-worker
//! tokio runtime; the client is a blocking socket on the bench thread (rustls's own blocking
//! stream for TLS, over a 64 KiB read buffer), so each iteration is a request sent, encoded
//! and read back, and the TLS figure includes the client's decryption.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use alys_metrics::exporter::{Access, Limits, WebConfig};
use alys_metrics::MetricsConfig;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rcgen::{CertificateParams, KeyPair, SanType};
use rustls::pki_types::{CertificateDer, ServerName};

/// Pairs of scrapes (one plain, one TLS) of the interleaved comparison.
const INTERLEAVED: usize = 3000;

/// Sends `GET /metrics` and reads the whole answer; returns the body's length.
fn scrape<S: Read + Write>(s: &mut S, buf: &mut Vec<u8>) -> usize {
    request(s, buf, false)
}

/// As [`scrape`], asking for gzip when `gzip` is set (as Prometheus does).
fn request<S: Read + Write>(s: &mut S, buf: &mut Vec<u8>, gzip: bool) -> usize {
    let ask: &[u8] = if gzip {
        b"GET /metrics HTTP/1.1\r\nHost: bench\r\nAccept-Encoding: gzip\r\n\r\n"
    } else {
        b"GET /metrics HTTP/1.1\r\nHost: bench\r\n\r\n"
    };
    s.write_all(ask).expect("send");
    buf.clear();
    let mut chunk = [0u8; 64 * 1024];
    let (head_end, length) = loop {
        let n = s.read(&mut chunk).expect("receive");
        assert!(n > 0, "the exporter closed the connection");
        buf.extend_from_slice(&chunk[..n]);
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..p]).to_ascii_lowercase();
            assert!(head.starts_with("http/1.1 200"), "{head}");
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .expect("a content-length");
            break (p + 4, length);
        }
    };
    while buf.len() < head_end + length {
        let n = s.read(&mut chunk).expect("receive");
        assert!(n > 0, "the exporter closed the connection");
        buf.extend_from_slice(&chunk[..n]);
    }
    length
}

/// A socket read through a 64 KiB buffer: rustls reads TLS records 4 KiB at a time, and
/// without it the client's extra system calls would be counted as the exporter's TLS cost.
struct Buffered(std::io::BufReader<TcpStream>);

impl Read for Buffered {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

impl Write for Buffered {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.get_mut().write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.get_mut().flush()
    }
}

fn config(access: Access) -> MetricsConfig {
    MetricsConfig {
        bind: "127.0.0.1:0".parse().expect("an address"),
        collection_interval: Duration::from_secs(3600),
        drain: Duration::ZERO,
        limits: Limits {
            max_requests_per_connection: u64::MAX,
            max_connection_age: Duration::from_secs(24 * 3600),
            ..Limits::default()
        },
        access,
        ..MetricsConfig::default()
    }
}

fn tls_vs_plain(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("alys-bench-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let mut params = CertificateParams::new(vec!["localhost".to_owned()]).expect("params");
    params
        .subject_alt_names
        .push(SanType::IpAddress(Ipv4Addr::LOCALHOST.into()));
    let key = KeyPair::generate().expect("a key");
    let cert = params.self_signed(&key).expect("a certificate");
    std::fs::write(dir.join("node.crt"), cert.pem()).expect("write");
    std::fs::write(dir.join("node.key"), key.serialize_pem()).expect("write");
    std::fs::write(
        dir.join("web.yml"),
        "tls_server_config:\n  cert_file: node.crt\n  key_file: node.key\n",
    )
    .expect("write");
    let web = WebConfig::from_file(dir.join("web.yml")).expect("the web config loads");

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime");
    let (plain, tls) = rt.block_on(async {
        let plain = alys_metrics::serve(config(Access::default()))
            .await
            .expect("the plain exporter starts");
        let tls = alys_metrics::serve(config(Access {
            web_config: Some(web),
            ..Access::default()
        }))
        .await
        .expect("the TLS exporter starts");
        plain.wait_ready().await;
        tls.wait_ready().await;
        (plain, tls)
    });

    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from(cert.der().to_vec()))
        .expect("trust the certificate");
    let client = Arc::new(
        rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth(),
    );
    let connect = |addr: SocketAddr| {
        let s = TcpStream::connect(addr).expect("connect");
        s.set_nodelay(true).expect("nodelay");
        s
    };
    let mut plain_conn = connect(plain.local_addr());
    let tls_session =
        rustls::ClientConnection::new(client, ServerName::IpAddress(Ipv4Addr::LOCALHOST.into()))
            .expect("a TLS session");
    let mut tls_conn = rustls::StreamOwned::new(
        tls_session,
        Buffered(std::io::BufReader::with_capacity(
            64 * 1024,
            connect(tls.local_addr()),
        )),
    );

    let mut buf = Vec::new();
    let size = scrape(&mut plain_conn, &mut buf);
    let tls_size = scrape(&mut tls_conn, &mut buf);
    // The same catalogue (a value or two may have changed length in between).
    assert!(
        tls_size.abs_diff(size) < size / 100,
        "plain {size} bytes, TLS {tls_size} bytes"
    );
    // The machine is shared and its load drifts between criterion's two measurements, so
    // first measure both interleaved, scrape by scrape, and compare medians: without and
    // with gzip (which Prometheus always asks for).
    for gzip in [false, true] {
        let (mut p, mut t) = (Vec::new(), Vec::new());
        for _ in 0..INTERLEAVED {
            let start = std::time::Instant::now();
            request(&mut plain_conn, &mut buf, gzip);
            p.push(start.elapsed());
            let start = std::time::Instant::now();
            request(&mut tls_conn, &mut buf, gzip);
            t.push(start.elapsed());
        }
        p.sort();
        t.sort();
        let (pm, tm) = (p[p.len() / 2], t[t.len() / 2]);
        println!(
            "interleaved, {INTERLEAVED} pairs, gzip {gzip}: plain median {:.1} µs (p90 {:.1}), \
             TLS median {:.1} µs (p90 {:.1}), TLS / plain {:.2}x",
            pm.as_secs_f64() * 1e6,
            p[p.len() * 9 / 10].as_secs_f64() * 1e6,
            tm.as_secs_f64() * 1e6,
            t[t.len() * 9 / 10].as_secs_f64() * 1e6,
            tm.as_secs_f64() / pm.as_secs_f64()
        );
    }
    let mut group = c.benchmark_group("exporter_scrape_kept_alive");
    group.throughput(Throughput::Bytes(size as u64));
    group.bench_function("plain_http", |b| {
        b.iter(|| scrape(&mut plain_conn, &mut buf))
    });
    group.bench_function("tls13_rustls_ring", |b| {
        b.iter(|| scrape(&mut tls_conn, &mut buf))
    });
    group.finish();
    drop((plain_conn, tls_conn));
    rt.block_on(async {
        plain.shutdown().await;
        tls.shutdown().await;
    });
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, tls_vs_plain);
criterion_main!(benches);
