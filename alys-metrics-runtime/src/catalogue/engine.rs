//! The engine actor's execution client (Geth, Reth): payloads built and executed, RPC calls by
//! method, health. Recorded through `chain::engine`.
//!
//! Payload builds by outcome are `alys_engine_build_block_calls_total{status,reason}`
//! (`catalogue::consensus`), which `chain::engine::PayloadBuild` counts beside the duration
//! declared here.

use super::prelude::*;

/// Time to build an execution payload (from the build request to the payload or the error),
/// in seconds; failed builds are observed too.
#[alys_metric(
    histogram,
    buckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0]
)]
pub static ENGINE_PAYLOAD_BUILD_DURATION: Histogram;

/// Time the execution client took to execute a payload (new payload to its verdict), in
/// seconds.
#[alys_metric(
    histogram,
    buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0]
)]
pub static ENGINE_PAYLOAD_EXECUTION_DURATION: Histogram;

/// Response time of the execution client's RPC calls, by method, in seconds; calls that fail
/// are observed too, so the count is every call answered or failed.
#[alys_metric(
    histogram,
    labels(method: EngineMethod),
    buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0]
)]
pub static ENGINE_RPC_DURATION: Histogram;

/// RPC calls to the execution client that failed (an error answer, a transport error, a
/// timeout), by method.
#[alys_metric(counter, labels(method: EngineMethod))]
pub static ENGINE_RPC_ERRORS: Counter;

/// Health of the execution client at its last check: 1 healthy, 0 unhealthy (0 also before
/// the first check; `alys_engine_client_health_checks_total` tells the two apart).
#[alys_metric(gauge)]
pub static ENGINE_CLIENT_HEALTH_STATUS: IntGauge;

/// Health checks of the execution client, by result.
#[alys_metric(counter, labels(result: ClientHealth))]
pub static ENGINE_CLIENT_HEALTH_CHECKS: Counter;
