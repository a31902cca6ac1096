//! The exporter's configuration and its start-up errors.

use std::net::SocketAddr;
use std::time::Duration;

pub use super::auth::{Access, IpNet};
use crate::exposition::created::CreatedTimestamps;
use crate::registry::RegistryError;

/// Where and how [`serve`](super::serve) listens and collects.
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use std::time::Duration;
/// use alys_metrics::MetricsConfig;
///
/// let config = MetricsConfig {
///     bind: "0.0.0.0:9001".parse().unwrap(),
///     collection_interval: Duration::from_secs(10),
///     ..MetricsConfig::default()
/// };
/// assert_eq!(config.limits.max_connections, 64);
/// assert_eq!(config.drain, Duration::from_secs(5));
/// ```
#[derive(Clone, Debug)]
pub struct MetricsConfig {
    /// The address to listen on; default `127.0.0.1:9001`. Port 0 picks a free port (see
    /// [`MetricsServer::local_addr`](super::MetricsServer::local_addr)).
    pub bind: SocketAddr,
    /// How often the resource collector ticks; default 5 s.
    pub collection_interval: Duration,
    /// How long the exporter goes on serving after
    /// [`begin_shutdown`](super::MetricsServer::begin_shutdown), with `/ready` answering 503,
    /// before it stops accepting connections: the time an orchestrator needs to notice and
    /// route away. Default 5 s; zero stops accepting at once.
    pub drain: Duration,
    /// Hardening limits.
    pub limits: Limits,
    /// Who may connect and what authenticates a request: an IP allow-list, a bearer token,
    /// and (feature `tls`) TLS and basic authentication from a `web-config.yml`. Default: no
    /// restriction, plain HTTP.
    pub access: Access,
    /// Which formats carry each counter's and histogram's start time: protobuf's
    /// `created_timestamp` (default on) and OpenMetrics' `_created` lines (default off; turn
    /// on for a Prometheus 3 with `--enable-feature=created-timestamp-zero-ingestion`
    /// scraping OpenMetrics). [`serve`](super::serve) sets it on the default registry
    /// (`Registry::set_created_timestamps`).
    pub created_timestamps: CreatedTimestamps,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 9001)),
            collection_interval: Duration::from_secs(5),
            drain: Duration::from_secs(5),
            limits: Limits::default(),
            access: Access::default(),
            created_timestamps: CreatedTimestamps::default(),
        }
    }
}

/// Limits that keep a misbehaving or hostile client from holding the exporter's resources.
///
/// The exporter always accepts a connection. When [`max_connections`](Self::max_connections)
/// are open, it closes the open connection that has waited longest for a request (idle
/// keep-alive, or still sending its request head) to make room; when every open connection
/// is in the middle of a request, it answers the newcomer `503` with `Retry-After` and
/// closes. No client is ever left waiting in the kernel's backlog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Connections served at once. Default 64.
    pub max_connections: usize,
    /// Connections one peer address may hold at once; more get `503`. Default 16.
    pub max_connections_per_peer: usize,
    /// Time a new connection has to send its first byte; it is closed otherwise. Default 1 s.
    pub first_byte_timeout: Duration,
    /// Time a client has to complete a request head once its first byte has arrived (with
    /// TLS, the handshake too). Default 5 s. A request waiting for its password check is
    /// closed after this long too.
    pub header_read_timeout: Duration,
    /// Time a TLS client has to complete its handshake once its first byte has arrived; the
    /// connection is closed otherwise, so half-open handshakes cannot hold an address's
    /// connections for long. Default 1 s (a handshake takes one or two round trips); raise it
    /// for scrapers far away on slow links.
    pub tls_handshake_timeout: Duration,
    /// Time a kept-alive connection may wait for its next request. Default 30 s, longer than
    /// Prometheus's usual 15 s scrape interval so that its connection is reused.
    pub keep_alive_timeout: Duration,
    /// Requests served on one connection; the last one's answer carries
    /// `Connection: close`. Default 1000.
    pub max_requests_per_connection: u64,
    /// Age after which a connection is closed once its request in flight (if any) is
    /// answered. Default 10 minutes.
    pub max_connection_age: Duration,
    /// Time a response may wait for the client to read any of it: a write that makes no
    /// progress for this long closes the connection, so clients that stop reading (or
    /// pipeline requests and never read the answers) cannot hold every connection slot.
    /// Default 5 s.
    pub write_timeout: Duration,
    /// Largest request head accepted, in bytes (at least 8192). Default 16 KiB.
    pub max_header_bytes: usize,
    /// `/metrics` encodes that run at once on tokio's blocking pool; further scrapes wait
    /// their turn. This bounds the threads scrapes can add: at most this many. Default 4.
    pub max_concurrent_encodes: usize,
    /// How long [`MetricsServer::shutdown`](super::MetricsServer::shutdown) waits, after the
    /// drain period, for in-flight requests before closing their connections. Default 10 s.
    pub shutdown_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_connections: 64,
            max_connections_per_peer: 16,
            first_byte_timeout: Duration::from_secs(1),
            header_read_timeout: Duration::from_secs(5),
            tls_handshake_timeout: Duration::from_secs(1),
            keep_alive_timeout: Duration::from_secs(30),
            max_requests_per_connection: 1000,
            max_connection_age: Duration::from_secs(600),
            write_timeout: Duration::from_secs(5),
            max_header_bytes: 16 * 1024,
            max_concurrent_encodes: 4,
            shutdown_timeout: Duration::from_secs(10),
        }
    }
}

