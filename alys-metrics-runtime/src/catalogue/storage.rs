//! The node's database: its connection pool and query durations. Recorded through
//! [`chain::storage`](crate::chain::storage).

use crate::labels::*;
use crate::prelude::*;

/// Database connections checked out of the pool now.
#[alys_metric(gauge)]
pub static DB_CONNECTION_POOL_ACTIVE: IntGauge;

/// Size of the database connection pool (the most connections that can be checked out).
#[alys_metric(gauge)]
pub static DB_CONNECTION_POOL_MAX: IntGauge;

/// Duration of database queries, in seconds, by operation (queries that fail are observed
/// too; a query whose future is dropped unfinished is not).
#[alys_metric(
    histogram,
    labels(operation: DbOperation),
    buckets = [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0]
)]
pub static DB_QUERY_DURATION: Histogram;
