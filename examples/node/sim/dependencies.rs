//! The actors' external dependencies, called through `alys_metrics::actor_system::Dependency`:
//! the bridge actor's Bitcoin node (`bitcoind`, behind a circuit breaker that trips during its
//! outages: 15 s of every 60 s), the engine actor's execution client (`geth`, behind a breaker,
//! with a rare error) and the storage actor's database (`rocksdb`). The calls are simulated:
//! each takes a log-normal time.

use std::time::Duration;

use alys_metrics::actor_system::{BreakerConfig, Dependency};
use alys_metrics::labels::DependencyType;
use alys_metrics::prelude::*;

use super::control::{every, tick, Activity, Dice};

/// Two rounds of calls a second while the node runs.
pub async fn dependencies(mut dice: Dice, mut activity: Activity) {
    let bitcoind = Dependency::new(ActorType::Bridge, "bitcoind", DependencyType::BitcoinRpc)
        .with_breaker(BreakerConfig {
            failure_threshold: 3,
            open_for: Duration::from_secs(5),
            ..BreakerConfig::default()
        });
    let geth = Dependency::new(ActorType::Engine, "geth", DependencyType::ExecutionEngine)
        .with_breaker(BreakerConfig::default());
    let rocksdb = Dependency::new(ActorType::Storage, "rocksdb", DependencyType::Database);
    let mut ticks = every(Duration::from_millis(500));
    let mut round = 0u64;
    loop {
        tick(&mut ticks, &mut activity).await;
        round += 1;
        let outage = (round / 2) % 60 >= 45;
        let wait = dice.latency(Duration::from_millis(4), 0.6);
        let _ = bitcoind
            .call_async("getblockcount", async {
                tokio::time::sleep(wait).await;
                if outage {
                    Err("connection refused")
                } else {
                    Ok(())
                }
            })
            .await;
        let wait = dice.latency(Duration::from_millis(2), 0.5);
        let failed = dice.chance(0.01);
        let _ = geth
            .call_async("forkchoice_updated", async {
                tokio::time::sleep(wait).await;
                if failed {
                    Err("engine error")
                } else {
                    Ok(())
                }
            })
            .await;
        let wait = dice.latency(Duration::from_micros(300), 0.5);
        let _ = rocksdb
            .call_async("get", async {
                tokio::time::sleep(wait).await;
                Ok::<_, ()>(())
            })
            .await;
    }
}
