//! Loopback clients that try to lock the exporter out, shared by
//! `tests/solo/exporter_lockout.rs` and the soak benchmark (`benches/benches/soak.rs`):
//!
//! - *hogs*: keep-alive connections asking `/ready` every few seconds;
//! - *idle* sockets: connect and send nothing;
//! - *slowloris* clients: start a request head and add a header line every half second.
//!
//! Each attacker has its own loopback source address (127.1.x.y), so the per-peer cap does
//! not stop them and the exporter's admission has to. A closed attacker reconnects after
//! `reconnect_delay`. Every wait for the server is bounded: when the server neither answers
//! nor closes in time, the attacker counts it as *silence*, which the exporter must never
//! give.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// How many attackers of each kind, and how patient they are.
#[derive(Clone, Debug)]
pub struct Plan {
    pub hogs: usize,
    pub idle: usize,
    pub slowloris: usize,
    /// Pause before an attacker reconnects after its connection closed.
    pub reconnect_delay: Duration,
    /// Time between two `/ready` requests of a hog.
    pub hog_interval: Duration,
    /// Longest wait for a connect, an answer or a close before it counts as silence, for idle
    /// sockets and hogs (the first-byte timeout plus a margin).
    pub patience: Duration,
    /// The same for slowloris clients (the header-read timeout plus a margin).
    pub slow_patience: Duration,
}

impl Plan {
    /// The issue's attack: 64 hogs, 300 idle sockets, 100 slowloris clients.
    pub fn issue() -> Self {
        Self {
            hogs: 64,
            idle: 300,
            slowloris: 100,
            reconnect_delay: Duration::from_millis(200),
            hog_interval: Duration::from_secs(4),
            patience: Duration::from_secs(3),
            slow_patience: Duration::from_secs(8),
        }
    }
}

/// What the attackers saw.
#[derive(Debug, Default)]
pub struct Stats {
    pub connects: AtomicU64,
    pub answers_200: AtomicU64,
    pub answers_503: AtomicU64,
    pub other_answers: AtomicU64,
    pub closes: AtomicU64,
    /// Waits for the server that ran out: connects, hogs' answers, idle and slowloris holds.
    pub silences: AtomicU64,
    pub silent_connects: AtomicU64,
    pub silent_hogs: AtomicU64,
    pub silent_idle: AtomicU64,
    pub silent_slowloris: AtomicU64,
}

impl Stats {
    pub fn get(v: &AtomicU64) -> u64 {
        v.load(Ordering::Relaxed)
    }
}

/// Running attackers; [`Attack::stop`] ends them. They run on a runtime of their own (two
/// threads), as other processes would, so that they do not queue up in the exporter's.
pub struct Attack {
    stop: Arc<AtomicBool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    runtime: Option<tokio::runtime::Runtime>,
    pub stats: Arc<Stats>,
}

pub fn source(i: usize) -> Ipv4Addr {
    let i = u16::try_from(i).expect("fewer than 60,000 attackers");
    Ipv4Addr::new(127, 1, (i / 250) as u8, (i % 250 + 1) as u8)
}

pub async fn connect_from(i: usize, addr: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::from((source(i), 0)))?;
    socket.connect(addr).await
}

impl Attack {
    /// Starts the attackers against `addr`.
    pub fn start(addr: SocketAddr, plan: &Plan) -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("attacker")
            .enable_all()
            .build()
            .expect("the attackers' runtime");
        let stop = Arc::new(AtomicBool::new(false));
        let stats = Arc::new(Stats::default());
        let mut tasks = Vec::new();
        let mut n = 0;
        for _ in 0..plan.hogs {
            // Spread over the interval: 64 hogs every 4 s are 16 requests a second.
            let offset = plan.hog_interval.mul_f64(n as f64 / plan.hogs as f64);
            let task = hog(n, addr, plan.clone(), offset, stop.clone(), stats.clone());
            tasks.push(runtime.spawn(task));
            n += 1;
        }
        for _ in 0..plan.idle {
            tasks.push(runtime.spawn(idle(n, addr, plan.clone(), stop.clone(), stats.clone())));
            n += 1;
        }
        for _ in 0..plan.slowloris {
            let task = slowloris(n, addr, plan.clone(), stop.clone(), stats.clone());
            tasks.push(runtime.spawn(task));
            n += 1;
        }
        Self {
            stop,
            tasks,
            runtime: Some(runtime),
            stats,
        }
    }

    /// Stops every attacker and waits for them.
    pub async fn stop(mut self) -> Arc<Stats> {
        self.stop.store(true, Ordering::Relaxed);
        for task in self.tasks.drain(..) {
            let _ = task.await;
        }
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
        Arc::clone(&self.stats)
    }
}

impl Drop for Attack {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// Connects within `patience`, counting a hang as silence.
async fn connect(i: usize, addr: SocketAddr, plan: &Plan, stats: &Stats) -> Option<TcpStream> {
    match tokio::time::timeout(plan.patience, connect_from(i, addr)).await {
        Ok(Ok(s)) => {
            stats.connects.fetch_add(1, Ordering::Relaxed);
            Some(s)
        }
        Ok(Err(_)) => {
            stats.closes.fetch_add(1, Ordering::Relaxed);
            None
        }
        Err(_) => {
            stats.silences.fetch_add(1, Ordering::Relaxed);
            stats.silent_connects.fetch_add(1, Ordering::Relaxed);
            None
        }
    }
}

/// Reads one response (head and `Content-Length` body); `None` when the server closed.
pub use crate::answer::read_status as read_response;

fn count_answer(stats: &Stats, status: u16) {
    let counter = match status {
        200 => &stats.answers_200,
        503 => &stats.answers_503,
        _ => &stats.other_answers,
    };
    counter.fetch_add(1, Ordering::Relaxed);
}

async fn pause(d: Duration, stop: &AtomicBool) {
    let until = Instant::now() + d;
    while !stop.load(Ordering::Relaxed) && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(50).min(d)).await;
    }
}

