//! The node's services around the actors: the JSON-RPC server and the feature-flag system.

use std::rc::Rc;
use std::time::{Duration, Instant};

use alys_metrics::catalogue::consensus::{RPC_REQUESTS, RPC_REQUEST_DURATION};
use alys_metrics::catalogue::feature_flags::{
    FEATURE_FLAGS_ACTIVE_COUNT, FEATURE_FLAGS_ENABLED_COUNT, FEATURE_FLAG_AUDIT_EVENTS,
    FEATURE_FLAG_CACHE_OPERATIONS, FEATURE_FLAG_CHANGES, FEATURE_FLAG_CONFIG_RELOADS,
    FEATURE_FLAG_CONTEXT_BUILDS, FEATURE_FLAG_EVALUATIONS, FEATURE_FLAG_EVALUATION_DURATION,
    FEATURE_FLAG_HOT_RELOAD_EVENTS, FEATURE_FLAG_MACRO_CACHE_HITS, FEATURE_FLAG_VALIDATION_ERRORS,
};
use alys_metrics::labels::{
    AuditEventType, CacheOperation, CacheStatus, ChangeType, ConfigSource, FlagResult, Status,
};
use alys_metrics::prelude::*;

use super::chain::{GetChainHead, SubmitTransactions};
use super::control::{every, tick, Activity, Dice};
use super::storage::ReadStoredBlock;
use super::Actors;

/// RPC methods the clients call, and how often.
const METHODS: [(&str, f64); 8] = [
    ("eth_blockNumber", 30.0),
    ("eth_getBalance", 20.0),
    ("eth_call", 15.0),
    ("eth_getBlockByNumber", 12.0),
    ("eth_sendRawTransaction", 10.0),
    ("eth_estimateGas", 6.0),
    ("eth_getTransactionReceipt", 5.0),
    ("net_peerCount", 2.0),
];

/// JSON-RPC clients: about six requests a second. Requests that touch the chain go to the
/// chain or storage actor; the others take their own (log-normal) time. A few fail or time out.
pub async fn rpc(actors: Rc<Actors>, mut dice: Dice, mut activity: Activity) {
    let mut ticks = every(Duration::from_millis(250));
    loop {
        tick(&mut ticks, &mut activity).await;
        for _ in 0..dice.poisson(1.5) {
            let method = *dice.pick(&METHODS);
            let roll = dice.unit();
            let think = match method {
                "eth_call" | "eth_estimateGas" => dice.latency(Duration::from_millis(12), 0.9),
                "eth_getBalance" | "eth_getTransactionReceipt" => {
                    dice.latency(Duration::from_millis(4), 0.6)
                }
                _ => dice.latency(Duration::from_micros(400), 0.5),
            };
            // eth_getBlockByNumber asks for one of the last 32 blocks.
            let back = dice.int(0, 31);
            let actors = Rc::clone(&actors);
            actix_rt::spawn(async move {
                let started = Instant::now();
                let status = serve_request(&actors, method, roll, think, back).await;
                RPC_REQUESTS.with(method, status).inc();
                RPC_REQUEST_DURATION
                    .with(method)
                    .observe(started.elapsed().as_secs_f64());
            });
        }
    }
}

async fn serve_request(
    actors: &Actors,
    method: &str,
    roll: f64,
    think: Duration,
    back: u64,
) -> Status {
    if roll < 0.003 {
        // A backend that does not answer: the server gives up after 2 s.
        tokio::time::sleep(Duration::from_secs(2)).await;
        return Status::Timeout;
    }
    tokio::time::sleep(think).await;
    if roll < 0.018 {
        return Status::Failure;
    }
    let ok = match method {
        "eth_blockNumber" => {
            let chain = &actors.chain;
            let ticket = chain.ticket();
            chain.addr().send(GetChainHead { ticket }).await.is_ok()
        }
        "eth_getBlockByNumber" => {
            let head = actors.view.local_head.get();
            let storage = &actors.storage;
            let ticket = storage.ticket();
            let height = head.saturating_sub(back);
            matches!(
                storage
                    .addr()
                    .send(ReadStoredBlock { height, ticket })
                    .await,
                Ok(Ok(_))
            )
        }
        "eth_sendRawTransaction" => {
            let chain = &actors.chain;
            let ticket = chain.ticket();
            match chain
                .addr()
                .send(SubmitTransactions { count: 1, ticket })
                .await
            {
                Ok(1) => true,
                Ok(_) => return Status::Rejected,
                Err(_) => false,
            }
        }
        _ => true,
    };
    if ok {
        Status::Success
    } else {
        Status::Failure
    }
}

/// A feature flag and how it is set.
struct Flag {
    name: &'static str,
    enabled: bool,
    /// Share of evaluations.
    weight: f64,
}

/// The feature-flag system: flags evaluated through a cache about 15 times a second, a
/// configuration hot-reloaded every minute or two, and the audit trail of both.
pub async fn feature_flags(mut dice: Dice, mut activity: Activity) {
    let mut flags = [
        ("parallel_validation", true, 30.0),
        ("fast_sync", true, 20.0),
        ("peer_scoring_v2", true, 15.0),
        ("compressed_gossip", false, 12.0),
        ("auxpow_v2", false, 8.0),
        ("mempool_priority_fees", true, 8.0),
        ("lighthouse_v5", false, 4.0),
        ("migration_dry_run", true, 3.0),
    ]
    .map(|(name, enabled, weight)| Flag {
        name,
        enabled,
        weight,
    });
    load_configuration(&flags);

    let mut ticks = every(Duration::from_secs(1));
    loop {
        tick(&mut ticks, &mut activity).await;
        let weights: Vec<(usize, f64)> = flags
            .iter()
            .enumerate()
            .map(|(i, f)| (i, f.weight))
            .collect();
        for _ in 0..dice.poisson(15.0) {
            let flag = &flags[*dice.pick(&weights)];
            evaluate(flag, &mut dice);
        }
        if dice.chance(1.0 / 90.0) {
            hot_reload(&mut flags, &mut dice);
        }
        if dice.chance(1.0 / 600.0) {
            // A change through the API by a client without the permission.
            FEATURE_FLAG_AUDIT_EVENTS
                .with(AuditEventType::AccessDenied)
                .inc();
        }
    }
}

