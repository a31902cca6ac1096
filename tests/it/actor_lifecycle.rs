//! Actor lifecycle and supervision from `#[instrument_actor]` on `impl Actor` and
//! `impl Supervised`: real actix actors, a real actix `Supervisor` restarting a child that
//! stops itself, and a `started` that panics; exact counts read back from the exposition
//! text.
//!
//! The families are process-wide, so the tests hold `crate::serial()`, each uses actor types
//! of its own, and they assert on deltas.

use std::time::Duration;

use actix::prelude::*;
use alys_metrics::actor::supervision::{escalate, stop_reason};
use alys_metrics::instrument_actor;
use alys_metrics::labels::{ActorType, EscalationType, RestartReason};

/// The value of one series in the exposition text, 0 when absent.
fn value(series: &str) -> f64 {
    crate::samples::series(&crate::samples::exposition(), series).unwrap_or(0.0)
}

/// `actor` as exported: label values are sanitized to lower case (`EngineActor` -> `engineactor`).
fn transitions(actor: &str, from: &str, to: &str, reason: &str) -> f64 {
    value(&format!(
        "alys_actor_lifecycle_transitions_total{{actor=\"{actor}\",from_state=\"{from}\",to_state=\"{to}\",transition_reason=\"{reason}\"}}"
    ))
}

fn state(actor_type: &str, state: &str) -> f64 {
    value(&format!(
        "alys_actor_state{{actor_type=\"{actor_type}\",state=\"{state}\"}}"
    ))
}

/// The one state of the set that is 1, checking that exactly one is.
fn the_state(actor_type: &str) -> &'static str {
    let states = [
        "starting",
        "running",
        "stopping",
        "stopped",
        "restarting",
        "failed",
    ];
    let on: Vec<_> = states
        .iter()
        .filter(|s| state(actor_type, s) == 1.0)
        .collect();
    assert_eq!(on.len(), 1, "{actor_type}: exactly one state is 1: {on:?}");
    let zero = states
        .iter()
        .filter(|s| state(actor_type, s) == 0.0)
        .count();
    assert_eq!(zero, 5, "{actor_type}: the other five are 0");
    on[0]
}

/// Stops itself on `Fail`; restarted by its `Supervisor` while the test holds its address.
struct EngineActor;

#[instrument_actor]
impl Actor for EngineActor {
    type Context = Context<Self>;
}

#[instrument_actor]
impl Supervised for EngineActor {}

#[derive(Message)]
#[rtype(result = "()")]
struct Fail;

impl Handler<Fail> for EngineActor {
    type Result = ();
    fn handle(&mut self, _: Fail, ctx: &mut Context<Self>) {
        stop_reason(RestartReason::Timeout);
        ctx.stop();
    }
}

#[derive(Message)]
#[rtype(result = "u32")]
struct Ping;

impl Handler<Ping> for EngineActor {
    type Result = u32;
    fn handle(&mut self, _: Ping, _: &mut Context<Self>) -> u32 {
        7
    }
}

#[actix::test]
async fn a_supervisor_restart_loop_shows_exactly_in_the_counters() {
    let _s = crate::serial();
    const N: u32 = 7;
    let restarts = "alys_supervision_tree_restarts_total{supervisor=\"actix\",child_actor=\"engineactor\",restart_reason=\"timeout\"}";
    let limit = "alys_supervision_escalation_events_total{supervisor=\"actix\",child_actor=\"engineactor\",escalation_type=\"restart_limit\"}";
    let (r0, l0) = (value(restarts), value(limit));
    let spawn0 = transitions("engineactor", "stopped", "starting", "spawn");
    // Deltas: `EngineActor` is also the name of an actor in `actor_dependency`, whose
    // stops (at the end of its test, whenever its system winds down) count under the same
    // `actor` label.
    let restart_loop = [
        ("running", "stopping", "stop_requested"),
        ("stopping", "stopped", "stopped"),
        ("stopped", "restarting", "supervisor_restart"),
        ("restarting", "starting", "restart"),
    ];
    let before: Vec<f64> = restart_loop
        .iter()
        .map(|(from, to, reason)| transitions("engineactor", from, to, reason))
        .collect();
    let started0 = transitions("engineactor", "starting", "running", "started");

    let addr = Supervisor::start(|_| EngineActor);
    assert_eq!(addr.send(Ping).await.unwrap(), 7);
    for _ in 0..N {
        addr.do_send(Fail);
        // The restarted actor answers: the restart is complete.
        assert_eq!(addr.send(Ping).await.unwrap(), 7);
    }
    let n = f64::from(N);
    assert_eq!(value(restarts) - r0, n, "one restart per stop");
    assert_eq!(
        transitions("engineactor", "stopped", "starting", "spawn") - spawn0,
        1.0,
        "spawned once"
    );
    for ((from, to, reason), before) in restart_loop.iter().zip(before) {
        assert_eq!(
            transitions("engineactor", from, to, reason) - before,
            n,
            "{from} -> {to} ({reason})"
        );
    }
    assert_eq!(
        transitions("engineactor", "starting", "running", "started") - started0,
        n + 1.0
    );
    assert_eq!(
        value(limit) - l0,
        1.0,
        "7 restarts within 60 s cross the limit of 5 once"
    );
    assert_eq!(the_state("engine"), "running");
    assert!(value("alys_actor_state_transition_timestamp{actor_type=\"engine\"}") > 1.6e9);
    let text = alys_metrics::registry().encode_to_string();
    assert!(
        text.contains(&format!(
            "alys_actor_startup_time_seconds_count{{actor_type=\"engine\",startup_phase=\"restart\"}} {N}\n"
        )),
        "one restart time per restart"
    );
    assert!(text.contains(&format!(
        "alys_actor_startup_time_seconds_count{{actor_type=\"engine\",startup_phase=\"initialization\"}} {}\n",
        N + 1
    )));
}

