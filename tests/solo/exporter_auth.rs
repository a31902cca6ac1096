//! Auth and web config that no hostile file or client can turn against the node, each defect
//! found by attacking the node as a regression test over real TLS on loopback:
//!
//! 1. a wrong password must take as long for an unknown user as for a known one, whatever
//!    the users' bcrypt costs (medians of 50 tries each, within 20 %);
//! 2. a bcrypt cost outside 4..=14 stops the start at once, naming the user and the cost;
//! 3. a device, a FIFO, a directory or an oversized file named by the web config is refused
//!    before it is read, naming the file and why;
//! 4. wrong passwords cannot starve scrapes: during 200 of them a cached scrape's p99 and a
//!    first login stay under 1 s; a connection waiting for its password check makes room for
//!    a new scrape; half-open TLS handshakes are closed within the handshake deadline.
//!
//! Timings are medians or quantiles of many tries, never one sample. Loopback only; the
//! flood is 200 requests on at most 64 connections, every wait bounded.
//!
//! It is in `tests/solo/` because its timings (medians of checks of a few milliseconds, a
//! flood's latencies) would measure other tests' work too in a shared process.
#![cfg(feature = "tls")]

use std::net::Ipv4Addr;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::tls::{
    ask, basic, client_config, connect_tls, median, pki, quantile, scrape, source, TempDir,
};
use alys_metrics::exporter::{Access, Limits, WebConfig};
use alys_metrics::{MetricsConfig, MetricsServer};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

fn hash(password: &str, cost: u32) -> String {
    bcrypt::hash(password, cost).expect("bcrypt")
}

/// A TLS web config in `dir` with these users.
fn web_config(dir: &TempDir, users: &[(&str, String)]) -> WebConfig {
    let mut yaml =
        "tls_server_config:\n  cert_file: node.crt\n  key_file: node.key\nbasic_auth_users:\n"
            .to_owned();
    for (user, hash) in users {
        yaml.push_str(&format!("  {user}: \"{hash}\"\n"));
    }
    WebConfig::from_file(dir.write("web-config.yml", &yaml)).expect("the web config loads")
}

async fn serve(web: WebConfig, limits: Limits) -> MetricsServer {
    let server = alys_metrics::serve(MetricsConfig {
        bind: "127.0.0.1:0".parse().expect("an address"),
        drain: Duration::ZERO,
        collection_interval: Duration::from_secs(3600),
        limits,
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
}

// ---------------------------------------------------------------------------------------------
// 1. Timing.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_takes_as_long_for_an_unknown_user_as_for_known_ones() {
    let _serial = crate::serial();
    let dir = TempDir::new("timing");
    pki(&dir);
    // Two users at different costs: `prometheus`, the last in name order, has the lower one
    // (the decoy used to take the last user's cost).
    let web = web_config(
        &dir,
        &[
            ("alice", hash("a-secret", 8)),
            ("prometheus", hash("p-secret", 6)),
        ],
    );
    let server = serve(web, Limits::default()).await;
    let addr = server.local_addr();
    let client = client_config(&dir, false);
    let users = ["mallory", "alice", "prometheus"];
    let mut times: [Vec<Duration>; 3] = Default::default();
    // Interleaved, each try from an address of its own (so that no address is throttled),
    // timed from the request to the answer on an established connection.
    for round in 0..50 {
        for (k, user) in users.iter().enumerate() {
            let from = source(round * users.len() + k);
            let mut conn = connect_tls(from, addr, &client)
                .await
                .expect("a TLS connection");
            let (status, took) = ask(&mut conn, &basic(user, "wrong")).await;
            assert_eq!(status, 401, "{user}: a wrong password");
            times[k].push(took);
        }
    }
    let [unknown, alice, prometheus] = times.map(median);
    eprintln!("medians: unknown {unknown:?}, alice (cost 8) {alice:?}, prometheus (cost 6) {prometheus:?}");
    for (who, known) in [
        ("alice (cost 8)", alice),
        ("prometheus (cost 6)", prometheus),
    ] {
        let ratio = unknown.as_secs_f64() / known.as_secs_f64();
        assert!(
            (0.8..=1.2).contains(&ratio),
            "an unknown user's median {unknown:?} against {who}'s {known:?} ({ratio:.2}): \
             the time says which names exist"
        );
    }
    server.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// 2 and 3. Hostile web-config files, each loaded on a thread of its own and given 5 s: a load
// that blocks or reads without end fails the test instead of hanging it.

fn load(path: &Path) -> Result<WebConfig, String> {
    let path = path.to_owned();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(WebConfig::from_file(&path).map_err(|e| e.to_string()));
    });
    rx.recv_timeout(Duration::from_secs(5))
        .unwrap_or_else(|_| panic!("loading the web config took over 5 s"))
}

