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
#[path = "alloc.rs"]
pub mod alloc;
#[path = "breaker.rs"]
pub mod breaker;
#[path = "cpu.rs"]
pub mod cpu;
#[path = "current.rs"]
pub mod current;
#[cfg(feature = "actor")]
#[path = "deadlock.rs"]
pub mod deadlock;
#[path = "dependency.rs"]
pub mod dependency;
#[cfg(feature = "actor")]
#[path = "send.rs"]
pub mod send;

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
