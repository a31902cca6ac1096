//! The HTTP exporter: `/metrics`, `/health` and `/ready` on one port, with the resource
//! collector running beside it.
//!
//! ```no_run
//! # extern crate alys_metrics_runtime as alys_metrics;
//! # async fn run() -> Result<(), alys_metrics::exporter::ServeError> {
//! use alys_metrics::prelude::*;
//!
//! let node = alys_metrics::serve(MetricsConfig::default()).await?; // 127.0.0.1:9001
//! // ... run the node ...
//! node.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! # Endpoints
//!
//! | request | answer |
//! |---|---|
//! | `GET`/`HEAD /metrics` | 401 with `WWW-Authenticate` when authentication is on and the request has no valid credentials; else 200 in the format the `Accept` header prefers ([`Format::negotiate`](crate::encode::Format::negotiate)): Prometheus protobuf (delimited `MetricFamily`; native histogram buckets and exemplars), OpenMetrics text 1.0.0 (exemplars on histogram buckets and counters, `# UNIT`, `# EOF`), or text format 0.0.4 ([`TEXT_CONTENT_TYPE`](crate::encode::TEXT_CONTENT_TYPE); classic buckets only, never exemplars), the default without an acceptable `Accept`, or text 1.0.0 when asked for (`text/plain;version=1.0.0`, Prometheus 3; the same body); the chosen range's `escaping=` scheme echoed in `Content-Type` ([`Negotiated`](crate::encode::Negotiated)); gzip when `Accept-Encoding` allows it; 500 with a message when encoding fails |
//! | `GET`/`HEAD /health` | JSON: `status` (`healthy`, `degraded`, `unhealthy`), `timestamp`, `version` and `commit` (the node's, from [`set_build_info`](crate::set_build_info)), `library_version` (this crate's), `metrics_count`, `uptime_seconds` (since the exporter started), `ready`, `collector` (ticks, `seconds_since_success`, `consecutive_failures`, `total_failures`, ...), `process_health`, `process`, `reasons`; 200 unless `unhealthy` (503). When authentication is on, a request without valid credentials gets only `{"status": ...}` |
//! | `GET`/`HEAD /ready` | 200 once the first resource collection has run; 503 before, and again once shutdown begins |
//! | another path | 404 |
//! | another method on those paths | 405 with `Allow: GET, HEAD` (the body does not repeat the method) |
//!
//! `/health` is `degraded` when no collection has succeeded for over 300 s, when the process's
//! health ([`ProcessHealthStatus`](crate::collector::ProcessHealthStatus)) is `Warning`, or when
//! it has not been read for over 300 s (its last reading is then dropped), and `unhealthy` when
//! it is `Critical`.
//!
//! # Hardening: scrapes first
//!
//! Every connection is accepted at once. When [`Limits::max_connections`] are open, the one
//! that has waited longest for a request (idle keep-alive, silent, or trickling its head) is
//! closed to make room; when all are busy answering, or when the peer address already holds
//! [`Limits::max_connections_per_peer`], the newcomer gets `503` with `Retry-After: 1` and is
//! closed. No client ever waits unanswered in the kernel's backlog. A connection must send its
//! first byte within [`Limits::first_byte_timeout`] (1 s), a TLS handshake within
//! [`Limits::tls_handshake_timeout`] (1 s) of its first byte, and a request head within
//! [`Limits::header_read_timeout`]; kept-alive connections idle for at most
//! [`Limits::keep_alive_timeout`]; requests and age per connection are capped; a response the
//! client reads none of for [`Limits::write_timeout`] closes its connection. Request bodies
//! are never read. A failed or broken connection is logged at DEBUG and never stops the
//! server; an accept error is logged and retried.
//!
//! Thread growth is bounded: connections are tasks on the caller's runtime (no thread per
//! connection), and `/metrics` encodes run on tokio's blocking pool at most
//! [`Limits::max_concurrent_encodes`] (4) at once, plus one bcrypt check per two CPUs (1 to
//! 4) for basic auth: at most 8 blocking threads come from the exporter, however many clients
//! connect.
//! Open sockets stay below `5 x max_connections` (the open ones plus at most four times as
//! many told to close whose tasks have not run yet) plus 256 being refused.
//!
//! # Draining
//!
//! [`MetricsServer::begin_shutdown`] turns `/ready` to 503 and keeps serving everything else
//! for [`MetricsConfig::drain`] (5 s), so that an orchestrator routes traffic away; then the
//! listener closes and requests in flight finish. [`MetricsServer::shutdown`] does the same
//! and waits for the end.
//!
//! # TLS and authentication
//!
//! [`Access`] holds an IP allow-list, a bearer token and (feature `tls`, on by default) a
//! [`WebConfig`]: exporter-toolkit's `web-config.yml` with TLS (rustls), optional client
//! certificates and bcrypt `basic_auth_users`. With authentication on, `/metrics` answers 401
//! without credentials and `/health` shows only its status to unauthenticated clients. A
//! source address that fails too many password checks gets 429 for a while; a request waiting
//! for its password check counts as waiting, so it may be closed to make room. The limits a
//! web config sets on files, bcrypt costs and failed checks are listed in
//! [`WebConfig`'s docs](WebConfig#limits).