async fn hog(
    i: usize,
    addr: SocketAddr,
    plan: Plan,
    offset: Duration,
    stop: Arc<AtomicBool>,
    stats: Arc<Stats>,
) {
    let ask = format!("GET /ready HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    pause(offset, &stop).await;
    while !stop.load(Ordering::Relaxed) {
        let Some(mut s) = connect(i, addr, &plan, &stats).await else {
            pause(plan.reconnect_delay, &stop).await;
            continue;
        };
        while !stop.load(Ordering::Relaxed) {
            if s.write_all(ask.as_bytes()).await.is_err() {
                stats.closes.fetch_add(1, Ordering::Relaxed);
                break;
            }
            match tokio::time::timeout(plan.patience, read_response(&mut s)).await {
                Ok(Some(status)) => {
                    count_answer(&stats, status);
                    if status == 503 {
                        break;
                    }
                }
                Ok(None) => {
                    stats.closes.fetch_add(1, Ordering::Relaxed);
                    break;
                }
                Err(_) => {
                    stats.silences.fetch_add(1, Ordering::Relaxed);
                    stats.silent_hogs.fetch_add(1, Ordering::Relaxed);
                    break;
                }
            }
            pause(plan.hog_interval, &stop).await;
        }
        pause(plan.reconnect_delay, &stop).await;
    }
}

/// Waits for the server to answer or close within `patience`, doing `tick` every half
/// second meanwhile (nothing for idle sockets, a header line for slowloris clients).
async fn hold(
    s: &mut TcpStream,
    patience: Duration,
    stop: &AtomicBool,
    stats: &Stats,
    tick: Option<&[u8]>,
) {
    let started = Instant::now();
    let mut buf = [0u8; 1024];
    loop {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        // Read before judging: a task that was not polled for a while (a loaded machine)
        // must not count the server's close it has not looked at yet as silence.
        let left = patience.saturating_sub(started.elapsed());
        let read = tokio::time::timeout(left.min(Duration::from_millis(500)), s.read(&mut buf));
        match read.await {
            Err(_) if started.elapsed() >= patience => {
                stats.silences.fetch_add(1, Ordering::Relaxed);
                let kind = if tick.is_some() {
                    &stats.silent_slowloris
                } else {
                    &stats.silent_idle
                };
                kind.fetch_add(1, Ordering::Relaxed);
                return;
            }
            Ok(Ok(0) | Err(_)) => {
                stats.closes.fetch_add(1, Ordering::Relaxed);
                return;
            }
            Ok(Ok(n)) => {
                let status = std::str::from_utf8(&buf[..n.min(12)])
                    .ok()
                    .and_then(|h| h.get(9..12))
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(0);
                count_answer(stats, status);
                return;
            }
            Err(_) => {
                if let Some(line) = tick {
                    if s.write_all(line).await.is_err() {
                        stats.closes.fetch_add(1, Ordering::Relaxed);
                        return;
                    }
                }
            }
        }
    }
}

async fn idle(i: usize, addr: SocketAddr, plan: Plan, stop: Arc<AtomicBool>, stats: Arc<Stats>) {
    while !stop.load(Ordering::Relaxed) {
        if let Some(mut s) = connect(i, addr, &plan, &stats).await {
            hold(&mut s, plan.patience, &stop, &stats, None).await;
        }
        pause(plan.reconnect_delay, &stop).await;
    }
}

async fn slowloris(
    i: usize,
    addr: SocketAddr,
    plan: Plan,
    stop: Arc<AtomicBool>,
    stats: Arc<Stats>,
) {
    let start = format!("GET /metrics HTTP/1.1\r\nHost: {addr}\r\n");
    while !stop.load(Ordering::Relaxed) {
        if let Some(mut s) = connect(i, addr, &plan, &stats).await {
            if s.write_all(start.as_bytes()).await.is_ok() {
                hold(
                    &mut s,
                    plan.slow_patience,
                    &stop,
                    &stats,
                    Some(b"X-Slow: 1\r\n"),
                )
                .await;
            } else {
                stats.closes.fetch_add(1, Ordering::Relaxed);
            }
        }
        pause(plan.reconnect_delay, &stop).await;
    }
}

/// One scrape of `/metrics` on a fresh connection from 127.0.0.1: its status and how long
/// it took from connect to the last byte.
pub async fn timed_scrape(addr: SocketAddr, gzip: bool) -> (u16, Duration) {
    let started = Instant::now();
    let mut s = TcpStream::connect(addr).await.expect("connect");
    let enc = if gzip {
        "Accept-Encoding: gzip\r\n"
    } else {
        ""
    };
    let req = format!("GET /metrics HTTP/1.1\r\nHost: {addr}\r\n{enc}Connection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.expect("send");
    let status = read_response(&mut s).await.unwrap_or(0);
    (status, started.elapsed())
}