/// Why [`serve`](super::serve) could not start.
#[derive(Debug)]
pub enum ServeError {
    /// Two metrics share a name; the exporter would export ambiguous data.
    Registry(RegistryError),
    /// The listening socket could not be opened.
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A configuration value is out of range.
    Config(String),
    /// The web-config file (TLS and authentication) cannot be used; the message names the
    /// file and the field.
    WebConfig(String),
}

impl std::fmt::Display for ServeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServeError::Registry(e) => write!(f, "cannot start the metrics exporter: {e}"),
            ServeError::Bind { addr, source } => write!(
                f,
                "cannot listen on {addr}: {source}; if another process uses the port, stop it \
                 or set `MetricsConfig::bind` to a free address (port 0 picks one)"
            ),
            ServeError::Config(msg) => write!(f, "invalid metrics configuration: {msg}"),
            ServeError::WebConfig(msg) => write!(f, "invalid web config: {msg}"),
        }
    }
}

impl std::error::Error for ServeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ServeError::Registry(e) => Some(e),
            ServeError::Bind { source, .. } => Some(source),
            ServeError::Config(_) | ServeError::WebConfig(_) => None,
        }
    }
}

impl From<RegistryError> for ServeError {
    fn from(e: RegistryError) -> Self {
        ServeError::Registry(e)
    }
}

impl MetricsConfig {
    pub(crate) fn validate(&self) -> Result<(), ServeError> {
        if self.collection_interval.is_zero() {
            return Err(ServeError::Config(
                "`collection_interval` is 0; use a positive duration such as 5 s".into(),
            ));
        }
        for (name, value) in [
            (
                "limits.max_connections_per_peer",
                self.limits.max_connections_per_peer,
            ),
            (
                "limits.max_concurrent_encodes",
                self.limits.max_concurrent_encodes,
            ),
        ] {
            if value == 0 {
                return Err(ServeError::Config(format!(
                    "`{name}` is 0, so no scrape could be served; use at least 1"
                )));
            }
        }
        if self.limits.max_requests_per_connection == 0 {
            return Err(ServeError::Config(
                "`limits.max_requests_per_connection` is 0; use at least 1".into(),
            ));
        }
        for (name, value) in [
            ("limits.first_byte_timeout", self.limits.first_byte_timeout),
            (
                "limits.tls_handshake_timeout",
                self.limits.tls_handshake_timeout,
            ),
            ("limits.keep_alive_timeout", self.limits.keep_alive_timeout),
            ("limits.max_connection_age", self.limits.max_connection_age),
        ] {
            if value.is_zero() {
                return Err(ServeError::Config(format!(
                    "`{name}` is 0, so every connection would be closed at once; use a \
                     positive duration"
                )));
            }
        }
        if self.limits.max_connections == 0 {
            return Err(ServeError::Config(
                "`limits.max_connections` is 0, so no scrape could be served; use at least 1"
                    .into(),
            ));
        }
        if self.limits.max_header_bytes < 8192 {
            return Err(ServeError::Config(format!(
                "`limits.max_header_bytes` is {}; hyper needs at least 8192",
                self.limits.max_header_bytes
            )));
        }
        if self.limits.header_read_timeout.is_zero() {
            return Err(ServeError::Config(
                "`limits.header_read_timeout` is 0, so every request would time out; use a \
                 positive duration such as 5 s"
                    .into(),
            ));
        }
        if self.limits.write_timeout.is_zero() {
            return Err(ServeError::Config(
                "`limits.write_timeout` is 0, so every response would time out; use a \
                 positive duration such as 5 s"
                    .into(),
            ));
        }
        Ok(())
    }
}