/// Counts its own hooks; `stopping` refuses to stop once.
struct NetworkActor {
    refuse: bool,
}

#[instrument_actor]
impl Actor for NetworkActor {
    type Context = Context<Self>;

    fn stopping(&mut self, _: &mut Self::Context) -> Running {
        if std::mem::take(&mut self.refuse) {
            return Running::Continue;
        }
        Running::Stop
    }
}

#[derive(Message)]
#[rtype(result = "()")]
struct Stop;

impl Handler<Stop> for NetworkActor {
    type Result = ();
    fn handle(&mut self, _: Stop, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

#[actix::test]
async fn several_actors_of_one_type_make_one_state_and_continue_is_no_transition() {
    let _s = crate::serial();
    let a = NetworkActor { refuse: true }.start();
    let b = NetworkActor { refuse: false }.start();
    a.send(Stop).await.unwrap();
    b.send(Stop).await.unwrap();
    // `a` refused and runs; `b` stopped: the type is running while one actor is live.
    actix::clock::sleep(Duration::from_millis(20)).await;
    assert_eq!(the_state("network"), "running");
    assert_eq!(
        transitions("networkactor", "running", "stopping", "stop_requested"),
        1.0,
        "Running::Continue is no transition"
    );
    a.send(Stop).await.unwrap();
    actix::clock::sleep(Duration::from_millis(20)).await;
    assert_eq!(
        the_state("network"),
        "stopped",
        "no live actor: how the last ended"
    );
    assert_eq!(
        transitions("networkactor", "stopping", "stopped", "stopped"),
        2.0
    );
}

/// `started` panics: a spawn failure.
struct StorageActor;

#[instrument_actor]
impl Actor for StorageActor {
    type Context = Context<Self>;

    fn started(&mut self, _: &mut Self::Context) {
        panic!("cannot open the database");
    }
}

#[actix::test]
async fn a_panic_in_started_is_a_spawn_failure_and_the_type_failed() {
    let _s = crate::serial();
    let failures = "alys_actor_spawn_failures_total{actor_type=\"storage\"}";
    let f0 = value(failures);
    let arbiter = Arbiter::new();
    assert!(arbiter.spawn(async {
        StorageActor.start();
    }));
    // The actor's task panics inside `started` on the arbiter's thread; wait for the record.
    for _ in 0..200 {
        if value(failures) != f0 {
            break;
        }
        actix::clock::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(value(failures) - f0, 1.0);
    assert_eq!(
        transitions("storageactor", "starting", "failed", "startup_panic"),
        1.0
    );
    assert_eq!(the_state("storage"), "failed");
    arbiter.stop();
}

#[test]
fn what_actix_cannot_see_is_reported_by_the_node() {
    let _s = crate::serial();
    let failures = "alys_actor_supervision_failures_total{actor_type=\"bridge\"}";
    let f0 = value(failures);
    escalate(
        "RootSupervisor",
        "BridgeActor",
        ActorType::Bridge,
        EscalationType::GaveUp,
    );
    assert_eq!(value(failures) - f0, 1.0);
    assert_eq!(
        value("alys_supervision_escalation_events_total{supervisor=\"rootsupervisor\",child_actor=\"bridgeactor\",escalation_type=\"gave_up\"}"),
        1.0
    );
}

/// Issue 23: the transitions counter exports the lifecycle's edges and nothing else, for every
/// actor in the process: eight series each, every one an edge of `LIFECYCLE_EDGES`.
#[actix::test]
async fn only_the_lifecycles_edges_are_series() {
    use alys_metrics::labels::{LabelValue, LIFECYCLE_EDGES};
    let _s = crate::serial();
    let addr = Supervisor::start(|_| EngineActor);
    addr.do_send(Fail);
    assert_eq!(addr.send(Ping).await.unwrap(), 7);

    let text = alys_metrics::registry().encode_to_string();
    let edges: Vec<String> = LIFECYCLE_EDGES
        .iter()
        .map(|(f, t, r)| {
            format!(
                "from_state=\"{}\",to_state=\"{}\",transition_reason=\"{}\"}}",
                f.as_str(),
                t.as_str(),
                r.as_str()
            )
        })
        .collect();
    let mut per_actor = std::collections::BTreeMap::<&str, usize>::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("alys_actor_lifecycle_transitions_total{actor=\"")
        else {
            continue;
        };
        let (actor, rest) = rest.split_once("\",").expect("labels after actor");
        let (labels, _) = rest.rsplit_once(' ').expect("a value");
        assert!(
            edges.iter().any(|e| e == labels),
            "{line}: not an edge of the actor lifecycle"
        );
        *per_actor.entry(actor).or_default() += 1;
    }
    assert!(per_actor.contains_key("engineactor"), "{per_actor:?}");
    for (actor, n) in per_actor {
        assert_eq!(n, LIFECYCLE_EDGES.len(), "{actor}");
    }
}
