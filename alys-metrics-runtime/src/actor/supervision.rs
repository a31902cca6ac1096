//! Supervision: what `#[instrument_actor]` on `impl Supervised for X` records from actix's
//! `restarting` hook, and an API for what actix cannot tell.
//!
//! actix's `Supervisor` restarts a supervised actor whenever its context stops while
//! addresses to it remain: it calls `Supervised::restarting`, then `Actor::started` again, on
//! the same thread. Each `restarting` counts one
//! `alys_supervision_tree_restarts_total{supervisor, child_actor, restart_reason}` and the
//! transition `stopped -> restarting` (`supervisor_restart`); the `started` that follows is a
//! `restart` (see [`lifecycle`](super::lifecycle)).
//!
//! - `supervisor` is `actix` (actix's `Supervisor`, which has no name of its own) unless the
//!   node reports its own supervisor ([`escalate`]); `child_actor` is the actor's type name.
//! - `restart_reason` is what the actor said when it stopped ([`stop_reason`], called before
//!   `ctx.stop()` in the same handler), else `supervisor` (restarted, reason not given).
//!
//! Escalations (`alys_supervision_escalation_events_total`) and supervision failures
//! (`alys_actor_supervision_failures_total{actor_type}`):
//!
//! | event | escalation_type | supervision failure |
//! |---|---|---|
//! | more than [`RESTART_LIMIT`] restarts of one child within its window | `restart_limit` (once per crossing) | no |
//! | `restarting`, or the `started` after it, panicked | `restart_failed` | yes |
//! | the node's supervisor gives up on a child ([`escalate`] with `gave_up`) | `gave_up` | yes |

use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::lifecycle::{
    clear_restart, mark_restart, restart_failed, set_stop_reason, take_last_stop, transition,
    TypeOf,
};
use crate::catalogue::actor_lifecycle::{
    ACTOR_SUPERVISION_FAILURES, SUPERVISION_ESCALATION_EVENTS, SUPERVISION_TREE_RESTARTS,
};
use crate::labels::{
    ActorState, ActorType, EscalationType, LabelValue, RestartReason, TransitionReason,
};

pub use super::lifecycle::ACTIX_SUPERVISOR;

/// How many restarts of one child a supervisor may make within a window before the restarts
/// count as a loop (escalation `restart_limit`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RestartLimit {
    /// Restarts allowed within `window`.
    pub max_restarts: usize,
    /// The sliding window.
    pub window: Duration,
}

/// The restart limit: 5 restarts within 60 s; the 6th within the window escalates.
pub const RESTART_LIMIT: RestartLimit = RestartLimit {
    max_restarts: 5,
    window: Duration::from_secs(60),
};

/// One supervised actor type: its type name (the `child_actor` label) and its `actor_type`.
#[derive(Debug)]
pub struct SupervisionSite {
    /// The actor's type name (`EngineActor`).
    pub child: &'static str,
    actor_type: TypeOf,
}

impl SupervisionSite {
    /// The site of the supervised actor named `child`, of type `actor_type`.
    pub const fn new(child: &'static str, actor_type: ActorType) -> Self {
        Self {
            child,
            actor_type: TypeOf::Known(actor_type),
        }
    }

    /// The site of the supervised actor named `child`, whose type `actor_type` computes (what
    /// `#[instrument_actor]` declares: it reads the actor's `ActorKind`).
    pub const fn deferred(child: &'static str, actor_type: fn() -> ActorType) -> Self {
        Self {
            child,
            actor_type: TypeOf::Deferred(actor_type),
        }
    }

    /// Its `actor_type` label.
    pub fn actor_type(&self) -> ActorType {
        self.actor_type.get()
    }
}

/// Says why the actor running on this thread is about to stop: call it in the handler that
/// calls `ctx.stop()`. If a supervisor restarts the actor, the restart is counted with this
/// `restart_reason`.
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use alys_metrics::actor::supervision::stop_reason;
/// use alys_metrics::labels::RestartReason;
/// stop_reason(RestartReason::Timeout); // then `ctx.stop()`
/// ```
pub fn stop_reason(reason: RestartReason) {
    set_stop_reason(reason);
}

