//! The exporter on a loopback port and a small HTTP/1.1 client of it, shared by
//! `tests/solo/exposition_formats.rs`, `tests/it/promtool.rs` and
//! `benches/tests/prometheus_bridge.rs`; each binary includes this file with `#[path]`. Each
//! uses a part of it, hence the `dead_code` allowance.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use alys_metrics::{MetricsConfig, MetricsServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Starts the exporter on a free loopback port (one collection at start, no second one while a
/// test runs) and waits until it is ready.
pub async fn start_exporter() -> MetricsServer {
    let server = alys_metrics::serve(MetricsConfig {
        bind: "127.0.0.1:0".parse().expect("an address"),
        collection_interval: Duration::from_secs(3600),
        ..MetricsConfig::default()
    })
    .await
    .expect("the exporter starts");
    server.wait_ready().await;
    server
}

/// `GET path` with extra request `headers` on a connection of its own (`Connection: close`):
/// the response head (status line and headers) and the body's bytes.
pub async fn get(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> (String, Vec<u8>) {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let mut req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    stream.write_all(req.as_bytes()).await.expect("send");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("receive");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a response head");
    (
        String::from_utf8_lossy(&raw[..split]).into_owned(),
        raw[split + 4..].to_vec(),
    )
}
