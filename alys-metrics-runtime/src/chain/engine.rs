//! The engine actor's execution client (Geth, Reth): payload builds and executions, RPC calls
//! by method, and the client's health.
//!
//! - [`PayloadBuild`]: from the build request to the payload or the error, into
//!   `alys_engine_payload_build_duration_seconds` (failed builds too), counted by outcome in
//!   `alys_engine_build_block_calls_total{status,reason}`.
//! - [`PayloadExecution`] times executions into
//!   `alys_engine_payload_execution_duration_seconds`.
//! - [`rpc`], [`rpc_async`], [`record_rpc`]: each call's response time in
//!   `alys_engine_rpc_duration_seconds{method}` (every call that returned, `Err` included, so
//!   its count is the calls made) and the failed ones in `alys_engine_rpc_errors_total{method}`.
//!   The Engine API is the methods named `engine_*`; `ops/spellings.yml` serves the
//!   execution library's `lighthouse_engine_api_*` names from these two families.
//! - [`health_check`]: `alys_engine_client_health_status` (the last check) and
//!   `alys_engine_client_health_checks_total{result}` (every check). The uptime percentage
//!   over a window is derived from the checks: `engine_client_uptime_percentage`, a rule of
//!   `ops/spellings.yml`, is the healthy share of the last hour's checks.
//!
//! ```
//! # extern crate alys_metrics_runtime as alys_metrics;
//! use alys_metrics::chain::engine::{self, PayloadBuild};
//! use alys_metrics::labels::{BuildBlockReason, EngineMethod};
//!
//! let build = PayloadBuild::start();
//! let payload_id: Result<u64, &str> = engine::rpc(EngineMethod::EngineForkchoiceUpdated, || Ok(7));
//! match payload_id {
//!     Ok(_) => build.succeeded(),
//!     Err(_) => build.failed(BuildBlockReason::NoPayloadId),
//! };
//! engine::health_check(true);
//!
//! let text = alys_metrics::registry().encode_to_string();
//! assert!(text.contains("alys_engine_client_health_status 1\n"));
//! ```

use std::future::Future;
use std::time::{Duration, Instant};

use crate::catalogue::consensus::ENGINE_BUILD_BLOCK_CALLS;
use crate::catalogue::engine::{
    ENGINE_CLIENT_HEALTH_CHECKS, ENGINE_CLIENT_HEALTH_STATUS, ENGINE_PAYLOAD_BUILD_DURATION,
    ENGINE_PAYLOAD_EXECUTION_DURATION, ENGINE_RPC_DURATION, ENGINE_RPC_ERRORS,
};
use crate::labels::{BuildBlockReason, ClientHealth, EngineMethod, Status};

/// The `status` a failed build is counted under: `timeout` for a timeout, `rejected` for an
/// invalid payload, `failure` otherwise.
fn build_status(reason: BuildBlockReason) -> Status {
    match reason {
        BuildBlockReason::Timeout => Status::Timeout,
        BuildBlockReason::InvalidPayload => Status::Rejected,
        _ => Status::Failure,
    }
}

/// One payload build, timed from [`start`](Self::start) to its outcome. Dropped without one
/// (the request abandoned), it records nothing.
#[derive(Debug)]
#[must_use = "a payload build is recorded when it succeeds or fails"]
pub struct PayloadBuild {
    started: Instant,
}

impl PayloadBuild {
    /// A build requested now.
    pub fn start() -> Self {
        Self::start_at(Instant::now())
    }

    /// A build requested at `at`.
    pub fn start_at(at: Instant) -> Self {
        Self { started: at }
    }

    /// The payload is built: observed, and counted `status="success",reason="none"`.
    pub fn succeeded(self) -> Duration {
        self.succeeded_at(Instant::now())
    }

    /// [`succeeded`](Self::succeeded) at `at`.
    pub fn succeeded_at(self, at: Instant) -> Duration {
        self.end(Status::Success, BuildBlockReason::None, at)
    }

    /// The build failed for `reason`: observed, and counted under `reason` with the status
    /// it implies (`timeout`, `rejected` for an invalid payload, else `failure`);
    /// `BuildBlockReason::None` is no reason for a failure and is counted as `other`.
    pub fn failed(self, reason: BuildBlockReason) -> Duration {
        self.failed_at(reason, Instant::now())
    }

    /// [`failed`](Self::failed) at `at`.
    pub fn failed_at(self, reason: BuildBlockReason, at: Instant) -> Duration {
        let reason = if reason == BuildBlockReason::None {
            BuildBlockReason::Other
        } else {
            reason
        };
        self.end(build_status(reason), reason, at)
    }

    fn end(self, status: Status, reason: BuildBlockReason, at: Instant) -> Duration {
        let took = at.saturating_duration_since(self.started);
        ENGINE_PAYLOAD_BUILD_DURATION.observe(took.as_secs_f64());
        ENGINE_BUILD_BLOCK_CALLS.with(status, reason).inc();
        took
    }
}

/// One payload execution by the client (new payload to its verdict), timed from
/// [`start`](Self::start) to [`finished`](Self::finished). Dropped unfinished, it records
/// nothing.
#[derive(Debug)]
#[must_use = "an execution is observed when it is finished"]
pub struct PayloadExecution {
    started: Instant,
}

impl PayloadExecution {
    /// An execution starting now.
    pub fn start() -> Self {
        Self::start_at(Instant::now())
    }

    /// An execution that started at `at`.
    pub fn start_at(at: Instant) -> Self {
        Self { started: at }
    }

    /// The client returned its verdict; returns the execution's duration.
    pub fn finished(self) -> Duration {
        self.finished_at(Instant::now())
    }

    /// [`finished`](Self::finished) at `at`.
    pub fn finished_at(self, at: Instant) -> Duration {
        let took = at.saturating_duration_since(self.started);
        ENGINE_PAYLOAD_EXECUTION_DURATION.observe(took.as_secs_f64());
        took
    }
}

/// Records one RPC call of `method` that took `took`; `ok` is false when it failed.
pub fn record_rpc(method: EngineMethod, took: Duration, ok: bool) {
    ENGINE_RPC_DURATION.with(method).observe(took.as_secs_f64());
    if !ok {
        ENGINE_RPC_ERRORS.with(method).inc();
    }
}

/// Runs `call`, an RPC call of `method`, and records it: its time, and an error when it
/// returns `Err`. Returns what it returns. A call that panics records nothing.
pub fn rpc<T, E>(method: EngineMethod, call: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
    let started = Instant::now();
    let out = call();
    record_rpc(method, started.elapsed(), out.is_ok());
    out
}

/// Awaits `call`, an RPC call of `method`, and records it from its first poll to its
/// completion (an error when it completes with `Err`). Dropped before it completes, it
/// records nothing.
pub async fn rpc_async<T, E, F>(method: EngineMethod, call: F) -> Result<T, E>
where
    F: Future<Output = Result<T, E>>,
{
    let started = Instant::now();
    let out = call.await;
    record_rpc(method, started.elapsed(), out.is_ok());
    out
}

/// One health check of the execution client: sets `alys_engine_client_health_status` and
/// counts `alys_engine_client_health_checks_total{result}`.
pub fn health_check(healthy: bool) {
    ENGINE_CLIENT_HEALTH_STATUS.set(i64::from(healthy));
    ENGINE_CLIENT_HEALTH_CHECKS
        .with(ClientHealth::from_healthy(healthy))
        .inc();
}