mod auth;
#[cfg(feature = "tls")]
mod basic_auth;
mod config;
mod conn;
mod handler;
mod stall;
#[cfg(feature = "tls")]
mod tls;
#[cfg(feature = "tls")]
mod web_config;
#[cfg(not(feature = "tls"))]
#[path = "web_config_off.rs"]
mod web_config;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tokio::task::{JoinHandle, JoinSet};

pub use auth::IpNetError;
pub use config::{Access, IpNet, Limits, MetricsConfig, ServeError};
pub use web_config::WebConfig;

use crate::collector::{CollectorState, ProcessCollector, ResourceSource, SysinfoSource};
use crate::race::{race, Either};
use conn::{ConnContext, Table};
use handler::Shared;

/// Where the server is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Serving,
    /// `/ready` is 503; the listener closes at this instant.
    Draining(tokio::time::Instant),
    /// Stop accepting now.
    Stopping,
}

/// Starts the exporter and the resource collector over this process's figures.
///
/// Initialises the registry first ([`init`](crate::init)), so that two metrics with one name
/// stop the node here, then listens on `config.bind` and starts collecting every
/// `config.collection_interval`. Must be called within a tokio runtime with I/O and time
/// enabled.
///
/// # Errors
///
/// [`ServeError::Registry`] for duplicate metric names, [`ServeError::Bind`] when the address
/// cannot be listened on, [`ServeError::Config`] for an out-of-range setting.
pub async fn serve(config: MetricsConfig) -> Result<MetricsServer, ServeError> {
    crate::init()?;
    config.validate()?;
    let source = tokio::task::spawn_blocking(SysinfoSource::new)
        .await
        .map_err(|e| ServeError::Config(format!("reading this process's figures failed: {e}")))?;
    serve_with(config, ProcessCollector::new(source)).await
}

/// Like [`serve`], with a collector of your own (another [`ResourceSource`], or a
/// [`Clock`](crate::collector::Clock) for tests).
///
/// # Errors
///
/// As [`serve`].
pub async fn serve_with<S: ResourceSource>(
    config: MetricsConfig,
    collector: ProcessCollector<S>,
) -> Result<MetricsServer, ServeError> {
    let registry = crate::init()?;
    config.validate()?;
    registry.set_created_timestamps(config.created_timestamps);
    let listener = listen(config.bind).map_err(|source| ServeError::Bind {
        addr: config.bind,
        source,
    })?;
    let local_addr = listener.local_addr().map_err(|source| ServeError::Bind {
        addr: config.bind,
        source,
    })?;

    let shared = Arc::new(Shared {
        registry,
        collector: Arc::clone(collector.state()),
        shutting_down: AtomicBool::new(false),
        started: Instant::now(),
        auth: auth::Authenticator::new(&config.access),
        encodes: Semaphore::new(config.limits.max_concurrent_encodes),
    });
    let ctx = Arc::new(ConnContext {
        shared: Arc::clone(&shared),
        limits: config.limits.clone(),
        #[cfg(feature = "tls")]
        tls: config
            .access
            .web_config
            .as_ref()
            .and_then(WebConfig::tls_config)
            .map(tokio_rustls::TlsAcceptor::from),
    });
    let (phase, _) = watch::channel(Phase::Serving);
    let (collector_stop, _) = watch::channel(false);

    let collector_task = tokio::spawn(collector.run_until(
        config.collection_interval,
        stopped(collector_stop.subscribe()),
    ));
    let server_task = tokio::spawn(accept_loop(
        listener,
        ctx,
        config.access.clone(),
        phase.subscribe(),
    ));
    let scheme = if config
        .access
        .web_config
        .as_ref()
        .is_some_and(WebConfig::tls_enabled)
    {
        "https"
    } else {
        "http"
    };
    tracing::info!(
        addr = %local_addr,
        scheme,
        auth = config.access.auth_required(),
        allow_list = config.access.allow.len(),
        "metrics exporter listening"
    );
    Ok(MetricsServer {
        local_addr,
        shared,
        phase,
        collector_stop,
        drain: config.drain,
        server_task: Some(server_task),
        collector_task: Some(collector_task),
        shutdown_timeout: config.limits.shutdown_timeout,
    })
}

