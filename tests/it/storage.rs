//! The database wrappers: connections checked out of the pool (exact on every path, panics
//! included), the pool's size, and query durations by operation for sync and async queries.
//! The sync tests hold `crate::serial()`: they share the unlabelled pool gauges.

use std::time::Duration;

use crate::samples::value;
use alys_metrics::chain::storage::{query, query_async, set_db_connection_pool_max, DbConnection};
use alys_metrics::labels::DbOperation;

const ACTIVE: &str = "alys_db_connection_pool_active";

#[test]
fn active_connections_are_exact_on_every_path() {
    let _serial = crate::serial();
    set_db_connection_pool_max(8);
    assert_eq!(value("alys_db_connection_pool_max"), 8.0);
    let before = value(ACTIVE);
    let held: Vec<DbConnection> = (0..5).map(|_| DbConnection::checkout()).collect();
    assert_eq!(value(ACTIVE), before + 5.0);
    // A query that panics while holding a connection gives it back.
    let panicked = std::panic::catch_unwind(|| {
        let _conn = DbConnection::checkout();
        assert_eq!(value(ACTIVE), before + 6.0);
        query(DbOperation::Compact, || panic!("simulated corruption"))
    });
    assert!(panicked.is_err());
    assert_eq!(value(ACTIVE), before + 5.0);
    drop(held);
    assert_eq!(value(ACTIVE), before);
    // From threads: 4 threads x 1,000 checkouts, all returned.
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..1_000 {
                    let _c = DbConnection::checkout();
                }
            });
        }
    });
    assert_eq!(value(ACTIVE), before);
}

#[test]
fn queries_are_observed_by_operation_errors_included_panics_not() {
    let _serial = crate::serial();
    let count = |op: &str| {
        value(&format!(
            "alys_db_query_duration_seconds_count{{operation=\"{op}\"}}"
        ))
    };
    let (puts, deletes, compacts) = (count("put"), count("delete"), count("compact"));
    let r: Result<(), &str> = query(DbOperation::Put, || Ok(()));
    assert_eq!(r, Ok(()));
    let r: Result<(), &str> = query(DbOperation::Delete, || Err("locked"));
    assert_eq!(r, Err("locked"));
    let _ = std::panic::catch_unwind(|| query(DbOperation::Compact, || panic!("boom")));
    assert_eq!(count("put"), puts + 1.0);
    assert_eq!(
        count("delete"),
        deletes + 1.0,
        "a failed query is still timed"
    );
    assert_eq!(count("compact"), compacts, "a panicked query is not");
    // A 30 ms query falls in the 0.05 s bucket, not in 0.01 s or below.
    query(DbOperation::Iterate, || {
        std::thread::sleep(Duration::from_millis(30))
    });
    let b = |le: &str| {
        value(&format!(
            "alys_db_query_duration_seconds_bucket{{operation=\"iterate\",le=\"{le}\"}}"
        ))
    };
    assert_eq!(b("0.01"), 0.0);
    assert_eq!(b("+Inf"), 1.0);
    assert!(value("alys_db_query_duration_seconds_sum{operation=\"iterate\"}") >= 0.03);
}

#[tokio::test]
async fn async_queries_are_timed_from_first_poll_to_completion_and_not_when_dropped() {
    let count = || value("alys_db_query_duration_seconds_count{operation=\"batch\"}");
    let before = count();
    let q = query_async(DbOperation::Batch, async {
        tokio::time::sleep(Duration::from_millis(20)).await;
        7
    });
    // Created but not polled yet: the time before the first poll is not the query's.
    let sum = || value("alys_db_query_duration_seconds_sum{operation=\"batch\"}");
    let sum_before = sum();
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(q.await, 7);
    assert_eq!(count(), before + 1.0);
    let took = sum() - sum_before;
    assert!(
        (0.02..0.2).contains(&took),
        "timed {took} s, not the 200 ms before the first poll"
    );
    assert_eq!(
        value("alys_db_query_duration_seconds_bucket{operation=\"batch\",le=\"0.01\"}"),
        0.0
    );
    // A query abandoned half-way (its caller timed out) records nothing.
    let slow = query_async(
        DbOperation::Batch,
        tokio::time::sleep(Duration::from_secs(60)),
    );
    assert!(tokio::time::timeout(Duration::from_millis(10), slow)
        .await
        .is_err());
    assert_eq!(count(), before + 1.0);
}