fn enabled_count(flags: &[Flag]) -> i64 {
    flags.iter().filter(|f| f.enabled).count() as i64
}

/// The start-up load: defaults, then the file, then one environment override. The file has
/// one entry with an out-of-range rollout, which is reported and clamped.
fn load_configuration(flags: &[Flag]) {
    FEATURE_FLAG_CONFIG_RELOADS
        .with(ConfigSource::Default)
        .inc();
    FEATURE_FLAG_CONFIG_RELOADS.with(ConfigSource::File).inc();
    FEATURE_FLAG_CONFIG_RELOADS
        .with(ConfigSource::Environment)
        .inc();
    for f in flags {
        FEATURE_FLAG_CHANGES.with(f.name, ChangeType::Created).inc();
        FEATURE_FLAG_AUDIT_EVENTS
            .with(AuditEventType::Created)
            .inc();
    }
    FEATURE_FLAG_VALIDATION_ERRORS
        .with(ErrorType::Validation, "lighthouse_v5")
        .inc();
    tracing::warn!(
        flag = "lighthouse_v5",
        "feature flag file: rollout_percentage 120 is out of range; clamped to 100"
    );
    FEATURE_FLAGS_ACTIVE_COUNT.set(flags.len() as i64);
    FEATURE_FLAGS_ENABLED_COUNT.set(enabled_count(flags));
}

/// One evaluation: a cache hit takes microseconds, a miss evaluates the rules and fills the
/// cache.
fn evaluate(flag: &Flag, dice: &mut Dice) {
    let hit = dice.chance(0.92);
    FEATURE_FLAG_CACHE_OPERATIONS
        .with(CacheOperation::Get, flag.name)
        .inc();
    let took = if hit {
        if dice.chance(0.5) {
            // Evaluated through the `feature_enabled!` macro's own cache.
            FEATURE_FLAG_MACRO_CACHE_HITS.with(flag.name).inc();
        }
        dice.latency(Duration::from_micros(6), 0.5)
    } else {
        FEATURE_FLAG_CONTEXT_BUILDS
            .with(if dice.chance(0.995) {
                Status::Success
            } else {
                Status::Failure
            })
            .inc();
        FEATURE_FLAG_CACHE_OPERATIONS
            .with(CacheOperation::Set, flag.name)
            .inc();
        if dice.chance(0.05) {
            FEATURE_FLAG_CACHE_OPERATIONS
                .with(CacheOperation::Evict, flag.name)
                .inc();
        }
        dice.latency(Duration::from_micros(140), 0.6)
    };
    let cache = if hit {
        CacheStatus::Hit
    } else {
        CacheStatus::Miss
    };
    FEATURE_FLAG_EVALUATION_DURATION
        .with(flag.name, cache)
        .observe(took.as_secs_f64());
    let (status, result) = if dice.chance(0.999) {
        let r = if flag.enabled {
            FlagResult::Enabled
        } else {
            FlagResult::Disabled
        };
        (Status::Success, r)
    } else {
        (Status::Failure, FlagResult::Disabled)
    };
    FEATURE_FLAG_EVALUATIONS
        .with(flag.name, status, result)
        .inc();
}

/// A hot reload of the flag file: mostly one flag changes; now and then the file does not
/// parse and the previous configuration stays.
fn hot_reload(flags: &mut [Flag], dice: &mut Dice) {
    let i = usize::try_from(dice.int(0, flags.len() as u64 - 1)).unwrap_or(0);
    if dice.chance(0.05) {
        FEATURE_FLAG_HOT_RELOAD_EVENTS.with(Status::Failure).inc();
        FEATURE_FLAG_VALIDATION_ERRORS
            .with(ErrorType::Parsing, flags[i].name)
            .inc();
        tracing::warn!(
            flag = flags[i].name,
            "feature flag reload failed to parse; kept the previous configuration"
        );
        return;
    }
    FEATURE_FLAG_HOT_RELOAD_EVENTS.with(Status::Success).inc();
    FEATURE_FLAG_CONFIG_RELOADS.with(ConfigSource::File).inc();
    FEATURE_FLAG_AUDIT_EVENTS
        .with(AuditEventType::Reloaded)
        .inc();
    let flag = &mut flags[i];
    let change = if dice.chance(0.5) {
        ChangeType::Rollout
    } else if flag.enabled {
        flag.enabled = false;
        ChangeType::Disabled
    } else {
        flag.enabled = true;
        ChangeType::Enabled
    };
    FEATURE_FLAG_CHANGES.with(flag.name, change).inc();
    FEATURE_FLAG_AUDIT_EVENTS
        .with(AuditEventType::Updated)
        .inc();
    FEATURE_FLAG_CACHE_OPERATIONS
        .with(CacheOperation::Invalidate, flag.name)
        .inc();
    FEATURE_FLAGS_ENABLED_COUNT.set(enabled_count(flags));
    tracing::info!(
        flag = flags[i].name,
        change = change.as_str(),
        "feature flags reloaded"
    );
}