fn refused(path: &Path) -> (String, Duration) {
    let started = Instant::now();
    let message = load(path).expect_err("a hostile web config is refused");
    (message, started.elapsed())
}

#[test]
fn a_bcrypt_cost_outside_4_to_14_stops_the_start_naming_the_user_and_the_cost() {
    let _serial = crate::serial();
    let dir = TempDir::new("cost");
    for cost in [20u32, 31, 15, 3] {
        let hash = hash("pw", 4).replacen("$04$", &format!("${cost:02}$"), 1);
        let file = dir.write(
            "cost.yml",
            &format!("basic_auth_users:\n  alice: \"{hash}\"\n"),
        );
        let (message, took) = refused(&file);
        assert!(
            took < Duration::from_secs(1),
            "cost {cost}: refused after {took:?}"
        );
        for part in [
            "cost.yml",
            "`basic_auth_users.alice`",
            &format!("bcrypt cost {cost}, outside 4..=14"),
        ] {
            assert!(
                message.contains(part),
                "cost {cost}: {message:?} lacks {part:?}"
            );
        }
    }
    // 14 is allowed, and starting costs no bcrypt check at that cost (the decoy is free).
    let hash = bcrypt::hash_with_salt("pw", 4, [3; 16])
        .expect("bcrypt")
        .to_string()
        .replacen("$04$", "$14$", 1);
    let file = dir.write(
        "ok.yml",
        &format!("basic_auth_users:\n  alice: \"{hash}\"\n"),
    );
    let started = Instant::now();
    load(&file).expect("cost 14 loads");
    assert!(started.elapsed() < Duration::from_millis(500));
}

#[test]
fn special_and_oversized_files_are_refused_before_they_are_read() {
    let _serial = crate::serial();
    let dir = TempDir::new("files");
    pki(&dir);
    let fifo = dir.0.join("fifo.pem");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo {}", fifo.display());
    let sub = dir.0.join("a-directory");
    std::fs::create_dir_all(&sub).expect("a directory");
    let big = dir.0.join("big.pem");
    let node_crt = std::fs::read_to_string(dir.0.join("node.crt")).expect("node.crt");
    // A real certificate padded past 4 MiB: the size alone refuses it.
    let padding = "# padding\n".repeat((4 << 20) / 10 + 1);
    std::fs::write(&big, format!("{node_crt}{padding}")).expect("a big file");

    let hostile = [
        ("/dev/zero", Path::new("/dev/zero"), "is a character device"),
        ("a FIFO", fifo.as_path(), "is a FIFO"),
        ("a directory", sub.as_path(), "is a directory"),
        ("a 4 MiB + file", big.as_path(), "is larger than 4 MiB"),
    ];
    let client_ca = "  client_auth_type: RequireAndVerifyClientCert\n";
    for (what, path, why) in hostile {
        for (field, yaml) in [
            (
                "cert_file",
                format!("  cert_file: {}\n  key_file: node.key\n", path.display()),
            ),
            (
                "key_file",
                format!("  cert_file: node.crt\n  key_file: {}\n", path.display()),
            ),
            (
                "client_ca_file",
                format!(
                    "  cert_file: node.crt\n  key_file: node.key\n{client_ca}  client_ca_file: {}\n",
                    path.display()
                ),
            ),
        ] {
            let file = dir.write("hostile.yml", &format!("tls_server_config:\n{yaml}"));
            let (message, took) = refused(&file);
            assert!(took < Duration::from_secs(1), "{field} {what}: {took:?}");
            for part in [
                "hostile.yml".to_owned(),
                format!("`tls_server_config.{field}`"),
                path.display().to_string(),
                why.to_owned(),
            ] {
                assert!(message.contains(&part), "{field} {what}: {message:?} lacks {part:?}");
            }
        }
        // The web config itself.
        let (message, _) = refused(path);
        assert!(message.contains(why), "the web config is {what}: {message}");
    }
    // The same certificate, not padded, loads: the limit is the size, not the contents.
    let ok = dir.write(
        "ok.yml",
        "tls_server_config:\n  cert_file: node.crt\n  key_file: node.key\n",
    );
    assert!(load(&ok).expect("a good file loads").tls_enabled());
}