/// Connections the kernel completes and queues before the accept loop takes them (capped by
/// the kernel's `net.core.somaxconn`). Larger than tokio's 1,024 so that a burst of
/// connections while the process is short of CPU is queued, not dropped.
const LISTEN_BACKLOG: u32 = 4096;

fn listen(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

/// Completes once shutdown is signalled (or the server handle is gone).
async fn stopped(mut rx: watch::Receiver<bool>) {
    signalled(&mut rx).await;
}

async fn signalled(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|stop| *stop).await;
}

/// A running exporter and collector.
///
/// Dropping it stops both (as [`shutdown`](Self::shutdown) does, without waiting); keep it
/// alive for as long as the node should be scrapeable.
#[must_use = "dropping the server stops it"]
pub struct MetricsServer {
    local_addr: SocketAddr,
    shared: Arc<Shared>,
    phase: watch::Sender<Phase>,
    collector_stop: watch::Sender<bool>,
    drain: Duration,
    server_task: Option<JoinHandle<()>>,
    collector_task: Option<JoinHandle<()>>,
    shutdown_timeout: Duration,
}

impl std::fmt::Debug for MetricsServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsServer")
            .field("local_addr", &self.local_addr)
            .field("ready", &self.is_ready())
            .finish_non_exhaustive()
    }
}

impl MetricsServer {
    /// The address the exporter listens on (the real port when port 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The collector's state, as `/health` reports it.
    pub fn collector(&self) -> &Arc<CollectorState> {
        &self.shared.collector
    }

    /// What `/ready` answers now: the first collection has run and shutdown has not begun.
    pub fn is_ready(&self) -> bool {
        !self.shared.shutting_down.load(Ordering::Relaxed) && self.shared.collector.has_run()
    }

    /// Waits until the first resource collection has run (when `/ready` turns 200).
    pub async fn wait_ready(&self) {
        self.shared.collector.wait_first_tick().await;
    }

    /// Begins draining: `/ready` answers 503 while everything else goes on serving for
    /// [`MetricsConfig::drain`], so that an orchestrator stops routing to the node; then the
    /// listener closes and requests in flight finish. [`shutdown`](Self::shutdown) does this
    /// first. Calling it again changes nothing.
    pub fn begin_shutdown(&self) {
        if !self.shared.shutting_down.swap(true, Ordering::Relaxed) {
            let until = tokio::time::Instant::now() + self.drain;
            self.phase.send_if_modified(|p| {
                if *p == Phase::Serving {
                    *p = Phase::Draining(until);
                    true
                } else {
                    false
                }
            });
            tracing::info!(
                addr = %self.local_addr,
                drain_seconds = self.drain.as_secs_f64(),
                "metrics exporter draining: /ready answers 503"
            );
        }
    }

