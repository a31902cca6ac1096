//! Attacks the exporter's TLS and basic authentication the way an operator's adversary would,
//! on loopback, and prints what it saw. It uses only the public API that existed before the
//! hardening, so the same file measures an older tree too (`scripts/auth_attack.sh` runs it on
//! this tree and on a baseline commit).
//!
//! ```sh
//! cargo run --release --example auth_attack             # every measurement, about a minute
//! cargo run --release --example auth_attack -- timing   # or one of: timing cost files flood handshake
//! ```
//!
//! - `timing`: medians of 50 wrong-password checks for an unknown user, a user at bcrypt cost
//!   12 and one at cost 10 (each try from its own loopback address, timed from the request to
//!   the answer on an established TLS connection);
//! - `cost`: how long loading a web config with a cost-20 hash takes (a child process, killed
//!   after 10 s);
//! - `files`: `cert_file` set to `/dev/zero`, a FIFO, a directory and a 64 MiB file (a child
//!   process each, killed after 3 s; its peak memory is read from `/proc`);
//! - `flood`: 200 wrong-password requests on 96 connections from 8 addresses while a scraper
//!   with cached credentials scrapes every 100 ms and a second scraper logs in for the first
//!   time;
//! - `handshake`: 16 half-open TLS handshakes from 127.0.0.1, then how long a scraper from
//!   127.0.0.1 takes to be served.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use alys_metrics::exporter::{Access, WebConfig};
use alys_metrics::{MetricsConfig, MetricsServer};
use base64::Engine as _;
use tokio::io::AsyncWriteExt as _;
use tokio::net::TcpStream;
use tokio_rustls::rustls;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("load") {
        // The child of `cost` and `files`: load one web config and say how it went.
        let started = Instant::now();
        match WebConfig::from_file(&args[1]) {
            Ok(_) => println!("loaded in {:?}", started.elapsed()),
            Err(e) => println!("refused in {:?}: {e}", started.elapsed()),
        }
        return;
    }
    let all = ["timing", "cost", "files", "flood", "handshake"];
    let which: Vec<&str> = if args.is_empty() {
        all.to_vec()
    } else {
        args.iter().map(String::as_str).collect()
    };
    let dir = Dir::new("auth-attack");
    pki(&dir);
    let server_rt = runtime("exporter");
    let client_rt = runtime("attacker");
    for w in which {
        println!("== {w}");
        match w {
            "timing" => timing(&dir, &server_rt, &client_rt),
            "cost" => cost(&dir),
            "files" => files(&dir),
            "flood" => flood(&dir, &server_rt, &client_rt),
            "handshake" => handshake(&dir, &server_rt, &client_rt),
            other => eprintln!("unknown measurement {other}; use one of {all:?}"),
        }
    }
}

fn runtime(name: &str) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name(name)
        .enable_all()
        .build()
        .expect("a runtime")
}

// ---------------------------------------------------------------------------------------------
// Files, certificates, the server and a TLS client.

fn hash(password: &str, cost: u32) -> String {
    bcrypt::hash(password, cost).expect("bcrypt")
}

fn serve(rt: &tokio::runtime::Runtime, dir: &Dir, users: &[(&str, String)]) -> MetricsServer {
    let mut yaml = "tls_server_config:\n  cert_file: node.crt\n  key_file: node.key\n\
                    basic_auth_users:\n"
        .to_owned();
    for (user, hash) in users {
        yaml.push_str(&format!("  {user}: \"{hash}\"\n"));
    }
    let web = WebConfig::from_file(dir.write("web-config.yml", &yaml)).expect("the web config");
    rt.block_on(async {
        let server = alys_metrics::serve(MetricsConfig {
            bind: "127.0.0.1:0".parse().expect("an address"),
            drain: Duration::ZERO,
            access: Access {
                web_config: Some(web),
                ..Access::default()
            },
            ..MetricsConfig::default()
        })
        .await
        .expect("the exporter starts");
        server.wait_ready().await;
        server
    })
}

fn basic(user: &str, password: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
}

async fn ask(tls: &mut Tls, credentials: &str) -> u16 {
    let req =
        format!("GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {credentials}\r\n\r\n");
    if tls.write_all(req.as_bytes()).await.is_err() {
        return 0;
    }
    read_answer(tls).await.unwrap_or(0)
}

#[path = "../tests/support/answer.rs"]
mod answer;
// The test suite's TLS client: scratch directory, certificates, client config, connections.
#[path = "../tests/support/tls.rs"]
mod tls;
use answer::read_status as read_answer;
use tls::{client_config, connect_tls, pki, TempDir as Dir, Tls};