/// Restart times per (supervisor, child) within the window, and whether the limit was crossed.
type Window = (String, &'static str, VecDeque<Instant>, bool);

static WINDOWS: Mutex<Vec<Window>> = Mutex::new(Vec::new());

/// Counts a restart against the limit; true when this restart crosses it.
fn over_limit(supervisor: &str, child: &'static str, now: Instant) -> bool {
    let mut windows = WINDOWS.lock().unwrap_or_else(PoisonError::into_inner);
    let i = match windows
        .iter()
        .position(|(s, c, _, _)| s == supervisor && *c == child)
    {
        Some(i) => i,
        None => {
            windows.push((supervisor.to_owned(), child, VecDeque::new(), false));
            windows.len() - 1
        }
    };
    let (_, _, times, crossed) = &mut windows[i];
    while times
        .front()
        .is_some_and(|t| now.duration_since(*t) > RESTART_LIMIT.window)
    {
        times.pop_front();
    }
    times.push_back(now);
    let over = times.len() > RESTART_LIMIT.max_restarts;
    let first = over && !*crossed;
    *crossed = over;
    first
}

/// `Supervised::restarting` running: [`restarting`] returns it, [`RestartGuard::finish`] ends
/// it; dropped unfinished (the hook panicked) it records a failed restart.
#[must_use = "finish the guard when `restarting` returns"]
#[derive(Debug)]
pub struct RestartGuard {
    site: &'static SupervisionSite,
    done: bool,
}

/// `Supervised::restarting` entered: counts the restart and the transition
/// `stopped -> restarting`.
pub fn restarting(site: &'static SupervisionSite) -> RestartGuard {
    let now = Instant::now();
    let reason = match take_last_stop() {
        Some((actor, reason)) if actor == site.child => reason,
        _ => RestartReason::Supervisor,
    };
    SUPERVISION_TREE_RESTARTS
        .with(ACTIX_SUPERVISOR, site.child, reason)
        .inc();
    transition(
        site.child,
        site.actor_type(),
        ActorState::Stopped,
        ActorState::Restarting,
        TransitionReason::SupervisorRestart,
    );
    if over_limit(ACTIX_SUPERVISOR, site.child, now) {
        SUPERVISION_ESCALATION_EVENTS
            .with(ACTIX_SUPERVISOR, site.child, EscalationType::RestartLimit)
            .inc();
    }
    mark_restart(site.child, now);
    RestartGuard { site, done: false }
}

impl RestartGuard {
    /// `restarting` returned.
    pub fn finish(mut self) {
        self.done = true;
    }
}

impl Drop for RestartGuard {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        clear_restart();
        transition(
            self.site.child,
            self.site.actor_type(),
            ActorState::Restarting,
            ActorState::Failed,
            TransitionReason::RestartPanic,
        );
        restart_failed(self.site.child, self.site.actor_type());
    }
}

/// Reports what actix cannot see: the node's own supervisor `supervisor` escalating about
/// `child` (of type `actor_type`). `gave_up` (the supervisor stops restarting the child) and
/// `restart_failed` also count a supervision failure of `actor_type`.
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use alys_metrics::actor::supervision::escalate;
/// use alys_metrics::labels::{ActorType, EscalationType};
/// escalate("RootSupervisor", "StorageActor", ActorType::Storage, EscalationType::GaveUp);
/// let text = alys_metrics::registry().encode_to_string();
/// assert!(text.contains("alys_actor_supervision_failures_total{actor_type=\"storage\"} 1\n"));
/// ```
pub fn escalate(supervisor: &str, child: &str, actor_type: ActorType, escalation: EscalationType) {
    SUPERVISION_ESCALATION_EVENTS
        .with(supervisor, child, escalation)
        .inc();
    if escalation != EscalationType::RestartLimit {
        ACTOR_SUPERVISION_FAILURES.with(actor_type).inc();
    }
}

/// Counts a restart by the node's own supervisor `supervisor` (one that is not actix's
/// `Supervisor`, e.g. one that replaces a failed actor with a new one).
pub fn restarted_by(supervisor: &str, child: &str, reason: RestartReason) {
    SUPERVISION_TREE_RESTARTS
        .with(supervisor, child, reason)
        .inc();
}

/// Creates the restart and escalation series of the pair (`supervisor`, `child`) at 0, so that
/// `rate()` and `increase()` see them before the first restart (series of dynamic labels
/// exist only once used). Call it where the node starts a supervised child, e.g. with
/// [`ACTIX_SUPERVISOR`] for a child under actix's `Supervisor`.
///
/// ```
/// # extern crate alys_metrics_runtime as alys_metrics;
/// use alys_metrics::actor::supervision::{declare, ACTIX_SUPERVISOR};
/// declare(ACTIX_SUPERVISOR, "EngineActor");
/// let text = alys_metrics::registry().encode_to_string();
/// assert!(text.contains("alys_supervision_tree_restarts_total{supervisor=\"actix\",child_actor=\"engineactor\",restart_reason=\"timeout\"} 0\n"));
/// ```
pub fn declare(supervisor: &str, child: &str) {
    for reason in RestartReason::VALUES {
        let _ = SUPERVISION_TREE_RESTARTS.with(supervisor, child, *reason);
    }
    for escalation in EscalationType::VALUES {
        let _ = SUPERVISION_ESCALATION_EVENTS.with(supervisor, child, *escalation);
    }
}
