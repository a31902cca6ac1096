//! `/health` reports the node's build version (what `set_build_info` records) as `version`,
//! and this library's version apart as `library_version`, over real HTTP on an ephemeral port.
//! `set_build_info` is once per process and must come before any scrape, so this test lives in
//! the end-to-end binary, whose other tests never read this process's own exposition or `/health`.

use std::time::Duration;

use alys_metrics::MetricsConfig;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn get(addr: std::net::SocketAddr, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(req.as_bytes()).await.expect("send");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("receive");
    let raw = String::from_utf8(raw).expect("UTF-8");
    let (head, body) = raw.split_once("\r\n\r\n").expect("a complete response");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status code");
    (status, body.to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_reports_the_node_build_version_and_the_library_version_apart() {
    assert!(
        alys_metrics::set_build_info("7.3.1-node", "0123abcd"),
        "the first call records the build"
    );
    assert!(
        !alys_metrics::set_build_info("0.0.0", "other"),
        "the first call wins"
    );
    let server = alys_metrics::serve(MetricsConfig {
        bind: "127.0.0.1:0".parse().expect("an address"),
        collection_interval: Duration::from_secs(3600),
        drain: Duration::ZERO,
        ..MetricsConfig::default()
    })
    .await
    .expect("the exporter starts");
    let addr = server.local_addr();

    let (status, body) = get(addr, "/health").await;
    assert!(status == 200 || status == 503, "{status} {body}");
    let json: serde_json::Value = serde_json::from_str(&body).expect("/health is JSON");
    assert_eq!(json["version"], "7.3.1-node", "{body}");
    assert_eq!(json["commit"], "0123abcd", "{body}");
    // The facade and the runtime share the workspace version.
    assert_eq!(json["library_version"], env!("CARGO_PKG_VERSION"), "{body}");
    assert!(json["status"].is_string(), "{body}");
    assert!(json["collector"]["ticks"].is_u64(), "{body}");
    assert!(json["reasons"].is_array(), "{body}");

    // The metric carries the same build.
    let (status, text) = get(addr, "/metrics").await;
    assert_eq!(status, 200);
    assert!(
        text.contains(r#"alys_build_info{version="7.3.1-node",commit="0123abcd"} 1"#),
        "{text}"
    );
    server.shutdown().await;
}
