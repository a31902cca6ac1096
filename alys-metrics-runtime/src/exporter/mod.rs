//! The HTTP exporter: `/metrics`, `/health` and `/ready` on one port, with the resource
//! collector running beside it (seed ALYS-003-02, -03).
//!
//! ```no_run
//! # extern crate alys_metrics_runtime as alys_metrics;
//! # async fn run() -> Result<(), alys_metrics::ServeError> {
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
//! | `GET`/`HEAD /metrics` | 200, text format 0.0.4 ([`TEXT_CONTENT_TYPE`](crate::encode::TEXT_CONTENT_TYPE)), gzip when `Accept-Encoding` allows it; 500 with a message when encoding fails |
//! | `GET`/`HEAD /health` | JSON: `status` (`healthy`, `degraded`, `unhealthy`), `timestamp`, `version`, `metrics_count`, `uptime_seconds` (since the exporter started), `ready`, `collector` (ticks, `seconds_since_success`, `consecutive_failures`, `total_failures`, ...), `process_health`, `process`, `reasons`; 200 unless `unhealthy` (503) |
//! | `GET`/`HEAD /ready` | 200 once the first resource collection has run; 503 before, and again once shutdown begins |
//! | another path | 404 |
//! | another method on those paths | 405 with `Allow: GET, HEAD` |
//!
//! `/health` is `degraded` when no collection has succeeded for over 300 s, when the process's
//! health ([`ProcessHealthStatus`](crate::collector::ProcessHealthStatus)) is `Warning`, or when
//! it has not been read for over 300 s (its last reading is then dropped), and `unhealthy` when
//! it is `Critical`.
//!
//! # Hardening
//!
//! [`Limits`]: a header-read timeout (also the keep-alive idle limit), a write timeout (a
//! response the client reads none of for that long closes its connection, so clients that
//! stop reading cannot hold every connection slot), a cap on concurrent connections and on
//! the request head's size. Request bodies are never read. A failed or
//! broken connection is logged at DEBUG and never stops the server; an accept error is
//! logged and retried.

mod config;
mod handler;
mod stall;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use tokio::task::{JoinHandle, JoinSet};

pub use config::{Limits, MetricsConfig, ServeError};

use crate::collector::{Collector, CollectorState, ResourceSource, SysinfoSource};
use handler::Shared;
use stall::WriteStallTimeout;

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
    serve_with(config, Collector::new(source)).await
}

/// Like [`serve`], with a collector of your own (another [`ResourceSource`], or a
/// [`Clock`](crate::collector::Clock) for tests).
///
/// # Errors
///
/// As [`serve`].
pub async fn serve_with<S: ResourceSource>(
    config: MetricsConfig,
    collector: Collector<S>,
) -> Result<MetricsServer, ServeError> {
    let registry = crate::init()?;
    config.validate()?;
    let listener = TcpListener::bind(config.bind)
        .await
        .map_err(|source| ServeError::Bind {
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
    });
    let (shutdown, _) = watch::channel(false);

    let collector_task = tokio::spawn(
        collector.run_until(config.collection_interval, stopped(shutdown.subscribe())),
    );
    let server_task = tokio::spawn(accept_loop(
        listener,
        Arc::clone(&shared),
        config.limits.clone(),
        shutdown.subscribe(),
    ));
    tracing::info!(addr = %local_addr, "metrics exporter listening");
    Ok(MetricsServer {
        local_addr,
        shared,
        shutdown,
        server_task: Some(server_task),
        collector_task: Some(collector_task),
        shutdown_timeout: config.limits.shutdown_timeout,
    })
}

/// The body `GET /metrics` sends: the registry's exposition text, gzip-compressed (at the
/// fastest level, which already shrinks the text about tenfold) when `gzip` is set.
///
/// # Errors
///
/// Only from the compressor; the plain text cannot fail.
pub fn render_metrics(registry: &crate::Registry, gzip: bool) -> std::io::Result<Vec<u8>> {
    crate::encode::render(registry, crate::encode::Format::Text, gzip)
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
    shutdown: watch::Sender<bool>,
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

    /// Makes `/ready` answer 503 while everything else goes on serving, so that an
    /// orchestrator stops routing to the node before it stops. [`shutdown`](Self::shutdown)
    /// does this first.
    pub fn begin_shutdown(&self) {
        if !self.shared.shutting_down.swap(true, Ordering::Relaxed) {
            tracing::info!(addr = %self.local_addr, "metrics exporter shutting down");
        }
    }

    /// Stops gracefully: `/ready` turns 503, the listener closes, requests in flight finish
    /// (for up to [`Limits::shutdown_timeout`], after which their connections are closed),
    /// idle connections close, and the collector task stops. When this returns, no task of
    /// the exporter is left.
    pub async fn shutdown(mut self) {
        self.begin_shutdown();
        self.shutdown.send_replace(true);
        if let Some(task) = self.server_task.take() {
            if let Err(e) = task.await {
                tracing::error!(error = %e, "the metrics server task failed");
            }
        }
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
        self.shutdown.send_replace(true);
    }
}

/// Accepts connections until shutdown, at most `limits.max_connections` at once, then lets
/// the open ones finish.
async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    limits: Limits,
    mut shutdown: watch::Receiver<bool>,
) {
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let mut connections = JoinSet::new();
    loop {
        let permit = tokio::select! {
            biased;
            () = signalled(&mut shutdown) => break,
            permit = Arc::clone(&permits).acquire_owned() => match permit {
                Ok(p) => p,
                Err(_) => break,
            },
        };
        let (stream, peer) = tokio::select! {
            biased;
            () = signalled(&mut shutdown) => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of descriptors and the like: log, breathe, go on.
                    tracing::warn!(error = %e, "accepting a metrics connection failed");
                    tokio::select! {
                        () = signalled(&mut shutdown) => break,
                        () = tokio::time::sleep(Duration::from_millis(100)) => continue,
                    }
                }
            },
        };
        let shared = Arc::clone(&shared);
        let limits = limits.clone();
        let rx = shutdown.clone();
        connections.spawn(async move {
            serve_connection(stream, peer, shared, &limits, rx).await;
            drop(permit);
        });
        while let Some(done) = connections.try_join_next() {
            log_join(done);
        }
    }
    drop(listener);

    let drain = async {
        while let Some(done) = connections.join_next().await {
            log_join(done);
        }
    };
    if tokio::time::timeout(limits.shutdown_timeout, drain)
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

/// Serves one connection; on shutdown, finishes the request in flight and closes.
async fn serve_connection(
    stream: TcpStream,
    peer: SocketAddr,
    shared: Arc<Shared>,
    limits: &Limits,
    mut shutdown: watch::Receiver<bool>,
) {
    let _ = stream.set_nodelay(true);
    let service = service_fn(move |req| {
        let shared = Arc::clone(&shared);
        async move { Ok::<_, Infallible>(handler::handle(shared, req).await) }
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_buf_size(limits.max_header_bytes);
    let io = TokioIo::new(WriteStallTimeout::new(stream, limits.write_timeout));
    let conn = builder.serve_connection(io, service);
    tokio::pin!(conn);
    let mut closing = false;
    loop {
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(peer = %peer, error = %e, "metrics connection ended with an error");
                }
                break;
            }
            () = signalled(&mut shutdown), if !closing => {
                closing = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}
