//! Actor lifecycle: what `#[instrument_actor]` on `impl Actor for X` records from actix's
//! hooks `started`, `stopping` and `stopped` (usable by hand too).
//!
//! | hook | transition (`from -> to`, reason) |
//! |---|---|
//! | `started` entered, new actor | `stopped -> starting`, `spawn` |
//! | `started` entered after `Supervised::restarting` | `restarting -> starting`, `restart` |
//! | `started` returned | `starting -> running`, `started`; `alys_actor_startup_time_seconds` |
//! | `started` panicked | `starting -> failed`, `startup_panic`; a spawn failure (first start) or a supervision failure (restart) |
//! | `stopping` returned `Running::Stop` | `running -> stopping`, `stop_requested` (`Running::Continue`: no transition) |
//! | `stopped` | `stopping -> stopped`, `stopped` |
//!
//! Each transition counts `alys_actor_lifecycle_transitions_total{actor, from_state, to_state,
//! transition_reason}` (`actor` is the actor's type name, e.g. `ChainActor`). With the two
//! edges of `supervision` (`stopped -> restarting`, `supervisor_restart`; `restarting ->
//! failed`, `restart_panic`) these are the lifecycle's edges,
//! [`LIFECYCLE_EDGES`](crate::labels::LIFECYCLE_EDGES): each actor has those eight series
//! and no other.
//!
//! # `alys_actor_state` with several actors of one type
//!
//! The state set is per actor type: exactly one of its six series is 1. The type's live
//! actors (starting, running, stopping, restarting) are counted; the type's state is the least
//! advanced state any live actor is in, in the order restarting, starting, stopping, running
//! (so `running` means every live actor of the type runs). With no live actor, it is how the
//! last one ended: `stopped` or `failed`. `alys_actor_state_transition_timestamp{actor_type}` is
//! when that state last changed. Before any actor of a type started, all six series are 0.
//!
//! A handler that panics: actix drops the actor's task while unwinding, and dropping it runs
//! `stopping` and `stopped` (`running -> stopping -> stopped`); actix's `Supervisor` does not
//! restart it (its future is gone). A node that replaces such an actor counts that with
//! [`restarted_by`](super::supervision::restarted_by). An actor whose thread is killed without
//! unwinding stays counted in the state it was in.
//!
//! Transitions are rare: they take a process-wide lock and may allocate (the `actor` label);
//! nothing here is on a message's path.

use std::cell::Cell;
use std::sync::{Mutex, PoisonError};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use crate::catalogue::actor_lifecycle::{
    ACTOR_LIFECYCLE_TRANSITIONS, ACTOR_SPAWN_FAILURES, ACTOR_STARTUP_TIME_SECONDS, ACTOR_STATE,
    ACTOR_STATE_TRANSITION_TIMESTAMP, ACTOR_SUPERVISION_FAILURES, SUPERVISION_ESCALATION_EVENTS,
};
use crate::labels::{
    is_lifecycle_edge, ActorState, ActorType, EscalationType, LabelValue, RestartReason,
    StartupPhase, TransitionReason,
};

/// The `supervisor` label of restarts driven by actix's `Supervisor`.
pub const ACTIX_SUPERVISOR: &str = "actix";

