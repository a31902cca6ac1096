//! Label enums of actor lifecycle and supervision (`alys_actor_state`,
//! `alys_actor_lifecycle_transitions_total`, `alys_actor_startup_time_seconds`,
//! `alys_supervision_escalation_events_total`). The `restart_reason` of
//! `alys_supervision_tree_restarts_total` is the standard [`RestartReason`](super::RestartReason).

use crate::LabelValue;

/// State of an actor (`state`, `from_state`, `to_state` labels; 6 values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum ActorState {
    /// Inside `Actor::started`: the actor is initialising.
    Starting,
    /// `started` returned: the actor handles messages.
    Running,
    /// `Actor::stopping` returned `Running::Stop`: the actor is shutting down.
    Stopping,
    /// `Actor::stopped` ran: the actor is gone (unless a supervisor restarts it).
    Stopped,
    /// A supervisor called `Supervised::restarting`: the actor is being restarted.
    Restarting,
    /// `started` (or a restart) panicked: the actor could not be brought up.
    Failed,
}

/// Why an actor changed state (`transition_reason` label; 8 values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum TransitionReason {
    /// A new actor entered `started` (-> starting).
    Spawn,
    /// A restarted actor entered `started` again (restarting -> starting).
    Restart,
    /// `started` returned (starting -> running).
    Started,
    /// `stopping` returned `Running::Stop` (running -> stopping).
    StopRequested,
    /// `stopped` ran (stopping -> stopped).
    Stopped,
    /// A supervisor restarts the stopped actor (stopped -> restarting).
    SupervisorRestart,
    /// `started` panicked (starting -> failed).
    StartupPanic,
    /// `restarting` panicked (restarting -> failed).
    RestartPanic,
}

/// Phase of an actor's start-up (`startup_phase` label; 2 values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum StartupPhase {
    /// The time spent in `Actor::started` (first start and every restart).
    Initialization,
    /// A restart, from the supervisor's call of `Supervised::restarting` to the end of the
    /// `started` that follows it.
    Restart,
}

/// What a supervisor escalated (`escalation_type` label; 3 values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
pub enum EscalationType {
    /// The child restarted more often than the restart limit allows within its window
    /// (`actor::supervision::RESTART_LIMIT`); counted once per crossing.
    RestartLimit,
    /// A restart failed: `restarting`, or the `started` after it, panicked.
    RestartFailed,
    /// The supervisor gave up on the child (reported by the node with
    /// `actor::supervision::escalate`).
    GaveUp,
}

/// The edges of the actor lifecycle, `(from, to, reason)`: the only transitions
/// `alys_actor_lifecycle_transitions_total` exports (each actor has these eight series, not
/// the 6 x 6 x 8 of the free product). Every reason names one edge.
///
/// | from | to | reason |
/// |---|---|---|
/// | stopped | starting | spawn |
/// | restarting | starting | restart |
/// | starting | running | started |
/// | running | stopping | stop_requested |
/// | stopping | stopped | stopped |
/// | stopped | restarting | supervisor_restart |
/// | starting | failed | startup_panic |
/// | restarting | failed | restart_panic |
pub const LIFECYCLE_EDGES: [(ActorState, ActorState, TransitionReason); 8] = [
    (
        ActorState::Stopped,
        ActorState::Starting,
        TransitionReason::Spawn,
    ),
    (
        ActorState::Restarting,
        ActorState::Starting,
        TransitionReason::Restart,
    ),
    (
        ActorState::Starting,
        ActorState::Running,
        TransitionReason::Started,
    ),
    (
        ActorState::Running,
        ActorState::Stopping,
        TransitionReason::StopRequested,
    ),
    (
        ActorState::Stopping,
        ActorState::Stopped,
        TransitionReason::Stopped,
    ),
    (
        ActorState::Stopped,
        ActorState::Restarting,
        TransitionReason::SupervisorRestart,
    ),
    (
        ActorState::Starting,
        ActorState::Failed,
        TransitionReason::StartupPanic,
    ),
    (
        ActorState::Restarting,
        ActorState::Failed,
        TransitionReason::RestartPanic,
    ),
];

/// True when `from -> to` for `reason` is one of [`LIFECYCLE_EDGES`]: the `combinations`
/// of `alys_actor_lifecycle_transitions_total`.
pub const fn is_lifecycle_edge(from: ActorState, to: ActorState, reason: TransitionReason) -> bool {
    let mut i = 0;
    while i < LIFECYCLE_EDGES.len() {
        let (f, t, r) = LIFECYCLE_EDGES[i];
        if f as u8 == from as u8 && t as u8 == to as u8 && r as u8 == reason as u8 {
            return true;
        }
        i += 1;
    }
    false
}