// ---------------------------------------------------------------------------------------------
// 4. Floods and half-open handshakes.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scrapes_and_first_logins_stay_fast_during_200_wrong_passwords() {
    let _serial = crate::serial();
    let dir = TempDir::new("flood");
    pki(&dir);
    let web = web_config(
        &dir,
        &[
            ("prometheus", hash("p-secret", 10)),
            ("second", hash("second-secret", 10)),
            ("third", hash("third-secret", 10)),
            ("fourth", hash("fourth-secret", 10)),
        ],
    );
    let server = serve(web, Limits::default()).await;
    let addr = server.local_addr();
    let client = client_config(&dir, false);
    let good = basic("prometheus", "p-secret");
    let (status, _) = scrape(Ipv4Addr::LOCALHOST, addr, &client, &good).await;
    assert_eq!(
        status, 200,
        "the scraper logs in once; its credentials are now cached"
    );

    // 64 connections from 4 addresses (16 each, the per-address cap), which fill every
    // connection slot, send 200 wrong passwords, each connection one every 500 ms.
    let sent = Arc::new(AtomicUsize::new(0));
    let answers = Arc::new([(); 4].map(|()| AtomicUsize::new(0))); // 401, 429, other, closed
    let mut flood = Vec::new();
    for c in 0..64 {
        let (sent, answers, client) = (sent.clone(), answers.clone(), client.clone());
        let from = Ipv4Addr::new(127, 8, 0, (c % 4 + 1) as u8);
        flood.push(tokio::spawn(async move {
            let wrong = basic("prometheus", "guess");
            while sent.load(Ordering::Relaxed) < 200 {
                let Ok(mut conn) = connect_tls(from, addr, &client).await else {
                    answers[3].fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                };
                while sent.fetch_add(1, Ordering::Relaxed) < 200 {
                    let (status, _) = ask(&mut conn, &wrong).await;
                    let i = match status {
                        401 => 0,
                        429 => 1,
                        0 => 3,
                        _ => 2,
                    };
                    answers[i].fetch_add(1, Ordering::Relaxed);
                    if i == 3 {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
        }));
    }
    let flood_started = Instant::now();
    tokio::time::sleep(Duration::from_millis(100)).await;

    // Three scrapers log in for the first time during the flood, from addresses of their own.
    let mut firsts = Vec::new();
    for (i, user) in ["second", "third", "fourth"].into_iter().enumerate() {
        let client = client.clone();
        firsts.push(tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(300 * i as u64)).await;
            let credentials = basic(user, &format!("{user}-secret"));
            let from = Ipv4Addr::new(127, 0, 0, 2 + i as u8);
            let started = Instant::now();
            let Ok(mut conn) = connect_tls(from, addr, &client).await else {
                return (0, started.elapsed(), Duration::ZERO);
            };
            let handshake = started.elapsed();
            let (status, _) = ask(&mut conn, &credentials).await;
            (status, started.elapsed(), handshake)
        }));
    }
    // The cached scraper, every 50 ms while the flood lasts.
    let mut cached = Vec::new();
    while sent.load(Ordering::Relaxed) < 200 && flood_started.elapsed() < Duration::from_secs(20) {
        let (status, took) = scrape(Ipv4Addr::LOCALHOST, addr, &client, &good).await;
        assert_eq!(
            status, 200,
            "a cached scrape during the flood was answered {status}"
        );
        cached.push(took);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let flood_took = flood_started.elapsed();
    let mut logins = Vec::new();
    for first in firsts {
        logins.push(first.await.expect("a first login"));
    }
    for task in flood {
        tokio::time::timeout(Duration::from_secs(20), task)
            .await
            .expect("the flood ends")
            .expect("a flooder");
    }
    let a = |i: usize| answers[i].load(Ordering::Relaxed);
    let p99 = quantile(cached.clone(), 0.99);
    eprintln!(
        "flood of 200 in {flood_took:?}: {} x 401, {} x 429, {} other, {} closed; cached \
         scrapes: {} of them, median {:?}, p99 {p99:?}; first logins (status, time, of which the handshake) {logins:?}",
        a(0),
        a(1),
        a(2),
        a(3),
        cached.len(),
        median(cached.clone()),
    );
    assert!(
        cached.len() >= 10,
        "the flood lasted: {} scrapes",
        cached.len()
    );
    assert!(p99 < Duration::from_secs(1), "cached scrapes' p99 {p99:?}");
    for (status, took, _) in &logins {
        assert_eq!(*status, 200, "a first login during the flood: {logins:?}");
        assert!(
            *took < Duration::from_secs(1),
            "a first login took {took:?}"
        );
    }
    assert!(a(1) > 0, "the flooding addresses were throttled (429)");
    assert_eq!(
        a(2),
        0,
        "only 401, 429 or a closed connection answer a wrong password"
    );
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_waiting_for_its_password_check_makes_room_for_a_scrape() {
    let _serial = crate::serial();
    let dir = TempDir::new("room");
    pki(&dir);
    let web = web_config(
        &dir,
        &[
            ("prometheus", hash("p-secret", 4)),
            ("slow", hash("s-secret", 12)),
        ],
    );
    let server = serve(
        web,
        Limits {
            max_connections: 4,
            ..Limits::default()
        },
    )
    .await;
    let addr = server.local_addr();
    let client = client_config(&dir, false);
    let good = basic("prometheus", "p-secret");
    assert_eq!(
        scrape(Ipv4Addr::LOCALHOST, addr, &client, &good).await.0,
        200
    );

    let mut times = Vec::new();
    for round in 0..5 {
        // Four connections, each from its own address, wait for a cost-12 check (one runs,
        // three queue): every slot holds a connection waiting for a password check.
        let mut waiting = Vec::new();
        for k in 0..4 {
            let from = source(100 + round * 4 + k);
            let mut conn = connect_tls(from, addr, &client).await.expect("connect");
            let request = format!(
                "GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\n\r\n",
                basic("slow", "wrong")
            );
            conn.write_all(request.as_bytes()).await.expect("send");
            waiting.push(conn);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        let (status, took) = scrape(Ipv4Addr::LOCALHOST, addr, &client, &good).await;
        assert_eq!(status, 200, "round {round}: the scrape found no room");
        times.push(took);
        drop(waiting);
        // Let the queued checks drain before the next round.
        tokio::time::sleep(Duration::from_millis(1500)).await;
    }
    let m = median(times.clone());
    eprintln!("scrapes while every slot waited for a check: {times:?}");
    assert!(m < Duration::from_millis(500), "median {m:?}");
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_open_handshakes_hold_an_address_only_until_the_handshake_deadline() {
    let _serial = crate::serial();
    let dir = TempDir::new("handshake");
    pki(&dir);
    let web = web_config(&dir, &[("prometheus", hash("p-secret", 4))]);
    let server = serve(web, Limits::default()).await;
    let addr = server.local_addr();
    let client = client_config(&dir, false);
    let good = basic("prometheus", "p-secret");
    assert_eq!(
        scrape(Ipv4Addr::LOCALHOST, addr, &client, &good).await.0,
        200
    );

    let mut blocked = Vec::new();
    let mut held_for = Vec::new();
    for _ in 0..3 {
        // 16 connections from the scraper's own address (the per-address cap) start a
        // handshake and never finish it.
        let mut held = Vec::new();
        for _ in 0..16 {
            let mut s = TcpStream::connect(addr).await.expect("connect");
            s.write_all(&[0x16, 0x03, 0x01, 0x02, 0x00, 0x01])
                .await
                .expect("send");
            held.push(s);
        }
        let started = Instant::now();
        let watchers: Vec<_> = held
            .into_iter()
            .map(|mut s| {
                tokio::spawn(async move {
                    let mut buf = [0u8; 64];
                    let closed = tokio::time::timeout(Duration::from_secs(10), async {
                        while !matches!(s.read(&mut buf).await, Ok(0) | Err(_)) {}
                    })
                    .await;
                    closed.map(|()| started.elapsed()).ok()
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(50)).await;
        loop {
            let (status, _) = scrape(Ipv4Addr::LOCALHOST, addr, &client, &good).await;
            if status == 200 {
                break;
            }
            assert!(started.elapsed() < Duration::from_secs(10), "never served");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        blocked.push(started.elapsed());
        for w in watchers {
            let closed = w.await.expect("a watcher");
            held_for.push(closed.expect("the server closed a half-open handshake within 10 s"));
        }
    }
    let (m, slowest_close) = (median(blocked.clone()), quantile(held_for.clone(), 1.0));
    eprintln!("scraper blocked for {blocked:?}; half-open handshakes closed after at most {slowest_close:?}");
    assert!(m < Duration::from_millis(2500), "median time blocked {m:?}");
    assert!(
        median(held_for) < Duration::from_millis(2500),
        "half-open handshakes are closed at the 1 s deadline"
    );
    server.shutdown().await;
}