// What `supervision` (which builds on this file) hands to the hooks here and back: the stop
// reason an actor gave, the last actor stopped on the thread, a failed restart.
thread_local! {
    /// Set by `supervision::stop_reason`; taken by the next `stopped` on this thread.
    static STOP_REASON: Cell<Option<RestartReason>> = const { Cell::new(None) };
    /// The last actor stopped on this thread and the reason it gave.
    static LAST_STOP: Cell<Option<(&'static str, RestartReason)>> = const { Cell::new(None) };
}

/// Records why the actor running on this thread is about to stop.
pub(crate) fn set_stop_reason(reason: RestartReason) {
    STOP_REASON.with(|r| r.set(Some(reason)));
}

/// The last actor stopped on this thread and the reason it gave, taken.
pub(crate) fn take_last_stop() -> Option<(&'static str, RestartReason)> {
    LAST_STOP.with(Cell::take)
}

/// `Actor::stopped` of `actor` ran on this thread.
fn note_stopped(actor: &'static str) {
    let reason = STOP_REASON
        .with(Cell::take)
        .unwrap_or(RestartReason::Supervisor);
    LAST_STOP.with(|l| l.set(Some((actor, reason))));
}

/// A restart of `child` failed: an escalation and a supervision failure.
pub(crate) fn restart_failed(child: &str, actor_type: ActorType) {
    SUPERVISION_ESCALATION_EVENTS
        .with(ACTIX_SUPERVISOR, child, EscalationType::RestartFailed)
        .inc();
    ACTOR_SUPERVISION_FAILURES.with(actor_type).inc();
}

/// An actor type's `actor_type`: known, or computed when asked (an `ActorKind` probe, which is
/// not `const`).
#[derive(Debug, Clone, Copy)]
pub(crate) enum TypeOf {
    Known(ActorType),
    Deferred(fn() -> ActorType),
}

impl TypeOf {
    #[inline]
    pub(crate) fn get(self) -> ActorType {
        match self {
            TypeOf::Known(t) => t,
            TypeOf::Deferred(f) => f(),
        }
    }
}

/// One instrumented actor type: its type name (the `actor` label) and its `actor_type`.
#[derive(Debug)]
pub struct LifecycleSite {
    /// The actor's type name (`ChainActor`).
    pub actor: &'static str,
    actor_type: TypeOf,
}

impl LifecycleSite {
    /// The site of the actor named `actor`, of type `actor_type`.
    pub const fn new(actor: &'static str, actor_type: ActorType) -> Self {
        Self {
            actor,
            actor_type: TypeOf::Known(actor_type),
        }
    }

    /// The site of the actor named `actor`, whose type `actor_type` computes (what
    /// `#[instrument_actor]` declares: it reads the actor's `ActorKind`).
    pub const fn deferred(actor: &'static str, actor_type: fn() -> ActorType) -> Self {
        Self {
            actor,
            actor_type: TypeOf::Deferred(actor_type),
        }
    }

    /// Its `actor_type` label.
    pub fn actor_type(&self) -> ActorType {
        self.actor_type.get()
    }
}

/// The live states, in the order that decides a type's state (least advanced first).
const LIVE: [ActorState; 4] = [
    ActorState::Restarting,
    ActorState::Starting,
    ActorState::Stopping,
    ActorState::Running,
];

#[derive(Clone, Copy)]
struct TypeState {
    live: [u64; ActorState::COUNT],
    last_end: Option<ActorState>,
    exported: Option<ActorState>,
}

static TYPES: Mutex<[TypeState; ActorType::COUNT]> = Mutex::new(
    [TypeState {
        live: [0; ActorState::COUNT],
        last_end: None,
        exported: None,
    }; ActorType::COUNT],
);

fn is_live(s: ActorState) -> bool {
    LIVE.contains(&s)
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// Records one actor's transition: the transitions counter, and the type's state set when
/// the type's state changes. Only the edges of
/// [`LIFECYCLE_EDGES`](crate::labels::LIFECYCLE_EDGES) are series of
/// `alys_actor_lifecycle_transitions_total`; another transition is logged (warn) and not
/// counted there (the state set still follows it).
pub fn transition(
    actor: &str,
    actor_type: ActorType,
    from: ActorState,
    to: ActorState,
    reason: TransitionReason,
) {
    if is_lifecycle_edge(from, to, reason) {
        ACTOR_LIFECYCLE_TRANSITIONS
            .with(actor, from, to, reason)
            .inc();
    } else {
        tracing::warn!(
            actor,
            from = from.as_str(),
            to = to.as_str(),
            reason = reason.as_str(),
            "not an edge of the actor lifecycle (LIFECYCLE_EDGES): not counted"
        );
    }
    let mut types = TYPES.lock().unwrap_or_else(PoisonError::into_inner);
    let t = &mut types[actor_type.index()];
    if is_live(from) {
        let n = &mut t.live[from.index()];
        *n = n.saturating_sub(1);
    }
    if is_live(to) {
        t.live[to.index()] += 1;
    } else {
        t.last_end = Some(to);
    }
    let state = LIVE
        .iter()
        .copied()
        .find(|s| t.live[s.index()] > 0)
        .or(t.last_end);
    if state != t.exported {
        if let Some(old) = t.exported {
            ACTOR_STATE.with(actor_type, old).set(0);
        }
        if let Some(new) = state {
            ACTOR_STATE.with(actor_type, new).set(1);
        }
        t.exported = state;
        ACTOR_STATE_TRANSITION_TIMESTAMP
            .with(actor_type)
            .set(unix_now());
    }
}

thread_local! {
    /// Set by `Supervised::restarting` for the `started` that actix calls next on this
    /// thread: the restarted actor's name and when its restart began.
    static RESTARTING: Cell<Option<(&'static str, Instant)>> = const { Cell::new(None) };
}

/// Marks the next `started` of `actor` on this thread as a restart that began at `since`.
pub(crate) fn mark_restart(actor: &'static str, since: Instant) {
    RESTARTING.with(|r| r.set(Some((actor, since))));
}

/// Clears a restart mark left by a `restarting` that failed.
pub(crate) fn clear_restart() {
    RESTARTING.with(|r| r.set(None));
}

/// `Actor::started` running: [`started`] returns it, [`StartGuard::finish`] ends it; dropped
/// unfinished (the hook panicked) it records the failure.
#[must_use = "finish the guard when `started` returns"]
#[derive(Debug)]
pub struct StartGuard {
    site: &'static LifecycleSite,
    start: Instant,
    restart_since: Option<Instant>,
    done: bool,
}

/// `Actor::started` entered.
pub fn started(site: &'static LifecycleSite) -> StartGuard {
    let restart_since = RESTARTING.with(|r| match r.get() {
        Some((actor, since)) if actor == site.actor => {
            r.set(None);
            Some(since)
        }
        _ => None,
    });
    let (from, reason) = match restart_since {
        Some(_) => (ActorState::Restarting, TransitionReason::Restart),
        None => (ActorState::Stopped, TransitionReason::Spawn),
    };
    transition(
        site.actor,
        site.actor_type(),
        from,
        ActorState::Starting,
        reason,
    );
    StartGuard {
        site,
        start: Instant::now(),
        restart_since,
        done: false,
    }
}

impl StartGuard {
    /// `started` returned: the actor runs.
    pub fn finish(mut self) {
        self.done = true;
        let site = self.site;
        ACTOR_STARTUP_TIME_SECONDS
            .with(site.actor_type(), StartupPhase::Initialization)
            .observe(self.start.elapsed().as_secs_f64());
        if let Some(since) = self.restart_since {
            ACTOR_STARTUP_TIME_SECONDS
                .with(site.actor_type(), StartupPhase::Restart)
                .observe(since.elapsed().as_secs_f64());
        }
        transition(
            site.actor,
            site.actor_type(),
            ActorState::Starting,
            ActorState::Running,
            TransitionReason::Started,
        );
    }
}

impl Drop for StartGuard {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let site = self.site;
        transition(
            site.actor,
            site.actor_type(),
            ActorState::Starting,
            ActorState::Failed,
            TransitionReason::StartupPanic,
        );
        if self.restart_since.is_some() {
            restart_failed(site.actor, site.actor_type());
        } else {
            ACTOR_SPAWN_FAILURES.with(site.actor_type()).inc();
        }
    }
}

/// `Actor::stopping` returned; `stop` is true for `Running::Stop`.
pub fn stopping(site: &'static LifecycleSite, stop: bool) {
    if stop {
        transition(
            site.actor,
            site.actor_type(),
            ActorState::Running,
            ActorState::Stopping,
            TransitionReason::StopRequested,
        );
    }
}

/// `Actor::stopped` ran.
pub fn stopped(site: &'static LifecycleSite) {
    note_stopped(site.actor);
    transition(
        site.actor,
        site.actor_type(),
        ActorState::Stopping,
        ActorState::Stopped,
        TransitionReason::Stopped,
    );
}

/// Counts a spawn failure that actix cannot see (an actor whose construction failed before
/// it existed, e.g. its `create` closure returned an error the node handled).
pub fn spawn_failure(actor_type: ActorType) {
    ACTOR_SPAWN_FAILURES.with(actor_type).inc();
}
