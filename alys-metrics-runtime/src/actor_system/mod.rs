//! The actor system as operators watch it: which actor type's handler runs on a thread
//! ([`enter`]), CPU time and live heap bytes per actor type, and an actor's calls to external
//! dependencies, with circuit breakers.
//!
//! | metric | fed by |
//! |---|---|
//! | `alys_actor_cpu_seconds_total{actor_type}`, `alys_sync_cpu_seconds_total` | [`collect_actor_cpu`] (each collector tick) over the busy time of [`enter`] scopes ([`cpu`]) |
//! | `alys_actor_memory_usage_bytes{actor_type}`, `alys_sync_memory_usage_bytes` | [`TrackingAllocator`] (absent without it; [`alloc`]) |
//! | `alys_actor_dependency_response_time_seconds`, `alys_actor_dependency_health_status` | [`Dependency`] ([`dependency`]) |
//! | `alys_inter_actor_message_*`, `alys_actor_message_timeout_events_total`, `alys_actor_dead_letters_total`, `alys_actor_communication_patterns_total` | [`SendMeasured`], [`broadcast_measured`] ([`send`]) |
//! | `alys_actor_deadlock_detections_total` | [`DeadlockDetector`] ([`deadlock`]) |
//! | `alys_actor_circuit_breaker_state`, `alys_actor_circuit_breaker_transitions_total`, `alys_actor_circuit_breaker_rejections_total` | [`CircuitBreaker`] ([`breaker`]) |
//!
//! Every `#[instrument_actor]` handler opens the scope of its actor type around its call and
//! around every poll of its reply future (the same thread-local entry that makes it the
//! [`current_actor`](crate::actor::current_actor)). Code that is not instrumented opens one
//! itself: `let _scope = enter(ActorType::Chain);` at the top of a handler, or inside each poll
//! of a hand-written future.

#[allow(unsafe_code)] // the crate's one unsafe module: a `GlobalAlloc`, with SAFETY notes.
pub mod alloc;
mod alloc_slots;
pub mod breaker;
pub mod cpu;
pub mod current;
#[cfg(feature = "actor")]
pub mod deadlock;
pub mod dependency;
mod dependency_pairs;
#[cfg(feature = "actor")]
pub mod send;
mod thread_cpu;

pub use alloc::{
    actor_memory_bytes, tracking_allocator_installed, ActorMemoryGauge, TrackingAllocator,
};
pub use breaker::{BreakerConfig, CallError, CircuitBreaker, FailureRate, Permit, Rejected};
pub use cpu::{collect_actor_cpu, CpuPass, SyncCpuCounter};
pub use current::{current_actor_type, enter, ActorScope};
#[cfg(feature = "actor")]
pub use deadlock::{DeadlockDetector, Detection, DEFAULT_THRESHOLD};
pub use dependency::{Dependency, DependencyGauge, DependencyGaugeKind, MAX_DEPENDENCY_PAIRS};
#[cfg(feature = "actor")]
pub use send::{
    broadcast_measured, current_sender, MeasuredRecipient, MeasuredRequest, SendMeasured,
};

// The families computed at scrape time from this module's state. Their descriptors are
// declared in `catalogue::actor_system`; the statics live here, beside the state they read.

/// `alys_sync_cpu_seconds_total`: the sync actor type's share of `alys_actor_cpu_seconds_total`.
pub static SYNC_CPU_SECONDS: SyncCpuCounter =
    SyncCpuCounter::new(&cat::SYNC_CPU_SECONDS_DESCRIPTOR);

/// `alys_actor_memory_usage_bytes{actor_type}`: live heap bytes allocated inside each actor
/// type's handlers; absent without the tracking allocator.
pub static ACTOR_MEMORY_USAGE: ActorMemoryGauge =
    ActorMemoryGauge::new(&cat::ACTOR_MEMORY_USAGE_DESCRIPTOR, None);

/// `alys_sync_memory_usage_bytes`: the sync actor type's share of
/// `alys_actor_memory_usage_bytes`; absent without the tracking allocator.
pub static SYNC_MEMORY_USAGE: ActorMemoryGauge =
    ActorMemoryGauge::new(&cat::SYNC_MEMORY_USAGE_DESCRIPTOR, Some(ActorType::Sync));

/// `alys_actor_dependency_health_status{actor,dependency,dependency_type}`: 1 healthy, 0 not.
pub static DEPENDENCY_HEALTH: DependencyGauge = DependencyGauge::new(
    &cat::DEPENDENCY_HEALTH_DESCRIPTOR,
    DependencyGaugeKind::Health,
);

/// `alys_actor_circuit_breaker_state{actor,dependency}`: 0 closed, 1 half-open, 2 open.
pub static CIRCUIT_BREAKER_STATE: DependencyGauge = DependencyGauge::new(
    &cat::CIRCUIT_BREAKER_STATE_DESCRIPTOR,
    DependencyGaugeKind::BreakerState,
);

inventory::submit! { Registration(&SYNC_CPU_SECONDS) }
inventory::submit! { Registration(&ACTOR_MEMORY_USAGE) }
inventory::submit! { Registration(&SYNC_MEMORY_USAGE) }
inventory::submit! { Registration(&DEPENDENCY_HEALTH) }
inventory::submit! { Registration(&CIRCUIT_BREAKER_STATE) }

use crate::catalogue::actor_system as cat;
use crate::labels::ActorType;
use crate::registry::Registration;
