//! CPU time per actor type: real actix actors on their own arbiter threads spin inside actor
//! scopes, and the collector's per-thread pass attributes the threads' CPU time to the
//! scopes' types, read back from the exposition text.
//!
//! The pass and the counters are process-wide, so the tests run one at a time and assert on
//! deltas. The pass splits a thread's CPU time by the wall time its scopes were open, so a
//! spin preempted by other work in the process is credited less than it burned: the tests
//! need the process's CPU to themselves. (The memory gauges' test of this module, which needs
//! a binary without the tracking allocator, is `tests/it/actor_memory.rs`.)

use std::time::{Duration, Instant};

use actix::prelude::*;
use alys_metrics::actor_system::{collect_actor_cpu, current_actor_type, enter};
use alys_metrics::collector::{ProcessCollector, SysinfoSource};
use alys_metrics::labels::ActorType;
use alys_metrics::LabelValue;

/// The value of one series in the exposition text, as Prometheus would read it.
fn value(series: &str) -> f64 {
    let text = alys_metrics::registry().encode_to_string();
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no series `{series}` in:\n{text}"))
}

fn cpu(t: ActorType) -> f64 {
    // A type not live in the process (no handler, actor or scope of it yet) has no series:
    // nothing can have been counted under it. A live one must have its series.
    if !ActorType::is_live(t.index()) {
        return 0.0;
    }
    value(&format!(
        "alys_actor_cpu_seconds_total{{actor_type=\"{}\"}}",
        t.as_str()
    ))
}

/// This thread's CPU time, as the kernel counts it.
fn own_cpu() -> Duration {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").expect("schedstat");
    Duration::from_nanos(text.split_whitespace().next().unwrap().parse().unwrap())
}

/// Burns `cpu` of this thread's CPU time (not wall time: the machine is shared).
fn spin(cpu: Duration) {
    let start = own_cpu();
    let mut x = 0u64;
    while own_cpu() - start < cpu {
        for _ in 0..10_000 {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
        }
    }
}

struct Worker;

impl Actor for Worker {
    type Context = Context<Self>;
}

/// Spins inside a scope of each listed type in turn (each nested in the previous one).
#[derive(Message)]
#[rtype(result = "()")]
struct Spin(Vec<(ActorType, Duration)>);

impl Handler<Spin> for Worker {
    type Result = ();

    fn handle(&mut self, msg: Spin, _: &mut Context<Self>) {
        let mut scopes = Vec::new();
        for (t, d) in msg.0 {
            scopes.push(enter(t));
            assert_eq!(current_actor_type(), Some(t));
            spin(d);
        }
        while scopes.pop().is_some() {}
    }
}

/// Sleeps inside a scope: busy (wall) time without CPU time.
#[derive(Message)]
#[rtype(result = "()")]
struct Sleep(ActorType, Duration);

impl Handler<Sleep> for Worker {
    type Result = ();

    fn handle(&mut self, msg: Sleep, _: &mut Context<Self>) {
        let _scope = enter(msg.0);
        std::thread::sleep(msg.1);
    }
}

fn worker() -> (Addr<Worker>, Arbiter) {
    let arbiter = Arbiter::new();
    let addr = Worker::start_in_arbiter(&arbiter.handle(), |_| Worker);
    (addr, arbiter)
}

fn assert_near(got: f64, want: f64, what: &str) {
    assert!(
        (got - want).abs() <= want * 0.2,
        "{what}: {got:.4} s attributed, expected {want} s within 20 %"
    );
}

#[actix::test]
async fn a_handler_spinning_200_ms_shows_200_ms_under_its_type() {
    let _s = crate::serial();
    let (addr, arbiter) = worker();
    collect_actor_cpu();
    let (sync0, alias0, chain0) = (
        cpu(ActorType::Sync),
        value("alys_sync_cpu_seconds_total"),
        cpu(ActorType::Chain),
    );

    addr.send(Spin(vec![(ActorType::Sync, Duration::from_millis(200))]))
        .await
        .unwrap();
    let pass = collect_actor_cpu();

    let sync = cpu(ActorType::Sync) - sync0;
    assert_near(sync, 0.2, "sync");
    assert_near(
        pass.attributed_to(ActorType::Sync),
        0.2,
        "the pass's own figure",
    );
    assert_eq!(
        value("alys_sync_cpu_seconds_total") - alias0,
        sync,
        "alys_sync_cpu_seconds_total is the sync type's series"
    );
    assert_eq!(cpu(ActorType::Chain), chain0, "nothing else was attributed");

    // A second pass with no new work adds nothing.
    collect_actor_cpu();
    assert!(cpu(ActorType::Sync) - sync0 - sync < 0.005);
    arbiter.stop();
}

