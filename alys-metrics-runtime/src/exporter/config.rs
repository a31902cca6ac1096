//! The exporter's configuration and its start-up errors.

use std::net::SocketAddr;
use std::time::Duration;

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
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetricsConfig {
    /// The address to listen on; default `127.0.0.1:9001`. Port 0 picks a free port (see
    /// [`MetricsServer::local_addr`](super::MetricsServer::local_addr)).
    pub bind: SocketAddr,
    /// How often the resource collector ticks; default 5 s.
    pub collection_interval: Duration,
    /// Hardening limits.
    pub limits: Limits,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 9001)),
            collection_interval: Duration::from_secs(5),
            limits: Limits::default(),
        }
    }
}

/// Limits that keep a misbehaving or hostile client from holding the exporter's resources.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Connections served at once; further ones wait in the listen backlog. Default 64.
    pub max_connections: usize,
    /// Time a client has to send a request's headers (also the idle time allowed between
    /// requests on a kept-alive connection). Default 5 s.
    pub header_read_timeout: Duration,
    /// Time a response may wait for the client to read any of it: a write that makes no
    /// progress for this long closes the connection, so clients that stop reading (or
    /// pipeline requests and never read the answers) cannot hold every connection slot.
    /// Default 5 s.
    pub write_timeout: Duration,
    /// Largest request head accepted, in bytes (at least 8192). Default 16 KiB.
    pub max_header_bytes: usize,
    /// How long [`MetricsServer::shutdown`](super::MetricsServer::shutdown) waits for
    /// in-flight requests before closing their connections. Default 10 s.
    pub shutdown_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_connections: 64,
            header_read_timeout: Duration::from_secs(5),
            write_timeout: Duration::from_secs(5),
            max_header_bytes: 16 * 1024,
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
        }
    }
}

impl std::error::Error for ServeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ServeError::Registry(e) => Some(e),
            ServeError::Bind { source, .. } => Some(source),
            ServeError::Config(_) => None,
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
