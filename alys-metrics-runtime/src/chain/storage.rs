//! The node's database: connections checked out of its pool and the duration of its queries,
//! recorded by wrappers a storage layer puts around its pool and its queries.
//!
//! - [`set_db_connection_pool_max`] sets the pool's size (`alys_db_connection_pool_max`).
//! - [`DbConnection::checkout`] counts a connection as active
//!   (`alys_db_connection_pool_active`) until the returned guard is dropped, whatever way the
//!   code holding it ends (return, `?`, panic).
//! - [`query`] and [`query_async`] time a query into
//!   `alys_db_query_duration_seconds{operation}`: a query that returns an error is observed
//!   too (a slow failure is still slow); a query that panics, or a future dropped before it
//!   completes, is not.
//!
//! ```
//! # extern crate alys_metrics_runtime as alys_metrics;
//! use alys_metrics::chain::storage::{query, set_db_connection_pool_max, DbConnection};
//! use alys_metrics::labels::DbOperation;
//!
//! set_db_connection_pool_max(16);
//! let conn = DbConnection::checkout();
//! let value: Result<Option<u64>, String> = query(DbOperation::Get, || Ok(Some(42)));
//! assert_eq!(value, Ok(Some(42)));
//! drop(conn);
//!
//! let text = alys_metrics::registry().encode_to_string();
//! assert!(text.contains("alys_db_connection_pool_max 16\n"));
//! assert!(text.contains("alys_db_query_duration_seconds_count{operation=\"get\"} 1\n"));
//! ```

use std::future::Future;
use std::time::Instant;

use crate::catalogue::storage::{
    DB_CONNECTION_POOL_ACTIVE, DB_CONNECTION_POOL_MAX, DB_QUERY_DURATION,
};
use crate::labels::DbOperation;
use crate::LabelValue;

/// Sets `alys_db_connection_pool_max`, the most connections the pool hands out.
pub fn set_db_connection_pool_max(max: usize) {
    DB_CONNECTION_POOL_MAX.set(i64::try_from(max).unwrap_or(i64::MAX));
}

/// A connection checked out of the pool: `alys_db_connection_pool_active` counts it from
/// [`checkout`](Self::checkout) until it is dropped. Hold it beside the real connection (or
/// inside the pool's own guard type).
#[derive(Debug)]
#[must_use = "the connection counts as active only while the guard lives"]
pub struct DbConnection(());

impl DbConnection {
    /// Counts one more active connection until the guard is dropped.
    pub fn checkout() -> Self {
        DB_CONNECTION_POOL_ACTIVE.inc();
        Self(())
    }
}

impl Drop for DbConnection {
    fn drop(&mut self) {
        DB_CONNECTION_POOL_ACTIVE.dec();
    }
}

/// Runs `f`, a database query of `operation`, and observes its duration into
/// `alys_db_query_duration_seconds{operation}`; returns what it returns. Not observed if `f`
/// panics.
pub fn query<T>(operation: DbOperation, f: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let out = f();
    DB_QUERY_DURATION
        .with(operation)
        .observe(started.elapsed().as_secs_f64());
    out
}

/// Awaits `future`, a database query of `operation`, and observes the time from its first
/// poll to its completion into `alys_db_query_duration_seconds{operation}`; returns its
/// output. Dropped before it completes, it records nothing.
pub async fn query_async<F: Future>(operation: DbOperation, future: F) -> F::Output {
    // The body of an async fn starts at the first poll: this is when the query starts.
    let started = Instant::now();
    let out = future.await;
    DB_QUERY_DURATION
        .with(operation)
        .observe(started.elapsed().as_secs_f64());
    tracing::trace!(operation = operation.as_str(), "database query timed");
    out
}