/// One scrape on a fresh TLS connection from `from`: its status (0 when refused or closed)
/// and the time from connect to answer.
async fn scrape(
    from: Ipv4Addr,
    addr: SocketAddr,
    config: &Arc<rustls::ClientConfig>,
    credentials: &str,
) -> (u16, Duration) {
    let started = Instant::now();
    let status = match connect_tls(from, addr, config).await {
        Ok(mut tls) => ask(&mut tls, credentials).await,
        Err(_) => 0,
    };
    (status, started.elapsed())
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn percentile(mut v: Vec<Duration>, p: f64) -> Duration {
    v.sort();
    let i = ((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1;
    v[i]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

// ---------------------------------------------------------------------------------------------
// 1. Which user names exist, from the time a wrong password takes.

fn timing(dir: &Dir, server_rt: &tokio::runtime::Runtime, client_rt: &tokio::runtime::Runtime) {
    let server = serve(
        server_rt,
        dir,
        &[
            ("alice", hash("a-secret", 12)),
            ("prometheus", hash("p-secret", 10)),
        ],
    );
    let addr = server.local_addr();
    let config = client_config(dir, false);
    let mut source = 0u32;
    let mut figures = Vec::new();
    for (label, user) in [
        ("unknown user", "mallory"),
        ("alice (cost 12), wrong password", "alice"),
        ("prometheus (cost 10), wrong password", "prometheus"),
    ] {
        let mut times = Vec::new();
        for _ in 0..50 {
            source += 1;
            let from = Ipv4Addr::new(127, 3, (source / 250) as u8, (source % 250 + 1) as u8);
            let took = client_rt.block_on(async {
                let mut tls = connect_tls(from, addr, &config)
                    .await
                    .expect("a TLS connection");
                let started = Instant::now();
                let status = ask(&mut tls, &basic(user, "wrong")).await;
                assert!(status == 401, "{label}: answered {status}");
                started.elapsed()
            });
            times.push(took);
        }
        let m = median(times);
        println!("{label}: median {} over 50 tries", ms(m));
        figures.push(m);
    }
    println!(
        "unknown / alice = {:.2}, unknown / prometheus = {:.2}",
        figures[0].as_secs_f64() / figures[1].as_secs_f64(),
        figures[0].as_secs_f64() / figures[2].as_secs_f64()
    );
    server_rt.block_on(server.shutdown());
}

// ---------------------------------------------------------------------------------------------
// 2 and 3. Loading hostile web-config files, each in a child process that is killed in time.

/// Runs `auth_attack load FILE` for at most `limit`; its answer (or that it was killed) and
/// its peak resident memory.
fn load_in_child(file: &Path, limit: Duration) -> String {
    let exe = std::env::current_exe().expect("this program");
    let mut child = Command::new(exe)
        .arg("load")
        .arg(file)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("a child");
    let started = Instant::now();
    let mut peak_kib = 0u64;
    let status = loop {
        if let Ok(status) = std::fs::read_to_string(format!("/proc/{}/status", child.id())) {
            if let Some(kib) = status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            {
                peak_kib = peak_kib.max(kib);
            }
        }
        if let Some(status) = child.try_wait().expect("wait") {
            break Some(status);
        }
        if started.elapsed() >= limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut out = String::new();
    if let Some(mut stdout) = child.stdout.take() {
        use std::io::Read as _;
        let _ = stdout.read_to_string(&mut out);
    }
    let mem = format!("peak RSS {} MiB", peak_kib / 1024);
    match status {
        Some(_) => format!("{} ({mem})", out.trim()),
        None => format!(
            "no answer after {:?}: killed ({mem})",
            started.elapsed().min(limit + Duration::from_millis(50))
        ),
    }
}

fn cost(dir: &Dir) {
    for cost in [14, 20] {
        let h = hash("pw", 4).replacen("$04$", &format!("${cost}$"), 1);
        let file = dir.write(
            &format!("cost-{cost}.yml"),
            &format!("basic_auth_users:\n  alice: \"{h}\"\n"),
        );
        let got = load_in_child(&file, Duration::from_secs(10));
        println!("a user at cost {cost}: {got}");
    }
}

fn files(dir: &Dir) {
    let fifo = dir.0.join("fifo.pem");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());
    assert!(made, "mkfifo");
    let big = dir.0.join("big.pem");
    std::fs::write(&big, vec![b'A'; 64 << 20]).expect("a 64 MiB file");
    let sub = dir.0.join("a-directory");
    std::fs::create_dir_all(&sub).expect("a directory");
    for (what, cert) in [
        ("/dev/zero", PathBuf::from("/dev/zero")),
        ("a FIFO", fifo),
        ("a directory", sub),
        ("a 64 MiB file", big),
    ] {
        let file = dir.write(
            "hostile.yml",
            &format!(
                "tls_server_config:\n  cert_file: {}\n  key_file: node.key\n",
                cert.display()
            ),
        );
        let got = load_in_child(&file, Duration::from_secs(3));
        println!("cert_file is {what}: {got}");
    }
}

// ---------------------------------------------------------------------------------------------
// 4. Wrong passwords against good scrapes, and half-open handshakes.

fn flood(dir: &Dir, server_rt: &tokio::runtime::Runtime, client_rt: &tokio::runtime::Runtime) {
    let server = serve(
        server_rt,
        dir,
        &[
            ("prometheus", hash("p-secret", 10)),
            ("second", hash("s-secret", 10)),
        ],
    );
    let addr = server.local_addr();
    let config = client_config(dir, false);
    let good = basic("prometheus", "p-secret");
    client_rt.block_on(async {
        // The scraper's credentials are cached by a first scrape.
        let (status, took) = scrape(Ipv4Addr::LOCALHOST, addr, &config, &good).await;
        println!(
            "first (uncached) good login, no flood: {status} in {}",
            ms(took)
        );

        let sent = Arc::new(AtomicUsize::new(0));
        let answers: Arc<[AtomicU64; 4]> = Arc::new(Default::default()); // 401, 429, other, closed
        let started = Instant::now();
        let mut flooders = Vec::new();
        for c in 0..96u8 {
            let (sent, answers, config) = (sent.clone(), answers.clone(), config.clone());
            let from = Ipv4Addr::new(127, 4, 0, c % 8 + 1);
            flooders.push(tokio::spawn(async move {
                let wrong = basic("prometheus", "guess");
                'outer: while sent.load(Ordering::Relaxed) < 200 {
                    let Ok(mut tls) = connect_tls(from, addr, &config).await else {
                        answers[3].fetch_add(1, Ordering::Relaxed);
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        continue;
                    };
                    loop {
                        if sent.fetch_add(1, Ordering::Relaxed) >= 200 {
                            break 'outer;
                        }
                        let i = match ask(&mut tls, &wrong).await {
                            401 => 0,
                            429 => 1,
                            0 => 3,
                            _ => 2,
                        };
                        answers[i].fetch_add(1, Ordering::Relaxed);
                        if i == 3 {
                            break;
                        }
                    }
                }
            }));
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        // A scraper that has not logged in yet.
        let (status, took) = scrape(
            Ipv4Addr::new(127, 0, 0, 2),
            addr,
            &config,
            &basic("second", "s-secret"),
        )
        .await;
        println!(
            "uncached good login during the flood: {status} in {}",
            ms(took)
        );
        // The cached scraper, every 100 ms for 3 s.
        let mut times = Vec::new();
        let mut failed = 0;
        for _ in 0..30 {
            let (status, took) = scrape(Ipv4Addr::LOCALHOST, addr, &config, &good).await;
            if status == 200 {
                times.push(took);
            } else {
                failed += 1;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        for f in flooders {
            let _ = f.await;
        }
        let a = |i: usize| answers[i].load(Ordering::Relaxed);
        println!(
            "cached good scrapes during the flood: {} answered, {failed} failed; p50 {}, p99 {}",
            times.len(),
            ms(percentile(times.clone(), 0.5)),
            ms(percentile(times, 0.99))
        );
        println!(
            "the flood: 200 wrong passwords in {:.1} s: {} x 401, {} x 429, {} other, {} closed",
            started.elapsed().as_secs_f64(),
            a(0),
            a(1),
            a(2),
            a(3)
        );
    });
    server_rt.block_on(server.shutdown());
}

fn handshake(dir: &Dir, server_rt: &tokio::runtime::Runtime, client_rt: &tokio::runtime::Runtime) {
    let server = serve(server_rt, dir, &[("prometheus", hash("p-secret", 4))]);
    let addr = server.local_addr();
    let config = client_config(dir, false);
    let good = basic("prometheus", "p-secret");
    client_rt.block_on(async {
        let _ = scrape(Ipv4Addr::LOCALHOST, addr, &config, &good).await;
        let mut held = Vec::new();
        for _ in 0..16 {
            let mut s = TcpStream::connect(addr).await.expect("connect");
            // A TLS record header announcing a ClientHello that never comes.
            s.write_all(&[0x16, 0x03, 0x01, 0x02, 0x00, 0x01])
                .await
                .expect("send");
            held.push(s);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        let started = Instant::now();
        let mut tries = 0;
        loop {
            tries += 1;
            let (status, _) = scrape(Ipv4Addr::LOCALHOST, addr, &config, &good).await;
            if status == 200 {
                break;
            }
            if started.elapsed() > Duration::from_secs(15) {
                println!("no scrape served within 15 s");
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        println!(
            "16 half-open handshakes from 127.0.0.1: its scraper served after {} ({tries} tries)",
            ms(started.elapsed())
        );
        drop(held);
    });
    server_rt.block_on(server.shutdown());
}
