//! `promtool check metrics` on a real scrape of the running exporter: no problem beyond the
//! naming exceptions in `alys_metrics::catalogue::LINT_EXCEPTIONS`.
//!
//! Without promtool this test prints a notice and passes, unless `ALYS_REQUIRE_PROMTOOL=1`
//! (set by `scripts/test.sh` and CI), which makes it fail.

#[path = "e2e/promtool.rs"]
mod promtool;

use std::time::Duration;

use alys_metrics::catalogue::LINT_EXCEPTIONS;
use alys_metrics::MetricsConfig;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Status line and body of `GET path`.
async fn get(addr: std::net::SocketAddr, path: &str) -> (String, String) {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(req.as_bytes()).await.expect("send");
    let mut raw = String::new();
    stream.read_to_string(&mut raw).await.expect("receive");
    let (head, body) = raw.split_once("\r\n\r\n").expect("a response head");
    let status = head.lines().next().unwrap_or_default().to_owned();
    (status, body.to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn promtool_finds_no_problem_beyond_the_listed_exceptions() {
    let server = alys_metrics::serve(MetricsConfig {
        bind: "127.0.0.1:0".parse().expect("an address"),
        collection_interval: Duration::from_secs(3600),
        ..MetricsConfig::default()
    })
    .await
    .expect("the exporter starts");
    server.wait_ready().await;
    let (status, scrape) = get(server.local_addr(), "/metrics").await;
    server.shutdown().await;
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(scrape.contains("\nprocess_resident_memory_bytes "));

    let Some(promtool::PromtoolReport { report, .. }) = promtool::check_metrics(&scrape) else {
        return;
    };

    // Each problem is a line `metric_name problem`; anything else is an error of promtool's.
    let mut unexpected = Vec::new();
    let mut flagged = Vec::new();
    for line in report.lines().filter(|l| !l.trim().is_empty()) {
        let name = line.split_whitespace().next().unwrap_or_default();
        if LINT_EXCEPTIONS.contains(&name) && line.contains("_count") {
            flagged.push(name.to_owned());
        } else {
            unexpected.push(line.to_owned());
        }
    }
    assert!(
        unexpected.is_empty(),
        "promtool check metrics reports problems beyond the lint exceptions:\n{}",
        unexpected.join("\n")
    );
    println!(
        "promtool: {} lint exceptions flagged, as expected: {}",
        flagged.len(),
        flagged.join(", ")
    );
}
