//! The actor system as Alys operators watch it: CPU and memory per actor type, external
//! dependencies and circuit breakers.
//!
//! The CPU counter is fed by the collector's per-thread pass (`actor_system::collect_actor_cpu`);
//! the memory gauges are read at scrape time from the `TrackingAllocator` and absent without
//! it; the dependency metrics come from `actor_system::Dependency` and
//! `actor_system::CircuitBreaker`. The families computed at scrape time are declared here by
//! their [`Descriptor`]s; their statics live in `actor_system` beside the state they read.
//!
//! `alys_sync_cpu_seconds_total` and `alys_sync_memory_usage_bytes` are the sync actor's
//! share under the names the operators' alert rules query. They are not counted twice: each
//! is derived at scrape time from the `actor_type="sync"` series (so the two can never
//! disagree), which a recording rule could do only inside Prometheus, not for a user of the
//! library scraping the node directly.

use super::prelude::*;
use crate::metric::{Descriptor, Kind};

/// CPU time of the node's threads attributed to each actor type, in seconds: a thread's CPU
/// time split by the time its instrumented handlers spent busy (approximate where handlers
/// block while the same thread does other work; CPU outside handlers is not attributed).
#[alys_metric(counter, labels(actor_type))]
pub static ACTOR_CPU_SECONDS: FloatCounter;

/// Response time of an actor's calls to an external dependency, in seconds, by operation.
// Only the (actor, dependency, operation) triples called, not every combination of the
// values in use (the engine's RPC under the bridge's bitcoind).
#[alys_metric(
    histogram,
    labels(actor: dynamic(max = 9), dependency: dynamic(max = 16), operation: dynamic(max = 16)),
    buckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0],
    dynamic_tuples
)]
pub static ACTOR_DEPENDENCY_RESPONSE_TIME: Histogram;

/// Circuit breaker transitions, by the state entered.
// Only the (actor, dependency) pairs that have a breaker.
#[alys_metric(
    counter,
    labels(actor: dynamic(max = 9), dependency: dynamic(max = 16), state: BreakerState),
    dynamic_tuples
)]
pub static ACTOR_CIRCUIT_BREAKER_TRANSITIONS: Counter;

/// Calls a circuit breaker refused (open, or half-open with its trial calls taken).
#[alys_metric(
    counter,
    labels(actor: dynamic(max = 9), dependency: dynamic(max = 16)),
    dynamic_tuples
)]
pub static ACTOR_CIRCUIT_BREAKER_REJECTIONS: Counter;

macro_rules! descriptor {
    ($static:ident, $name:literal, $kind:ident, [$($label:literal: $ty:literal),*], $path:literal, $help:literal) => {
        #[doc = concat!("The descriptor of `", $name, "`.")]
        pub static $static: Descriptor = Descriptor {
            name: $name,
            help: $help,
            kind: Kind::$kind,
            label_names: &[$($label),*],
            label_types: &[$($ty),*],
            buckets: &[],
            rust_path: concat!("alys_metrics::actor_system::", $path),
            file: file!(),
            line: line!(),
        };
    };
}

descriptor!(
    SYNC_CPU_SECONDS_DESCRIPTOR,
    "alys_sync_cpu_seconds_total",
    Counter,
    [],
    "SYNC_CPU_SECONDS",
    "CPU time attributed to the sync actor type, in seconds: the same value as alys_actor_cpu_seconds_total{actor_type=\"sync\"}."
);
descriptor!(
    ACTOR_MEMORY_USAGE_DESCRIPTOR,
    "alys_actor_memory_usage_bytes",
    Gauge,
    ["actor_type": "ActorType"],
    "ACTOR_MEMORY_USAGE",
    "Live heap bytes allocated inside each actor type's handlers (requested sizes; allocator overhead and memory allocated outside handlers not included); absent unless the tracking allocator is installed."
);
descriptor!(
    SYNC_MEMORY_USAGE_DESCRIPTOR,
    "alys_sync_memory_usage_bytes",
    Gauge,
    [],
    "SYNC_MEMORY_USAGE",
    "Live heap bytes allocated inside the sync actor type's handlers: the same value as alys_actor_memory_usage_bytes{actor_type=\"sync\"}; absent unless the tracking allocator is installed."
);
descriptor!(
    DEPENDENCY_HEALTH_DESCRIPTOR,
    "alys_actor_dependency_health_status",
    Gauge,
    ["actor": "ActorType", "dependency": "dynamic(max = 64)", "dependency_type": "DependencyType"],
    "DEPENDENCY_HEALTH",
    "Health of an actor's external dependency: 1 when its last call or health report succeeded, 0 when it failed."
);
descriptor!(
    CIRCUIT_BREAKER_STATE_DESCRIPTOR,
    "alys_actor_circuit_breaker_state",
    Gauge,
    ["actor": "ActorType", "dependency": "dynamic(max = 64)"],
    "CIRCUIT_BREAKER_STATE",
    "State of the circuit breaker in front of an actor's dependency: 0 closed, 1 half-open, 2 open."
);
