//! Actor lifecycle and supervision as Alys operators watch them: fed by
//! `#[instrument_actor]` on `impl Actor for X` and `impl Supervised for X`
//! (`actor::lifecycle`, `actor::supervision`).

use super::prelude::*;

/// State of each actor type, as a state set: 1 for the type's current state, 0 for the others.
/// With several actors of one type, the type's state is the least advanced state of its live
/// actors (restarting, then starting, then stopping, then running); with none live, how the
/// last one ended (stopped or failed).
#[alys_metric(gauge, labels(actor_type, state: ActorState))]
pub static ACTOR_STATE: IntGauge;

/// When each actor type's state (alys_actor_state) last changed, in seconds since the Unix epoch.
#[alys_metric(
    gauge,
    labels(actor_type),
    name = "alys_actor_state_transition_timestamp"
)]
pub static ACTOR_STATE_TRANSITION_TIMESTAMP: Gauge;

/// Lifecycle transitions of actors, by actor (type name), the state left, the state entered and why.
// Only the lifecycle's edges (`LIFECYCLE_EDGES`): 8 series per actor, not 6 x 6 x 8.
#[allow(clippy::type_complexity)] // four labels: the type of the generated child table
#[alys_metric(
    counter,
    labels(
        actor: dynamic(max = 32),
        from_state: ActorState,
        to_state: ActorState,
        transition_reason: TransitionReason
    ),
    combinations = is_lifecycle_edge
)]
pub static ACTOR_LIFECYCLE_TRANSITIONS: Counter;

/// Time an actor took to start, in seconds, by phase: initialization (the Actor::started hook) or restart (from the supervisor's restarting call to the end of the started that follows).
#[alys_metric(
    histogram,
    labels(actor_type, startup_phase: StartupPhase),
    buckets = [0.0001, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 30.0]
)]
pub static ACTOR_STARTUP_TIME_SECONDS: Histogram;

/// Restarts of supervised actors by their supervisor, by supervisor, child actor (type name) and reason.
// Only the (supervisor, child) pairs declared (`supervision::declare`) or counted.
#[alys_metric(
    counter,
    labels(supervisor: dynamic(max = 16), child_actor: dynamic(max = 32), restart_reason: RestartReason),
    dynamic_tuples,
    name = "alys_supervision_tree_restarts_total"
)]
pub static SUPERVISION_TREE_RESTARTS: Counter;

/// Supervision escalations: a child over its restart limit, a failed restart, a supervisor giving up.
#[alys_metric(
    counter,
    labels(supervisor: dynamic(max = 16), child_actor: dynamic(max = 32), escalation_type: EscalationType),
    dynamic_tuples,
    name = "alys_supervision_escalation_events_total"
)]
pub static SUPERVISION_ESCALATION_EVENTS: Counter;

/// Actors that failed to start: Actor::started panicked on the first start, or the node reported a failed spawn.
#[alys_metric(counter, labels(actor_type))]
pub static ACTOR_SPAWN_FAILURES: Counter;

/// Supervised actors whose restart failed (restarting, or the started after it, panicked) or whose supervisor gave up.
#[alys_metric(counter, labels(actor_type))]
pub static ACTOR_SUPERVISION_FAILURES: Counter;
