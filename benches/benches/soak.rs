//! The exporter under load (issue 13), a soak run rather than a criterion group: it reports
//! percentiles of a scrape's latency and request rates, which criterion does not.
//!
//! 1. Scrape latency (fresh connection, full catalogue, plain) unloaded, and while 64
//!    keep-alive hogs, 300 idle sockets and 100 slowloris clients press on the exporter (the
//!    attackers of `tests/solo/exporter_lockout.rs`, each from its own loopback address).
//! 2. Requests per second of full-catalogue scrapes on kept-alive connections: 1 scraper
//!    against 64 concurrent scrapers (each from its own loopback address), plain and gzip.
//!
//! `cargo bench -p alys-metrics-benches --bench soak` (about 40 s), or `scripts/soak.sh`.
//! The exporter and the clients share this process and the machine's cores, as a scraper
//! on the same host would.

#[path = "../../tests/support/answer.rs"]
mod answer;
#[path = "../../tests/support/attack.rs"]
#[allow(dead_code)]
mod attack;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use alys_metrics::MetricsConfig;
use attack::{Attack, Plan, Stats};
use tokio::io::AsyncWriteExt as _;

const SCRAPES: usize = 200;
const RATE_RUN: Duration = Duration::from_secs(5);

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn latencies(addr: SocketAddr, pause: Duration) -> (Duration, Duration, Duration, usize) {
    let mut times = Vec::with_capacity(SCRAPES);
    let mut failed = 0;
    for _ in 0..SCRAPES {
        let (status, took) = attack::timed_scrape(addr, false).await;
        if status == 200 {
            times.push(took);
        } else {
            failed += 1;
        }
        tokio::time::sleep(pause).await;
    }
    times.sort();
    (
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        times.last().copied().unwrap_or_default(),
        failed,
    )
}

/// Requests per second of `clients` kept-alive scrapers over `RATE_RUN`.
async fn rate(addr: SocketAddr, clients: usize, gzip: bool) -> f64 {
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let enc = if gzip {
        "Accept-Encoding: gzip\r\n"
    } else {
        ""
    };
    let req = format!("GET /metrics HTTP/1.1\r\nHost: {addr}\r\n{enc}\r\n");
    let mut tasks = tokio::task::JoinSet::new();
    for c in 0..clients {
        let (stop, done, req) = (stop.clone(), done.clone(), req.clone());
        tasks.spawn(async move {
            // Source addresses 127.1.40.x and up, apart from the attackers'.
            let me = 10_000 + c;
            while !stop.load(Ordering::Relaxed) {
                let Ok(mut s) = attack::connect_from(me, addr).await else {
                    continue;
                };
                let _ = s.set_nodelay(true);
                while !stop.load(Ordering::Relaxed) {
                    if s.write_all(req.as_bytes()).await.is_err() {
                        break;
                    }
                    match attack::read_response(&mut s).await {
                        Some(200) => {
                            done.fetch_add(1, Ordering::Relaxed);
                        }
                        _ => break,
                    }
                }
            }
        });
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let start = done.load(Ordering::Relaxed);
    let t0 = Instant::now();
    tokio::time::sleep(RATE_RUN).await;
    let n = done.load(Ordering::Relaxed) - start;
    let secs = t0.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    while tasks.join_next().await.is_some() {}
    n as f64 / secs
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument that is not ours skips the run.
    if std::env::args()
        .skip(1)
        .any(|a| !a.starts_with("--") && !"soak".contains(a.as_str()))
    {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    rt.block_on(async {
        let server = alys_metrics::serve(MetricsConfig {
            bind: "127.0.0.1:0".parse().expect("an address"),
            drain: Duration::ZERO,
            ..MetricsConfig::default()
        })
        .await
        .expect("the exporter starts");
        server.wait_ready().await;
        let addr = server.local_addr();
        let (size, _) = {
            let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
            s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .await
                .expect("send");
            let mut raw = Vec::new();
            tokio::io::AsyncReadExt::read_to_end(&mut s, &mut raw)
                .await
                .expect("read");
            (raw.len(), ())
        };
        println!("full catalogue: {size} bytes per plain scrape\n");

        let (p50, p99, max, failed) = latencies(addr, Duration::from_millis(10)).await;
        println!("| scrape latency, fresh connection | p50 | p99 | max | not 200 |");
        println!("|---|---|---|---|---|");
        println!(
            "| unloaded ({SCRAPES} scrapes) | {} | {} | {} | {failed} |",
            ms(p50),
            ms(p99),
            ms(max)
        );
        let plan = Plan::issue();
        let attack = Attack::start(addr, &plan);
        tokio::time::sleep(Duration::from_secs(2)).await;
        let (p50, p99, max, failed) = latencies(addr, Duration::from_millis(10)).await;
        let stats = attack.stop().await;
        println!(
            "| under 64 hogs + 300 idle + 100 slowloris ({SCRAPES} scrapes) | {} | {} | {} | {failed} |",
            ms(p50),
            ms(p99),
            ms(max)
        );
        println!("\n{stats:?}");
        println!(
            "\nattackers: {} connects, {} answered 200, {} answered 503, {} closed, {} silences\n",
            Stats::get(&stats.connects),
            Stats::get(&stats.answers_200),
            Stats::get(&stats.answers_503),
            Stats::get(&stats.closes),
            Stats::get(&stats.silences),
        );
        tokio::time::sleep(Duration::from_secs(1)).await;

        println!("| kept-alive scrapers | plain req/s | gzip req/s |");
        println!("|---|---|---|");
        let mut rows = Vec::new();
        for clients in [1, 64] {
            let plain = rate(addr, clients, false).await;
            let gzip = rate(addr, clients, true).await;
            rows.push((clients, plain, gzip));
        }
        let (_, base_plain, base_gzip) = rows[0];
        for (clients, plain, gzip) in rows {
            println!(
                "| {clients} | {plain:.0} ({:.2}x of 1) | {gzip:.0} ({:.2}x of 1) |",
                plain / base_plain,
                gzip / base_gzip
            );
        }
        server.shutdown().await;
    });
}
