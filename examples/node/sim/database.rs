//! The node's database under load: a pool of 16 connections serving about 40 queries a second
//! (point reads mostly, writes, batches, range scans; a compaction of a second or two every
//! few minutes), every query through the library's query wrapper holding a connection guard.
//! Every five minutes or so a load surge (several hundred queries a second for half a minute,
//! each slower under contention) exhausts the pool: queries wait for a connection, and beyond
//! 200 waiting the node sheds load.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use alys_metrics::chain::storage::{query_async, set_db_connection_pool_max, DbConnection};
use alys_metrics::labels::DbOperation;
use tokio::sync::Semaphore;

use super::control::{every, tick, Activity, Dice};

/// Connections in the pool.
const POOL: usize = 16;
/// Queries allowed to wait for a connection before new ones are shed.
const MAX_WAITING: usize = 200;

/// Operations, how often, and their median duration in milliseconds.
const OPERATIONS: [(DbOperation, f64, f64); 5] = [
    (DbOperation::Get, 55.0, 2.0),
    (DbOperation::Put, 20.0, 4.0),
    (DbOperation::Iterate, 10.0, 40.0),
    (DbOperation::Batch, 8.0, 25.0),
    (DbOperation::Delete, 7.0, 3.0),
];

/// Median duration of a compaction.
const COMPACTION: Duration = Duration::from_millis(1500);

/// Runs the database load.
pub async fn database(mut dice: Dice, mut activity: Activity) {
    set_db_connection_pool_max(POOL);
    let pool = Rc::new(Semaphore::new(POOL));
    let waiting = Rc::new(Cell::new(0usize));
    let mut ticks = every(Duration::from_millis(100));
    let mut surge_ticks = 0u32;
    let weights: Vec<(usize, f64)> = OPERATIONS
        .iter()
        .enumerate()
        .map(|(i, (_, w, _))| (i, *w))
        .collect();
    loop {
        tick(&mut ticks, &mut activity).await;
        if surge_ticks == 0 && dice.chance(1.0 / 3000.0) {
            surge_ticks = 300;
            tracing::info!("database load surge");
        }
        let (lambda, slowdown) = if surge_ticks > 0 {
            surge_ticks -= 1;
            (30.0, 4.0)
        } else {
            (4.0, 1.0)
        };
        let compaction = dice.chance(1.0 / 1800.0);
        for n in 0..dice.poisson(lambda) + u64::from(compaction) {
            if waiting.get() >= MAX_WAITING {
                tracing::debug!("database queries shed: too many waiting for a connection");
                continue;
            }
            let (op, work) = if compaction && n == 0 {
                (DbOperation::Compact, dice.latency(COMPACTION, 0.4))
            } else {
                let (op, _, median_ms) = OPERATIONS[*dice.pick(&weights)];
                let median = Duration::from_secs_f64(median_ms * slowdown / 1000.0);
                (op, dice.latency(median, 0.6))
            };
            let (pool, waiting) = (Rc::clone(&pool), Rc::clone(&waiting));
            waiting.set(waiting.get() + 1);
            actix_rt::spawn(async move {
                let permit = pool.acquire().await;
                waiting.set(waiting.get() - 1);
                let Ok(_permit) = permit else { return };
                let _connection = DbConnection::checkout();
                query_async(op, tokio::time::sleep(work)).await;
            });
        }
    }
}