    /// Stops gracefully: [`begin_shutdown`](Self::begin_shutdown), then after the drain
    /// period the listener closes, requests in flight finish (for up to
    /// [`Limits::shutdown_timeout`], after which their connections are closed), idle
    /// connections close, and the collector task stops. When this returns, no task of the
    /// exporter is left.
    pub async fn shutdown(mut self) {
        self.begin_shutdown();
        if let Some(task) = self.server_task.take() {
            if let Err(e) = task.await {
                tracing::error!(error = %e, "the metrics server task failed");
            }
        }
        self.collector_stop.send_replace(true);
        if let Some(task) = self.collector_task.take() {
            match tokio::time::timeout(self.shutdown_timeout, task).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::error!(error = %e, "the resource collector task failed"),
                Err(_) => tracing::warn!("the resource collector did not stop in time"),
            }
        }
        tracing::info!(addr = %self.local_addr, "metrics exporter stopped");
    }
}

impl Drop for MetricsServer {
    fn drop(&mut self) {
        self.shared.shutting_down.store(true, Ordering::Relaxed);
        self.phase.send_replace(Phase::Stopping);
        self.collector_stop.send_replace(true);
    }
}

/// Completes when the server should stop accepting: at once on `Stopping`, at the end of the
/// drain period on `Draining`.
async fn stop_accepting(rx: &mut watch::Receiver<Phase>) {
    loop {
        let phase = *rx.borrow_and_update();
        match phase {
            Phase::Stopping => return,
            Phase::Draining(until) => {
                let woke = race(tokio::time::sleep_until(until), rx.changed()).await;
                if matches!(woke, Either::Left(()) | Either::Right(Err(_))) {
                    return;
                }
            }
            Phase::Serving => {
                if rx.changed().await.is_err() {
                    return;
                }
            }
        }
    }
}

/// Accepts connections until the drain period ends (or the server is dropped), admitting
/// each as [`conn::Table::admit`] decides, then lets the open ones finish.
async fn accept_loop(
    listener: TcpListener,
    ctx: Arc<ConnContext>,
    access: Access,
    mut phase: watch::Receiver<Phase>,
) {
    let table = Arc::new(Table::new(&ctx.limits));
    let (stop_conns, _) = watch::channel(false);
    #[cfg(feature = "tls")]
    let tls = ctx.tls.is_some();
    #[cfg(not(feature = "tls"))]
    let tls = false;
    let mut connections = JoinSet::new();
    let mut stop = std::pin::pin!(stop_accepting(&mut phase));
    loop {
        let accepted = race(&mut stop, listener.accept()).await;
        let (stream, peer) = match accepted {
            Either::Left(()) => break,
            Either::Right(Ok(a)) => a,
            Either::Right(Err(e)) => {
                // Out of descriptors and the like: log, breathe, go on.
                tracing::warn!(error = %e, "accepting a metrics connection failed");
                let pause = tokio::time::sleep(Duration::from_millis(100));
                if let Either::Left(()) = race(&mut stop, pause).await {
                    break;
                }
                continue;
            }
        };
        if !access.allows(peer.ip()) {
            tracing::debug!(peer = %peer, "a connection from outside the allow-list was closed");
            drop(stream);
            continue;
        }
        match table.admit(peer.ip().to_canonical()) {
            Ok(ticket) => {
                let ctx = Arc::clone(&ctx);
                let rx = stop_conns.subscribe();
                connections.spawn(conn::serve(stream, peer, ticket, ctx, rx));
            }
            Err(why) => {
                tracing::debug!(peer = %peer, reason = ?why, "a metrics connection was refused");
                table.refuse(stream, why, tls);
            }
        }
        while let Some(done) = connections.try_join_next() {
            log_join(done);
        }
    }
    drop(listener);
    stop_conns.send_replace(true);

    let finish = async {
        while let Some(done) = connections.join_next().await {
            log_join(done);
        }
    };
    if tokio::time::timeout(ctx.limits.shutdown_timeout, finish)
        .await
        .is_err()
    {
        tracing::warn!(
            open = connections.len(),
            "metrics connections did not finish within the shutdown timeout; closing them"
        );
        connections.abort_all();
        while connections.join_next().await.is_some() {}
    }
}

fn log_join(done: Result<(), tokio::task::JoinError>) {
    if let Err(e) = done {
        if e.is_panic() {
            tracing::error!(error = %e, "a metrics connection task panicked; the server goes on");
        }
    }
}
