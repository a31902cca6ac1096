//! The execution library's migration from Lighthouse v4 to v5, through
//! `alys_metrics::chain::lighthouse`, and the execution client's health checks through
//! `alys_metrics::chain::engine`.
//!
//! The traffic on v5 grows by 5 % every 6 s. While both versions serve, one operation in ten
//! runs on both and the results are compared (one comparison in a hundred differs). The first
//! time the split reaches 50 % the migration is rolled back (to v4, 0 % on v5) and the plan
//! starts again 30 s later; at 100 % v5 becomes the active version. Besides the payload builds
//! the engine actor routes, the library verifies BLS signatures (one in 500 invalid) and works
//! on its store (one operation in 400 fails; the store grows).
//!
//! The execution client is health-checked every 5 s (`eth_syncing`); every five minutes or so
//! it is unhealthy for 10 to 20 s, during which its RPC calls (and payload builds) fail.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use alys_metrics::chain::{engine, lighthouse};
use alys_metrics::labels::{EngineMethod, LighthouseVersion};

use super::control::{every, tick, Activity, Dice};

/// The share of traffic on v5, in percent (the bits of an f64).
static SPLIT_V5: AtomicU64 = AtomicU64::new(0);
/// False while the simulated execution client is unhealthy.
static CLIENT_HEALTHY: AtomicBool = AtomicBool::new(true);

/// The version an operation goes to, by the current split; counted as one operation of it.
pub fn route(dice: &mut Dice) -> LighthouseVersion {
    let split = f64::from_bits(SPLIT_V5.load(Ordering::Relaxed));
    let version = if dice.unit() * 100.0 < split {
        LighthouseVersion::V5
    } else {
        LighthouseVersion::V4
    };
    lighthouse::operation(version);
    version
}

/// Whether the simulated execution client answers its RPC calls now.
pub fn client_healthy() -> bool {
    CLIENT_HEALTHY.load(Ordering::Relaxed)
}

fn set_split(percent: f64) {
    SPLIT_V5.store(percent.to_bits(), Ordering::Relaxed);
    lighthouse::set_traffic_split_v5(percent);
}

/// The migration's plan and the library's background work, every second.
pub async fn migration(mut dice: Dice, mut activity: Activity) {
    lighthouse::set_active_version(LighthouseVersion::V4);
    lighthouse::set_migration_progress(0.0);
    set_split(0.0);
    let mut ticks = every(Duration::from_secs(1));
    let mut second = 0u64;
    let mut rolled_back = false;
    let mut paused_until = 0u64;
    let mut split = 0.0f64;
    let mut store_bytes: u64 = 2_400_000_000;
    loop {
        tick(&mut ticks, &mut activity).await;
        second += 1;
        if second >= paused_until && second.is_multiple_of(6) && split < 100.0 {
            split = (split + 5.0).min(100.0);
            set_split(split);
            lighthouse::set_migration_progress(split);
            if split >= 50.0 && !rolled_back {
                rolled_back = true;
                tracing::warn!("lighthouse v5 rolled back at 50 % of the traffic");
                lighthouse::rollback();
                lighthouse::set_migration_progress(0.0);
                split = 0.0;
                set_split(0.0);
                paused_until = second + 30;
            } else if split >= 100.0 {
                lighthouse::set_active_version(LighthouseVersion::V5);
                tracing::info!("lighthouse v5 is the active version");
            }
        }
        // The library's own work: a few operations a second on either version.
        for _ in 0..dice.poisson(4.0) {
            let version = route(&mut dice);
            if split > 0.0 && split < 100.0 && dice.chance(0.1) {
                // Shadow-run on the other version and compare.
                let other = match version {
                    LighthouseVersion::V4 => LighthouseVersion::V5,
                    LighthouseVersion::V5 => LighthouseVersion::V4,
                };
                lighthouse::operation(other);
                let (a, b) = (dice.int(0, 1_000_000), dice.int(0, 1_000_000));
                let v5_result = if dice.chance(0.01) { b } else { a };
                lighthouse::compare(&a, &v5_result);
            }
        }
        for _ in 0..dice.poisson(6.0) {
            let took = dice.latency(Duration::from_micros(900), 0.4);
            lighthouse::record_bls_verification(took, !dice.chance(0.002));
        }
        for _ in 0..dice.poisson(10.0) {
            lighthouse::record_storage_operation(!dice.chance(0.0025));
        }
        store_bytes += dice.int(0, 400_000);
        lighthouse::set_storage_size(store_bytes);
    }
}

/// Health checks of the execution client every 5 s, with the odd unhealthy spell, and its
/// other idle RPC traffic (block number, chain id).
pub async fn client_health(mut dice: Dice, mut activity: Activity) {
    // On connecting, as Alys v2's engine client and its Lighthouse execution layer do: the
    // client version (`web3_clientVersion`, an `other` method), the capabilities exchange,
    // and the latest block (`eth_getBlockByNumber("latest")`, as `build_block` does for the
    // first block and `get_payload_by_tag_from_engine` does).
    for method in [
        EngineMethod::Other,
        EngineMethod::EngineExchangeCapabilities,
        EngineMethod::EthGetBlockByNumber,
    ] {
        let wait = dice.latency(Duration::from_millis(2), 0.5);
        let _ = engine::rpc_async(method, async {
            tokio::time::sleep(wait).await;
            Ok::<(), ()>(())
        })
        .await;
    }
    let mut ticks = every(Duration::from_secs(5));
    let mut unhealthy_checks = 0u32;
    loop {
        tick(&mut ticks, &mut activity).await;
        if unhealthy_checks == 0 && dice.chance(0.015) {
            unhealthy_checks = u32::try_from(dice.int(2, 4)).unwrap_or(2);
            tracing::warn!("the execution client is unhealthy");
        }
        let healthy = unhealthy_checks == 0;
        unhealthy_checks = unhealthy_checks.saturating_sub(1);
        CLIENT_HEALTHY.store(healthy, Ordering::Relaxed);
        let wait = dice.latency(Duration::from_millis(3), 0.5);
        let answer = engine::rpc_async(EngineMethod::EthSyncing, async {
            tokio::time::sleep(wait).await;
            if healthy {
                Ok(false)
            } else {
                Err("connection refused")
            }
        })
        .await;
        engine::health_check(answer.is_ok());
        for method in [EngineMethod::EthBlockNumber, EngineMethod::EthChainId] {
            let wait = dice.latency(Duration::from_millis(1), 0.5);
            let _ = engine::rpc_async(method, async {
                tokio::time::sleep(wait).await;
                if healthy {
                    Ok(())
                } else {
                    Err("connection refused")
                }
            })
            .await;
        }
    }
}