#[actix::test]
async fn nested_scopes_split_the_cpu_time_and_the_collector_tick_runs_the_pass() {
    let _s = crate::serial();
    let (addr, arbiter) = worker();
    let mut collector = ProcessCollector::new(SysinfoSource::new());
    collector.tick();
    let (chain0, storage0) = (cpu(ActorType::Chain), cpu(ActorType::Storage));

    addr.send(Spin(vec![
        (ActorType::Chain, Duration::from_millis(150)),
        (ActorType::Storage, Duration::from_millis(100)),
    ]))
    .await
    .unwrap();
    collector.tick();

    assert_near(cpu(ActorType::Chain) - chain0, 0.15, "outer chain scope");
    assert_near(
        cpu(ActorType::Storage) - storage0,
        0.1,
        "inner storage scope",
    );
    arbiter.stop();
}

#[actix::test]
async fn a_handler_that_sleeps_is_credited_its_cpu_time_not_its_wall_time() {
    let _s = crate::serial();
    let (addr, arbiter) = worker();
    collect_actor_cpu();
    let network0 = cpu(ActorType::Network);
    let started = Instant::now();
    addr.send(Sleep(ActorType::Network, Duration::from_millis(200)))
        .await
        .unwrap();
    assert!(started.elapsed() >= Duration::from_millis(200));
    collect_actor_cpu();
    let network = cpu(ActorType::Network) - network0;
    assert!(
        network < 0.03,
        "200 ms asleep is not 200 ms of CPU: {network} s"
    );
    arbiter.stop();
}

/// An actor whose handlers carry `#[instrument_actor]` and open no scope themselves: the
/// attribute's own entry must attribute their CPU time to `engine` (sync) and, poll by poll,
/// to `engine` for the future of an async reply.
struct EngineActor;

impl Actor for EngineActor {
    type Context = Context<Self>;
}

#[derive(Message)]
#[rtype(result = "()")]
struct SpinSync(Duration);

#[alys_metrics::instrument_actor(message = custom(1))]
impl Handler<SpinSync> for EngineActor {
    type Result = ();

    fn handle(&mut self, msg: SpinSync, _: &mut Context<Self>) {
        assert_eq!(current_actor_type(), Some(ActorType::Engine));
        spin(msg.0);
    }
}

/// Spins half its time, yields to the arbiter, and spins the other half: two polls.
#[derive(Message)]
#[rtype(result = "()")]
struct SpinAsync(Duration);

#[alys_metrics::instrument_actor(message = custom(2))]
impl Handler<SpinAsync> for EngineActor {
    type Result = ResponseFuture<()>;

    fn handle(&mut self, msg: SpinAsync, _: &mut Context<Self>) -> Self::Result {
        Box::pin(async move {
            spin(msg.0 / 2);
            tokio::task::yield_now().await;
            assert_eq!(current_actor_type(), Some(ActorType::Engine));
            spin(msg.0 / 2);
        })
    }
}

#[actix::test]
async fn an_instrumented_sync_handler_spinning_200_ms_shows_under_its_type() {
    let _s = crate::serial();
    let arbiter = Arbiter::new();
    let addr = EngineActor::start_in_arbiter(&arbiter.handle(), |_| EngineActor);
    collect_actor_cpu();
    let engine0 = cpu(ActorType::Engine);
    addr.send(SpinSync(Duration::from_millis(200)))
        .await
        .unwrap();
    collect_actor_cpu();
    assert_near(cpu(ActorType::Engine) - engine0, 0.2, "instrumented sync");
    assert_eq!(
        current_actor_type(),
        None,
        "the test's own thread has no scope"
    );
    arbiter.stop();
}

#[actix::test]
async fn an_instrumented_future_spinning_200_ms_between_awaits_shows_under_its_type() {
    let _s = crate::serial();
    let arbiter = Arbiter::new();
    let addr = EngineActor::start_in_arbiter(&arbiter.handle(), |_| EngineActor);
    collect_actor_cpu();
    let engine0 = cpu(ActorType::Engine);
    addr.send(SpinAsync(Duration::from_millis(200)))
        .await
        .unwrap();
    collect_actor_cpu();
    assert_near(cpu(ActorType::Engine) - engine0, 0.2, "instrumented future");
    arbiter.stop();
}
